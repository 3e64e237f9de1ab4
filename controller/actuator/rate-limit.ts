import { monotonicClock, systemSleep } from '../util/clock.js';

/** How the limiter reads time and waits; monotonic wall time by default (pacing is real time, not policy time). */
export interface Pacer {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realPacer: Pacer = {
  now: monotonicClock.now,
  sleep: systemSleep,
};

/** A token bucket: `ratePerSecond` tokens refill continuously up to `burst`; each take waits for one token. */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number = Math.max(1, Math.ceil(ratePerSecond)),
    private readonly pacer: Pacer = realPacer,
  ) {
    if (!(ratePerSecond > 0)) throw new RangeError(`rate must be positive, got ${ratePerSecond}`);
    this.tokens = burst;
    this.last = pacer.now();
  }

  /** Resolves when a token is available; callers are served in arrival order. */
  take(): Promise<void> {
    const turn = this.queue.then(() => this.takeNow());
    this.queue = turn;
    return turn;
  }

  private async takeNow(): Promise<void> {
    for (;;) {
      const now = this.pacer.now();
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.ratePerSecond);
      this.last = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await this.pacer.sleep(Math.ceil(((1 - this.tokens) / this.ratePerSecond) * 1000));
    }
  }
}

/**
 * Writes per second per write API, by AWS service, when the actuator is not given one rate for all. ECS: AWS's
 * service-write rate (UpdateService, 5 per second, ECS API Reference "Request throttling"). Cloud Map publishes no
 * control-plane rate; 20 per second is half of the controller's own Cloud Map bucket (which every read and write
 * of the target shares, README "Pacing under AWS's quotas"), and twice the 10 dead tasks a second the controller
 * must keep up with (bench/events.ts: at 5 a second, one deregistration per dead task fell behind at once).
 */
export const DEFAULT_WRITE_RATES: Readonly<Record<string, number>> = { ecs: 5, servicediscovery: 20 };

/** One token bucket per AWS write API ("servicediscovery:DeregisterInstance"), on top of the SDK's own retries. */
export class WriteRateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();

  /** `writesPerSecond`: one rate for every write API; by default DEFAULT_WRITE_RATES by the API's service. */
  constructor(
    private readonly writesPerSecond?: number,
    private readonly pacer?: Pacer,
  ) {}

  /** Waits until one more call of `api` is allowed. */
  acquire(api: string): Promise<void> {
    let bucket = this.buckets.get(api);
    if (!bucket) {
      const rate = this.writesPerSecond ?? DEFAULT_WRITE_RATES[api.slice(0, api.indexOf(':'))] ?? 5;
      bucket = new TokenBucket(rate, undefined, this.pacer);
      this.buckets.set(api, bucket);
    }
    return bucket.take();
  }
}
