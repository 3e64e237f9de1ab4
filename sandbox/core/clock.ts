/** The sandbox's virtual clock: real time plus an offset that POST /_sandbox/clock {"advance": "6h"} grows. */
export class VirtualClock {
  private offsetMs = 0;

  constructor(private readonly realNow: () => number = Date.now) {}

  /** Current virtual time in epoch milliseconds; every AWS timestamp the sandbox returns comes from here. */
  now(): number {
    return this.realNow() + this.offsetMs;
  }

  /** Current virtual time in epoch seconds with millisecond fraction, the JSON wire form of AWS timestamps. */
  epochSeconds(): number {
    return this.now() / 1000;
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`cannot move the clock back or by a non-number (${ms})`);
    this.offsetMs += ms;
  }
}
