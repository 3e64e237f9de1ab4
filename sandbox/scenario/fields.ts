/** Readers of one scenario field each: they check a parsed value and fail with the path of a bad one. */

/** A scenario that does not validate; the message names the offending path. */
export class ScenarioError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScenarioError';
  }
}

/** A parsed YAML or JSON mapping. */
export type Obj = Record<string, unknown>;

/** Throws a ScenarioError naming the path of the bad value. */
export function fail(path: string, message: string): never {
  throw new ScenarioError(`scenario ${path}: ${message}`);
}

/** A mapping (not a list, not a scalar). */
export function object(value: unknown, path: string): Obj {
  if (!value || typeof value !== 'object' || Array.isArray(value)) fail(path, 'must be a mapping');
  return value as Obj;
}

/** A list; absent is an empty list. */
export function list(value: unknown, path: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) fail(path, 'must be a list');
  return value;
}

/** A non-empty string, required or optional. */
export function string(value: unknown, path: string, required: true): string;
export function string(value: unknown, path: string, required?: false): string | undefined;
export function string(value: unknown, path: string, required = false): string | undefined {
  if (value === undefined || value === null) {
    if (required) fail(path, 'is required');
    return undefined;
  }
  if (typeof value !== 'string' || value.length === 0) fail(path, 'must be a non-empty string');
  return value;
}

/** An optional whole number from 0 to `max`. */
export function count(value: unknown, path: string, max = 100_000): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > max)
    fail(path, `must be a whole number from 0 to ${max}`);
  return value as number;
}

/** An optional time: relative (-7h, now) or an ISO-8601 date (YAML dates included). */
export function time(value: unknown, path: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  const text = value instanceof Date ? value.toISOString() : value;
  if (typeof text !== 'string' || !/^(now|-?(\d+(ms|s|m|h|d))+|\d{4}-\d{2}-\d{2}.*)$/.test(text))
    fail(path, 'must be a relative time such as -7h or an ISO-8601 date');
  return text;
}

/** An optional string-to-string mapping (values stringified). */
export function tags(value: unknown, path: string): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  const map = object(value, path);
  return Object.fromEntries(Object.entries(map).map(([k, v]) => [k, String(v)]));
}

/** A container stopTimeout: Fargate's 2 to 120 seconds (every scenario task definition is Fargate-compatible). */
export function stopTimeout(value: unknown, path: string): number | undefined {
  const seconds = count(value, path, 120);
  if (seconds !== undefined && seconds < 2) fail(path, 'must be 2 to 120 seconds (Fargate)');
  return seconds;
}

/** Fails on any key of `map` not in `keys`. */
export function known(map: Obj, keys: string[], path: string): void {
  for (const key of Object.keys(map))
    if (!keys.includes(key)) fail(`${path}.${key}`, `is not a known field (expected one of ${keys.join(', ')})`);
}

/** An optional 12-digit AWS account id. */
export function accountId(value: unknown, path: string): string | undefined {
  const text = string(value, path);
  if (text !== undefined && !/^[0-9]{12}$/.test(text)) fail(path, 'must be a 12-digit AWS account id');
  return text;
}
