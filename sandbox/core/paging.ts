import { createHash } from 'node:crypto';
import type { AwsError } from './errors.js';

/** What a NextToken carries: the list it belongs to, where the last page ended, and the filters it was made for. */
interface Cursor<T> {
  list: string;
  after: T;
  filters: string;
}

function fingerprint(filters: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(filters ?? null))
    .digest('base64url')
    .slice(0, 12);
}

/**
 * Opaque NextTokens for one emulator: each names its list, where the page ended and a fingerprint of the
 * filters it was made for. A token from another list or other filters is refused, as AWS refuses a foreign
 * token, so a caller's paging bug shows up instead of silently skipping items.
 */
export class TokenCodec<T extends string | number> {
  constructor(
    private readonly invalid: () => AwsError,
    private readonly isPosition: (value: unknown) => value is T,
  ) {}

  /** A token resuming `list` after `after`. */
  encode(list: string, after: T, filters: unknown): string {
    const cursor: Cursor<T> = { list, after, filters: fingerprint(filters) };
    return Buffer.from(JSON.stringify(cursor)).toString('base64url');
  }

  /** The position to resume after, or undefined without a token; throws the emulator's error for a bad one. */
  decode(token: unknown, list: string, filters: unknown): T | undefined {
    if (token === undefined || token === null) return undefined;
    if (typeof token !== 'string' || token.length === 0 || token.length > 4096) throw this.invalid();
    let cursor: Partial<Cursor<unknown>>;
    try {
      cursor = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    } catch {
      throw this.invalid();
    }
    if (!cursor || cursor.list !== list || !this.isPosition(cursor.after) || cursor.filters !== fingerprint(filters))
      throw this.invalid();
    return cursor.after;
  }
}
