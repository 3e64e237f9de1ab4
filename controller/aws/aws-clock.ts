/**
 * AWS's clock as seen from here. Decisions compare "now" with AWS timestamps (deployment createdAt for
 * cooldowns and Service Connect staleness, grace clocks against reads), so "now" must be AWS's time, not the
 * container's: every AWS response carries its time in the HTTP Date header, and the offset to it is tracked
 * here. (The SDK keeps a systemClockOffset of its own, but only corrects it once the skew breaks signing.)
 */
import { systemClock, type Clock } from '../util/clock.js';

// Date has whole seconds and a response takes time to arrive: smaller differences are measurement noise.
const NOISE_MS = 2_000;

/** A clock that reads the local clock plus the offset to AWS measured from response Date headers. */
export class AwsClock implements Clock {
  private offsetMs = 0;

  constructor(private local: Clock = systemClock) {}

  /** AWS's current time, epoch ms. */
  now(): number {
    return this.local.now() + this.offsetMs;
  }

  /** How far AWS's clock is ahead of the local one (negative: behind). */
  offset(): number {
    return this.offsetMs;
  }

  /** Measures against another local clock from now on (the controller's injected timers); the offset restarts. */
  follow(local: Clock): void {
    if (local === this.local) return;
    this.local = local;
    this.offsetMs = 0;
  }

  /** Takes one response's Date header into account; ignores a missing or unparsable one. */
  observe(dateHeader: string | undefined): void {
    if (!dateHeader) return;
    const server = Date.parse(dateHeader);
    if (Number.isNaN(server)) return;
    // The server's time was somewhere in [server, server + 1 s) when it answered.
    const sample = server + 500 - this.local.now();
    if (Math.abs(sample - this.offsetMs) > NOISE_MS) this.offsetMs = sample;
  }
}

interface HttpResponseLike {
  headers?: Record<string, string | undefined>;
}

/** SDK middleware that feeds the Date header of every response (errors included) to the clock. */
export function clockMiddleware(clock: AwsClock) {
  return (next: (args: unknown) => Promise<{ response?: unknown }>) => async (args: unknown) => {
    try {
      const result = await next(args);
      clock.observe((result.response as HttpResponseLike | undefined)?.headers?.date);
      return result;
    } catch (error) {
      clock.observe((error as { $response?: HttpResponseLike })?.$response?.headers?.date);
      throw error;
    }
  };
}
