/** EventBridge's request readers: validation failures are ValidationException; list pages carry an opaque offset. */
import { AwsError } from '../../core/errors.js';
import { TokenCodec } from '../../core/paging.js';
import { paramReader } from '../../core/params.js';

const params = paramReader((message) => new AwsError('ValidationException', message));

/** A ValidationException with this message. */
export const validation = params.invalid;

/** Limit: 1 to max, max when absent. */
export function limit(value: unknown, max: number): number {
  return params.pageSize(value, max, max, 'Limit');
}

const tokens = new TokenCodec<number>(
  () => validation('The NextToken is not valid.'),
  (value): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 0,
);

/** Pages a sorted list with an opaque NextToken holding the offset, tied to the list it was made for. */
export function page<T>(
  items: T[],
  token: unknown,
  size: number,
  list: string,
  filters: unknown = null,
): { items: T[]; next?: string } {
  const offset = tokens.decode(token, list, filters) ?? 0;
  const slice = items.slice(offset, offset + size);
  const nextOffset = offset + slice.length;
  return { items: slice, next: nextOffset < items.length ? tokens.encode(list, nextOffset, filters) : undefined };
}
