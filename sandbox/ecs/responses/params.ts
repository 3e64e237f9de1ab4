/** ECS's request readers: every validation failure is InvalidParameterException; nextTokens carry the last key returned. */
import { AwsError } from '../../core/errors.js';
import { TokenCodec } from '../../core/paging.js';
import { paramReader, type Input } from '../../core/params.js';
import type { Tags } from '../models/model.js';

const params = paramReader((message) => new AwsError('InvalidParameterException', message));

export const { invalid, optionalString, stringList } = params;

/** A required, non-empty string member. */
export function requiredString(input: Input, key: string): string {
  return params.requiredString(input, key);
}

/** maxResults: 1 to 100, `fallback` when absent. */
export function maxResults(input: Input, fallback: number): number {
  return params.pageSize(input.maxResults, 100, fallback, 'maxResults');
}

// One list for every ECS operation (ECS tokens have never been tied to their list or filters here).
const tokens = new TokenCodec<string>(
  () => invalid('Invalid nextToken: pass the value a previous call returned.'),
  (value): value is string => typeof value === 'string',
);

/** An opaque nextToken resuming after `lastKey`. */
export function encodeToken(lastKey: string): string {
  return tokens.encode('ecs', lastKey, null);
}

/** The key to resume after, or undefined without a token (an empty one included). */
export function decodeToken(input: Input): string | undefined {
  return tokens.decode(input.nextToken === '' ? undefined : input.nextToken, 'ecs', null);
}

/** Reads ECS's [{key, value}] tag list. */
export function parseTags(value: unknown): Tags {
  if (value === undefined || value === null) return {};
  if (!Array.isArray(value)) throw invalid('tags must be a list of {key, value}.');
  if (value.length > 50) throw invalid('A resource can have at most 50 tags.');
  const tags: Tags = {};
  for (const tag of value) {
    if (!tag || typeof tag.key !== 'string' || tag.key.length === 0 || tag.key.length > 128)
      throw invalid('Each tag needs a key of 1-128 characters.');
    if (tag.value !== undefined && (typeof tag.value !== 'string' || tag.value.length > 256))
      throw invalid('Tag values are strings of at most 256 characters.');
    tags[tag.key] = tag.value ?? '';
  }
  return tags;
}

/** An optional count (desiredCount...): a whole number from 0 to 100,000. */
export function optionalCount(input: Input, key: string): number | undefined {
  return params.integer(input[key], key, { min: 0, max: 100_000 });
}
