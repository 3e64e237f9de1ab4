/**
 * Shared machinery of one inventory read: a concurrency limit on API calls, the read errors collected so
 * far (never thrown for a partial failure), progress reporting, and string interning so 100,000 tasks do
 * not hold 100,000 copies of the same cluster ARN.
 */
import type { Inventory, ReadError, ReadScope } from '../inventory/model.js';
import type { Policy } from '../policy/types.js';
import { Semaphore } from '../util/semaphore.js';
import { systemClock } from '../util/clock.js';
import type { AwsClients } from './clients.js';
import { awsErrorCode } from './clients.js';
import { withToken } from './pacing.js';

export interface ReadOptions {
  /** API calls in flight at once (default 8). */
  concurrency?: number;
  onProgress?: (msg: string) => void;
  now?: () => number;
  /** Shares one concurrency limit with other reads (the cache's refreshes); overrides `concurrency`. */
  limiter?: Semaphore;
  /**
   * The Cloud Map services whose tags a full read must fetch, after a first evaluation of the rules
   * (rules/tag-candidates.ts cloudMapServicesNeedingTags, passed in by the layers above the rules). Absent: every
   * service where a policy gates writes by tags.
   */
  tagCandidates?: TagCandidates;
}

/** Names the Cloud Map services some finding would act on, given the policies and an inventory read without tags. */
export type TagCandidates = (policies: readonly Policy[], inventory: Inventory, now: number) => ReadonlySet<string>;

export const DEFAULT_READ_CONCURRENCY = 8;

/** One read's limiter, error list and interner; helpers in controller/aws/ take it as their first argument. */
export class ReadContext {
  readonly errors: ReadError[] = [];
  private readonly limiter: Semaphore;
  private readonly strings = new Map<string, string>();

  /** Pass `limiter` to share one concurrency limit between several reads (the cache's refreshes). */
  constructor(
    readonly clients: AwsClients,
    private readonly options: ReadOptions = {},
    limiter?: Semaphore,
  ) {
    this.limiter = limiter ?? options.limiter ?? new Semaphore(options.concurrency ?? DEFAULT_READ_CONCURRENCY);
  }

  now(): number {
    return (this.options.now ?? systemClock.now)();
  }

  progress(message: string): void {
    this.options.onProgress?.(message);
  }

  /** Returns one shared copy of a frequently repeated string. */
  intern(value: string): string {
    const existing = this.strings.get(value);
    if (existing !== undefined) return existing;
    this.strings.set(value, value);
    return value;
  }

  /** Records a failure against its scope so the rules refuse to prune there. */
  recordError(scope: ReadScope, operation: string, code: string, message: string, resource?: string): void {
    this.errors.push({ scope, operation, code, message, ...(resource !== undefined ? { resource } : {}) });
  }

  /**
   * Sends one API call under the concurrency limit (the SDK retries throttling inside it). On failure the
   * error is recorded against `scope` and undefined is returned, so the caller carries on elsewhere.
   */
  async call<T>(
    scope: ReadScope,
    operation: string,
    send: () => Promise<T>,
    resource?: string,
  ): Promise<T | undefined> {
    try {
      // The service's token first, the concurrency slot after (pacing.ts withToken): a call waiting for an
      // empty ECS bucket must not hold a slot a Cloud Map call could use.
      return await withToken(this.clients.pacer, operation.slice(0, operation.indexOf(':')), () =>
        this.limiter.run(send),
      );
    } catch (error) {
      const code = awsErrorCode(error);
      const message = error instanceof Error ? error.message : String(error);
      this.recordError(
        scope,
        operation,
        code,
        `${operation} failed${resource ? ` for ${resource}` : ''}: ${message}`,
        resource,
      );
      return undefined;
    }
  }

  /**
   * Calls a paginated operation until the token is absent, yielding every page (even empty ones, which
   * Cloud Map returns while more pages follow). A failed page ends the walk with a recorded error.
   */
  async *pages<T>(
    scope: ReadScope,
    operation: string,
    fetch: (token: string | undefined) => Promise<T>,
    nextToken: (page: T) => string | undefined,
    resource?: string,
  ): AsyncGenerator<T> {
    let token: string | undefined;
    const seen = new Set<string>();
    do {
      const page = await this.call(scope, operation, () => fetch(token), resource);
      if (page === undefined) return;
      yield page;
      token = nextToken(page) || undefined;
      if (token !== undefined) {
        // A server that hands back a token it already gave would loop forever; stop and say so.
        if (seen.has(token)) {
          this.recordError(
            scope,
            operation,
            'PaginationLoop',
            `${operation} returned a NextToken it had already returned; listing stopped early`,
            resource,
          );
          return;
        }
        seen.add(token);
      }
    } while (token !== undefined);
  }
}

/** Splits a list into batches of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Last segment of an ARN path ("arn:...:cluster/prod" -> "prod"). */
export function arnName(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1);
}

/** Account id field of an ARN, or undefined. */
export function arnAccount(arn: string | undefined): string | undefined {
  const account = arn?.split(':')[4];
  return account ? account : undefined;
}
