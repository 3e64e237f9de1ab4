import { createHash } from 'node:crypto';
import { AwsError } from '../core/errors.js';

/** What a NextToken carries: the list it belongs to, where the last page ended, and the filters it was made for. */
interface Cursor {
  list: string;
  after: number;
  filters: string;
}

function fingerprint(filters: unknown): string {
  return createHash('sha256').update(JSON.stringify(filters ?? null)).digest('base64url').slice(0, 12);
}

/** An opaque NextToken resuming the named list after the item with this seq. */
export function encodeToken(list: string, afterSeq: number, filters: unknown): string {
  const cursor: Cursor = { list, after: afterSeq, filters: fingerprint(filters) };
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

/**
 * The seq to resume after (0 without a token). A token from another list or other filters is refused like
 * AWS refuses a foreign token, so a caller's paging bug shows up instead of silently skipping items.
 */
export function decodeToken(token: unknown, list: string, filters: unknown): number {
  if (token === undefined || token === null) return 0;
  if (typeof token !== 'string' || token.length === 0 || token.length > 4096) throw invalidToken();
  let cursor: Partial<Cursor>;
  try {
    cursor = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalidToken();
  }
  if (
    !cursor ||
    cursor.list !== list ||
    typeof cursor.after !== 'number' ||
    !Number.isInteger(cursor.after) ||
    cursor.after < 0 ||
    cursor.filters !== fingerprint(filters)
  ) {
    throw invalidToken();
  }
  return cursor.after;
}

function invalidToken(): AwsError {
  return new AwsError('InvalidInput', 'NextToken is invalid or was issued for a different request; start again without NextToken.');
}

/** MaxResults with AWS's bounds (1..max) and default. */
export function maxResults(value: unknown, max: number, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw new AwsError('InvalidInput', `MaxResults must be an integer from 1 to ${max}; got ${JSON.stringify(value)}.`);
  }
  return value;
}
