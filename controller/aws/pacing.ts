/**
 * Client-side pacing of AWS calls: one token bucket per AWS service per set of clients (createAwsClients makes
 * one set per target, account × region), so every worker, full read and targeted refresh of a target draws
 * from the same budget and the account's quota is not spent faster than it refills.
 *
 * Each attempt takes a token (the SDK's retries too: AWS counts them), inside the retry loop and before
 * signing, so a long wait never sends a stale signature. A bucket with tokens lets a call through at once;
 * an empty one makes the call wait until its token has been refilled (reservations, first come first served).
 * Reads (read-context.ts) take their first token before they queue for a concurrency slot (withToken), so a
 * call waiting for an empty ECS bucket never holds a slot a Cloud Map call could use.
 *
 * Default rates sit below AWS's published (ECS) or commonly observed (Cloud Map) sustained rates; the README
 * ("Pacing under AWS's quotas") lists them with their sources.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { systemClock, systemSleep, type Clock, type Sleep } from '../util/clock.js';

/** Sustained requests per second and the most that may go at once after a quiet spell. 0 rate: unpaced. */
export interface RateLimit {
  rate: number;
  burst: number;
}

/** The services whose clients are paced, by the short names of AwsServiceName. */
export type PacedService = 'ecs' | 'servicediscovery' | 'application-autoscaling' | 'cloudtrail';

export type PacingConfig = Record<PacedService, RateLimit>;

/**
 * Defaults. ECS: every read category the controller uses (cluster, service, cluster resource, service
 * deployment and revision, tag reads) refills at 20/s with a burst of 50 or 100, per account and Region
 * (ECS API Reference, "Request throttling for the Amazon ECS API"); one bucket of 18/s and 40 stays below
 * each of them whatever the mix. Cloud Map: control-plane rates are unpublished; ~50/s is observed for
 * ListInstances and GetService (kubernetes-sigs/external-dns #2505, #2507). Application Auto Scaling: no
 * published rate (one bucket per account and Region for the service, AWS re:Post "autoscaling API calls
 * throttled"); the controller makes a few of these calls per read, so a low rate costs nothing. CloudTrail:
 * LookupEvents is limited to two per second per account and Region (CloudTrail API Reference, LookupEvents).
 */
export const DEFAULT_PACING: PacingConfig = {
  ecs: { rate: 18, burst: 40 },
  servicediscovery: { rate: 40, burst: 40 },
  'application-autoscaling': { rate: 5, burst: 10 },
  cloudtrail: { rate: 1.5, burst: 2 },
};

/** Every service unpaced: for benchmarks of other things against an emulator without quotas (bench/pacing.ts measures pacing). */
export const NO_PACING: PacingConfig = {
  ecs: { rate: 0, burst: 1 },
  servicediscovery: { rate: 0, burst: 1 },
  'application-autoscaling': { rate: 0, burst: 1 },
  cloudtrail: { rate: 0, burst: 1 },
};

/** One token bucket; time comes from the injected clock, waiting from the injected sleep. */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private waitedCalls = 0;
  private waitedMs = 0;
  private taken = 0;

  constructor(
    readonly limit: RateLimit,
    private readonly clock: Clock = systemClock,
    private readonly sleep: Sleep = systemSleep,
  ) {
    if (!(limit.rate >= 0) || !Number.isFinite(limit.rate))
      throw new RangeError(`rate must be a number of requests per second, 0 or more, not ${limit.rate}`);
    if (!(Number.isInteger(limit.burst) && limit.burst >= 1))
      throw new RangeError(`burst must be a whole number of requests, 1 or more, not ${limit.burst}`);
    this.tokens = limit.burst;
    this.last = clock.now();
  }

  /** Milliseconds the next call would wait (0 when a token is there), without taking one. */
  delay(): number {
    if (this.limit.rate === 0) return 0;
    this.refill();
    return this.tokens >= 1 ? 0 : ((1 - this.tokens) / this.limit.rate) * 1000;
  }

  /** Takes one token, waiting for it when the bucket is empty; resolves with the milliseconds waited. */
  async take(): Promise<number> {
    this.taken += 1;
    if (this.limit.rate === 0) return 0;
    this.refill();
    // Reserve now (the count may go below zero), so later callers queue behind this one.
    this.tokens -= 1;
    if (this.tokens >= 0) return 0;
    const waitMs = (-this.tokens / this.limit.rate) * 1000;
    this.waitedCalls += 1;
    this.waitedMs += waitMs;
    await this.sleep(waitMs);
    return waitMs;
  }

  /** Calls paced so far, how many of them waited and for how long in all. */
  stats(): { calls: number; waited: number; waitedMs: number } {
    return { calls: this.taken, waited: this.waitedCalls, waitedMs: Math.round(this.waitedMs) };
  }

  private refill(): void {
    const now = this.clock.now();
    const elapsed = Math.max(0, now - this.last);
    this.last = now;
    this.tokens = Math.min(this.limit.burst, this.tokens + (elapsed / 1000) * this.limit.rate);
  }
}

/** The buckets of one target's clients, one per paced service. */
export class Pacer {
  private readonly buckets = new Map<PacedService, TokenBucket>();

  constructor(config: Partial<PacingConfig> = {}, clock: Clock = systemClock, sleep: Sleep = systemSleep) {
    for (const service of Object.keys(DEFAULT_PACING) as PacedService[]) {
      this.buckets.set(service, new TokenBucket(config[service] ?? DEFAULT_PACING[service], clock, sleep));
    }
  }

  bucket(service: string): TokenBucket | undefined {
    return this.buckets.get(service as PacedService);
  }

  /** Per service: calls paced, calls that waited, total milliseconds waited. */
  stats(): Record<string, ReturnType<TokenBucket['stats']>> {
    return Object.fromEntries([...this.buckets].map(([service, bucket]) => [service, bucket.stats()]));
  }
}

/** A token taken before the call was queued for a concurrency slot; its first attempt spends it. */
interface Ticket {
  bucket: TokenBucket;
  unspent: boolean;
}

const tickets = new AsyncLocalStorage<Ticket>();

/**
 * Runs `work` (one SDK call, typically queued behind a concurrency limit) with its first token already
 * taken: the wait for the service's token happens here, before the call holds a concurrency slot, so calls
 * of a service whose bucket is empty do not keep slots from another service's calls. Retries take their own.
 */
export async function withToken<T>(pacer: Pacer | undefined, service: string, work: () => Promise<T>): Promise<T> {
  const bucket = pacer?.bucket(service);
  if (!bucket || bucket.limit.rate === 0) return work();
  await bucket.take();
  return tickets.run({ bucket, unspent: true }, work);
}

interface MiddlewareClient {
  middlewareStack: { addRelativeTo: (middleware: unknown, options: Record<string, unknown>) => void };
}

/** Adds the service's bucket to a client: every attempt takes a token first. Clients of unpaced services are left as they are. */
export function paced<T>(client: T, service: string, pacer: Pacer | undefined): T {
  const bucket = pacer?.bucket(service);
  if (!bucket || bucket.limit.rate === 0) return client;
  (client as unknown as MiddlewareClient).middlewareStack.addRelativeTo(
    (next: (args: unknown) => Promise<unknown>) => async (args: unknown) => {
      const ticket = tickets.getStore();
      if (ticket?.unspent && ticket.bucket === bucket) ticket.unspent = false;
      else await bucket.take();
      return next(args);
    },
    // After the retry middleware (each attempt pays), before signing (a wait never ages the signature).
    { relation: 'after', toMiddleware: 'retryMiddleware', name: 'ecsDiscoveryPacing', override: true },
  );
  return client;
}

/** Flags and environment variables of the pacing settings (run and plan share them). */
export const PACING_SETTINGS: readonly {
  flag: string;
  env: string;
  service: PacedService;
  field: keyof RateLimit;
  help: string;
}[] = [
  {
    flag: 'ecs-rate',
    env: 'ECS_RATE',
    service: 'ecs',
    field: 'rate',
    help: 'ECS calls per second per target (account and region), shared by all its reads and writes; 0: unpaced',
  },
  {
    flag: 'ecs-burst',
    env: 'ECS_BURST',
    service: 'ecs',
    field: 'burst',
    help: 'ECS calls that may go at once after a quiet spell',
  },
  {
    flag: 'cloudmap-rate',
    env: 'CLOUDMAP_RATE',
    service: 'servicediscovery',
    field: 'rate',
    help: 'Cloud Map calls per second per target; 0: unpaced',
  },
  {
    flag: 'cloudmap-burst',
    env: 'CLOUDMAP_BURST',
    service: 'servicediscovery',
    field: 'burst',
    help: 'Cloud Map calls that may go at once after a quiet spell',
  },
  {
    flag: 'autoscaling-rate',
    env: 'AUTOSCALING_RATE',
    service: 'application-autoscaling',
    field: 'rate',
    help: 'Application Auto Scaling calls per second per target; 0: unpaced',
  },
  {
    flag: 'autoscaling-burst',
    env: 'AUTOSCALING_BURST',
    service: 'application-autoscaling',
    field: 'burst',
    help: 'Application Auto Scaling calls that may go at once after a quiet spell',
  },
  {
    flag: 'cloudtrail-rate',
    env: 'CLOUDTRAIL_RATE',
    service: 'cloudtrail',
    field: 'rate',
    help: 'CloudTrail LookupEvents calls per second per target (AWS allows 2); 0: unpaced',
  },
  {
    flag: 'cloudtrail-burst',
    env: 'CLOUDTRAIL_BURST',
    service: 'cloudtrail',
    field: 'burst',
    help: 'CloudTrail calls that may go at once after a quiet spell',
  },
];

/** The default of a pacing setting, as text for --help and the README. */
export function pacingDefault(setting: (typeof PACING_SETTINGS)[number]): string {
  return String(DEFAULT_PACING[setting.service][setting.field]);
}

/**
 * Pacing from flags/environment (`value(flag)` returns the flag's or variable's text, or undefined); throws an
 * Error naming the flag and variable for a value that is not a number in range.
 */
export function parsePacing(value: (setting: (typeof PACING_SETTINGS)[number]) => string | undefined): PacingConfig {
  const config: PacingConfig = {
    ecs: { ...DEFAULT_PACING.ecs },
    servicediscovery: { ...DEFAULT_PACING.servicediscovery },
    'application-autoscaling': { ...DEFAULT_PACING['application-autoscaling'] },
    cloudtrail: { ...DEFAULT_PACING.cloudtrail },
  };
  for (const setting of PACING_SETTINGS) {
    const raw = value(setting)?.trim();
    if (raw === undefined || raw === '') continue;
    const n = Number(raw);
    const ok =
      setting.field === 'rate'
        ? Number.isFinite(n) && n >= 0 && n <= 10_000
        : Number.isInteger(n) && n >= 1 && n <= 10_000;
    if (!ok) {
      const what =
        setting.field === 'rate'
          ? 'a number of calls per second from 0 (unpaced) to 10000'
          : 'a whole number of calls from 1 to 10000';
      throw new Error(`--${setting.flag} / ${setting.env}: "${raw}" is not ${what}`);
    }
    config[setting.service][setting.field] = n;
  }
  return config;
}
