import { AwsError } from '../core/errors.js';
import { TokenCodec } from '../core/paging.js';

const tokens = new TokenCodec<number>(
  () => new AwsError('InvalidInput', 'NextToken is invalid or was issued for a different request; start again without NextToken.'),
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
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw new AwsError('InvalidInput', `MaxResults must be an integer from 1 to ${max}; got ${JSON.stringify(value)}.`);
  }
  return value;
}
