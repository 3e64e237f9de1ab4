/**
 * Quota mode: a token bucket per emulated service, as AWS throttles each account and Region, answering the
 * service's own throttling error when the bucket is empty. Off until a quota is set (POST /_sandbox/quotas,
 * `sandbox --quota ecs=20:50`, or startSandbox({ quotas })).
 *
 * Error codes (aws-facts.md §3-§5): ECS answers ThrottlingException, HTTP 400, "Rate exceeded" (ECS API
 * Reference, request throttling). Cloud Map answers RequestLimitExceeded for DiscoverInstances and
 * DiscoverInstancesRevision (the only operations whose model declares it; Cloud Map developer guide,
 * throttling) and ThrottlingException "Rate exceeded", HTTP 400, for the control plane (observed on
 * ListServices, aws/aws-cloud-map-mcs-controller-for-k8s #128). Application Auto Scaling models no throttling
 * error; AWS's JSON services answer ThrottlingException "Rate exceeded" (re:Post "autoscaling API calls
 * throttled"). EventBridge: ThrottlingException (its common errors).
 *
 * Time is real time: AWS refills its buckets by the wall clock, whatever the sandbox's virtual clock says.
 */
import { AwsError } from './errors.js';

export interface QuotaSpec {
  /** "ecs", "servicediscovery", "application-autoscaling" or "events". */
  service: string;
  /** Tokens added per second (the sustained rate). */
  rate: number;
  /** Bucket size (the burst); default: one second's worth of the rate. */
  burst?: number;
}

export const QUOTA_SERVICES = ['ecs', 'servicediscovery', 'application-autoscaling', 'events'] as const;

/** Cloud Map operations whose throttling error is RequestLimitExceeded (botocore servicediscovery model). */
const REQUEST_LIMIT_EXCEEDED_OPERATIONS = new Set(['DiscoverInstances', 'DiscoverInstancesRevision']);

/** The error a throttled call of `service:operation` gets. */
export function throttlingError(service: string, operation: string): AwsError {
  if (service === 'servicediscovery' && REQUEST_LIMIT_EXCEEDED_OPERATIONS.has(operation)) {
    return new AwsError(
      'RequestLimitExceeded',
      "The operation can't be completed because you've reached the quota for the number of requests.",
      400,
    );
  }
  return new AwsError('ThrottlingException', 'Rate exceeded', 400);
}

interface Bucket {
  rate: number;
  burst: number;
  tokens: number;
  at: number;
  allowed: number;
  throttled: number;
}

/** The quota state of one service, as GET /_sandbox/quotas shows it. */
export interface QuotaState {
  rate: number;
  burst: number;
  /** Calls let through and calls throttled since the quota was set. */
  allowed: number;
  throttled: number;
}

/** Token buckets per service; `take` throws the service's throttling error when its bucket is empty. */
export class QuotaLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Sets (or replaces, with a full bucket and zeroed counters) a service's quota; throws InvalidInput on a bad spec. */
  set(spec: QuotaSpec): void {
    if (!spec || !(QUOTA_SERVICES as readonly string[]).includes(spec.service)) {
      throw new AwsError('InvalidInput', `service must be one of ${QUOTA_SERVICES.join(', ')}`);
    }
    if (typeof spec.rate !== 'number' || !(spec.rate > 0 && spec.rate <= 100_000))
      throw new AwsError('InvalidInput', 'rate must be a number of requests per second above 0');
    const burst = spec.burst ?? Math.max(1, Math.ceil(spec.rate));
    if (!Number.isInteger(burst) || burst < 1 || burst > 100_000)
      throw new AwsError('InvalidInput', 'burst must be a whole number of requests, 1 or more');
    this.buckets.set(spec.service, { rate: spec.rate, burst, tokens: burst, at: this.now(), allowed: 0, throttled: 0 });
  }

  /** Removes one service's quota, or every quota. */
  clear(service?: string): void {
    if (service === undefined) this.buckets.clear();
    else this.buckets.delete(service);
  }

  /** Every quota with its counters. */
  list(): Record<string, QuotaState> {
    return Object.fromEntries(
      [...this.buckets].map(([service, b]) => [
        service,
        { rate: b.rate, burst: b.burst, allowed: b.allowed, throttled: b.throttled },
      ]),
    );
  }

  /** Takes a token for one call of `service:operation`, or throws the service's throttling error. */
  take(service: string, operation: string): void {
    const bucket = this.buckets.get(service);
    if (!bucket) return;
    const now = this.now();
    bucket.tokens = Math.min(bucket.burst, bucket.tokens + ((now - bucket.at) / 1000) * bucket.rate);
    bucket.at = now;
    if (bucket.tokens < 1) {
      bucket.throttled += 1;
      throw throttlingError(service, operation);
    }
    bucket.tokens -= 1;
    bucket.allowed += 1;
  }
}

/** Parses `service=rate[:burst]` (the sandbox command's --quota); throws Error on anything else. */
export function parseQuotaFlag(text: string): QuotaSpec {
  const match = /^([a-z-]+)=(\d+(?:\.\d+)?)(?::(\d+))?$/.exec(text.trim());
  if (!match)
    throw new Error(`--quota must look like ecs=20 or ecs=20:50 (service=rate per second[:burst]), not "${text}"`);
  const spec: QuotaSpec = {
    service: match[1],
    rate: Number(match[2]),
    ...(match[3] ? { burst: Number(match[3]) } : {}),
  };
  try {
    new QuotaLimiter().set(spec);
  } catch (error) {
    throw new Error(`--quota ${text}: ${(error as Error).message}`);
  }
  return spec;
}
