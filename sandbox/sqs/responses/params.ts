/** SQS's request readers: validation failures are InvalidParameterValue (the query-compatible code). */
import { TokenCodec } from '../../core/paging.js';
import { paramReader, type Input } from '../../core/params.js';
import { invalidParameter } from '../models/errors.js';

const params = paramReader(invalidParameter);

/** An optional whole number in [min, max], in SQS's wording. */
export function integerParameter(input: Input, name: string, min: number, max: number): number | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw params.invalid(
      `Value ${value} for parameter ${name} is invalid. Reason: Must be between ${min} and ${max}, if provided.`,
    );
  }
  return value;
}

/** ListQueues NextTokens: the last queue name returned, tied to the name prefix. */
export const tokens = new TokenCodec<string>(
  () => params.invalid('Invalid NextToken value: pass the value a previous ListQueues call returned.'),
  (value): value is string => typeof value === 'string',
);
