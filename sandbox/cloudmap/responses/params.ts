/** Cloud Map's request readers: every validation failure is InvalidInput; NextTokens are opaque and tied to their list. */
import { AwsError } from '../../core/errors.js';
import { TokenCodec } from '../../core/paging.js';
import { paramReader } from '../../core/params.js';

const params = paramReader((message) => new AwsError('InvalidInput', message));

export const { invalid, requiredString, optionalString, optionalObject, stringMap, oneOf, integer } = params;

const tokens = new TokenCodec<number>(
  () => invalid('NextToken is invalid or was issued for a different request; start again without NextToken.'),
  (value): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 0,
);

/** An opaque NextToken resuming the named list after the item with this seq. */
export function encodeToken(list: string, afterSeq: number, filters: unknown): string {
  return tokens.encode(list, afterSeq, filters);
}

/** The seq to resume after (0 without a token); a token of another list or other filters is refused. */
export function decodeToken(token: unknown, list: string, filters: unknown): number {
  return tokens.decode(token, list, filters) ?? 0;
}

/** MaxResults with AWS's bounds (1..max) and default. */
export function maxResults(value: unknown, max: number, fallback: number): number {
  return params.pageSize(value, max, fallback);
}

/**
 * One page of a Cloud Map list as AWS pages it: up to MaxResults (1..100, default 100) items after the
 * NextToken's, and the token for the rest. A caller that filters filters this page, so a page may come back
 * empty while NextToken is set. `scope` ties the token to the request (its filters, or its service).
 */
export function listPage<T extends { seq: number }>(
  list: string,
  source: { pageAfter(afterSeq: number, limit: number): { items: T[]; more: boolean } },
  input: { MaxResults?: unknown; NextToken?: unknown },
  scope: unknown,
): { items: T[]; nextToken: string | undefined } {
  const limit = maxResults(input.MaxResults, 100, 100);
  const after = decodeToken(input.NextToken, list, scope);
  const page = source.pageAfter(after, limit);
  const last = page.items[page.items.length - 1];
  return { items: page.items, nextToken: page.more && last ? encodeToken(list, last.seq, scope) : undefined };
}
