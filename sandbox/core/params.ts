/**
 * Readers of request members, shared by every emulated service's `responses/` layer. Each service builds one
 * `Params` with its own validation error (Cloud Map InvalidInput, ECS InvalidParameterException, EventBridge and
 * Application Auto Scaling ValidationException...), so the checks live once and the error shape stays the
 * service's own, as in the AWS JSON protocol where every service names its validation error differently.
 */
import type { AwsError } from './errors.js';

/** An object member of a request body (the JSON protocols send objects; anything else is refused by the reader). */
export type Input = Record<string, any>;

/** The parameter readers of one service. */
export interface Params {
  /** The service's validation error with this message. */
  invalid(message: string): AwsError;
  /** A required, non-empty string of at most maxLength characters. */
  requiredString(input: Input, field: string, maxLength?: number): string;
  /** An optional string of at most maxLength characters. */
  optionalString(input: Input, field: string, maxLength?: number): string | undefined;
  /** An optional object (not a list). */
  optionalObject(input: Input, field: string): Input | undefined;
  /** A string-to-string map (instance attributes, query parameters); absent is empty. */
  stringMap(value: unknown, field: string): Record<string, string>;
  /** A list of strings with 1..max members (0..max when not required; absent is empty then). */
  stringList(input: Input, field: string, max: number, required?: boolean): string[];
  /** An enum value, or the service's validation error naming the allowed values. */
  oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[]): T;
  /** A whole number in [min, max]; absent gives `fallback` (or undefined without one). */
  integer(value: unknown, field: string, range: { min: number; max: number }): number | undefined;
  integer(value: unknown, field: string, range: { min: number; max: number; fallback: number }): number;
  /** A page size in [1, max], `fallback` when absent (MaxResults, maxResults, Limit). */
  pageSize(value: unknown, max: number, fallback: number, field?: string): number;
}

/** The parameter readers of a service whose validation error is `invalid(message)`. */
export function paramReader(invalid: (message: string) => AwsError): Params {
  function optionalString(input: Input, field: string, maxLength = Number.MAX_SAFE_INTEGER): string | undefined {
    const value = input[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') throw invalid(`${field} must be a string.`);
    if (value.length > maxLength) throw invalid(`${field} must be at most ${maxLength} characters.`);
    return value;
  }

  function integer(
    value: unknown,
    field: string,
    range: { min: number; max: number; fallback?: number },
  ): number | undefined {
    if (value === undefined || value === null) return range.fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < range.min || value > range.max) {
      throw invalid(`${field} must be an integer from ${range.min} to ${range.max}; got ${JSON.stringify(value)}.`);
    }
    return value;
  }

  return {
    invalid,
    optionalString,
    requiredString(input, field, maxLength = Number.MAX_SAFE_INTEGER) {
      const value = optionalString(input, field, maxLength);
      if (value === undefined || value.length === 0)
        throw invalid(`${field} is required and must be a non-empty string.`);
      return value;
    },
    optionalObject(input, field) {
      const value = input[field];
      if (value === undefined || value === null) return undefined;
      if (typeof value !== 'object' || Array.isArray(value)) throw invalid(`${field} must be an object.`);
      return value;
    },
    stringMap(value, field) {
      if (value === undefined || value === null) return {};
      if (typeof value !== 'object' || Array.isArray(value)) throw invalid(`${field} must be a map of strings.`);
      const out: Record<string, string> = {};
      for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
        if (typeof item !== 'string') throw invalid(`${field}.${key} must be a string.`);
        out[key] = item;
      }
      return out;
    },
    stringList(input, field, max, required = true) {
      const value = input[field];
      if (value === undefined || value === null) {
        if (required) throw invalid(`${field} is required.`);
        return [];
      }
      if (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))
        throw invalid(`${field} must be a list of strings.`);
      if (required && value.length === 0) throw invalid(`${field} can not be empty.`);
      if (value.length > max) throw invalid(`${field} can have at most ${max} items.`);
      return value;
    },
    oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[]): T {
      if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
        throw invalid(`${field} must be one of ${allowed.join(', ')}; got ${JSON.stringify(value)}.`);
      }
      return value as T;
    },
    integer: integer as Params['integer'],
    pageSize(value, max, fallback, field = 'MaxResults') {
      return integer(value, field, { min: 1, max, fallback }) as number;
    },
  };
}
