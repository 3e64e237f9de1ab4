import { AwsError } from '../core/errors.js';

/** InvalidInput with the message AWS-style validation failures carry. */
export function invalid(message: string): AwsError {
  return new AwsError('InvalidInput', message);
}

/** A required string member, checked for type and length. */
export function requiredString(input: Record<string, any>, field: string, maxLength = 1024): string {
  const value = input[field];
  if (typeof value !== 'string' || value.length === 0) throw invalid(`${field} is required and must be a non-empty string.`);
  if (value.length > maxLength) throw invalid(`${field} must be at most ${maxLength} characters.`);
  return value;
}

/** An optional string member, checked for type and length. */
export function optionalString(input: Record<string, any>, field: string, maxLength = 1024): string | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalid(`${field} must be a string.`);
  if (value.length > maxLength) throw invalid(`${field} must be at most ${maxLength} characters.`);
  return value;
}

/** An optional object member. */
export function optionalObject(input: Record<string, any>, field: string): Record<string, any> | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid(`${field} must be an object.`);
  return value;
}

/** A string-to-string map member (instance attributes, query parameters). */
export function stringMap(value: unknown, field: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid(`${field} must be a map of strings.`);
  const out: Record<string, string> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    if (typeof item !== 'string') throw invalid(`${field}.${key} must be a string.`);
    out[key] = item;
  }
  return out;
}

/** The enum value of a member, or InvalidInput naming the allowed values. */
export function oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalid(`${field} must be one of ${allowed.join(', ')}; got ${JSON.stringify(value)}.`);
  }
  return value as T;
}
