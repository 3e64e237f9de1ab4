/** Request-parameter checks and pagination tokens shared by the ECS operations; bad input is InvalidParameterException. */
import { AwsError } from '../core/errors.js';
import type { Tags } from './model.js';

export function invalid(message: string): AwsError {
  return new AwsError('InvalidParameterException', message);
}

export function optionalString(input: Record<string, any>, key: string): string | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalid(`${key} must be a string.`);
  return value;
}

export function requiredString(input: Record<string, any>, key: string): string {
  const value = optionalString(input, key);
  if (!value) throw invalid(`${key} is required.`);
  return value;
}

/** A list of strings with 1..max members (DescribeServices takes 10, DescribeTasks and DescribeClusters 100). */
export function stringList(input: Record<string, any>, key: string, max: number, required = true): string[] {
  const value = input[key];
  if (value === undefined || value === null) {
    if (required) throw invalid(`${key} is required.`);
    return [];
  }
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw invalid(`${key} must be a list of strings.`);
  if (required && value.length === 0) throw invalid(`${key} can not be empty.`);
  if (value.length > max) throw invalid(`${key} can have at most ${max} items.`);
  return value;
}

export function maxResults(input: Record<string, any>, fallback: number): number {
  const value = input.maxResults;
  if (value === undefined || value === null) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > 100) throw invalid('maxResults must be an integer between 1 and 100.');
  return value;
}

/** Pagination tokens carry the last key returned; they are opaque to callers. */
export function encodeToken(lastKey: string): string {
  return Buffer.from(JSON.stringify({ after: lastKey }), 'utf8').toString('base64url');
}

export function decodeToken(input: Record<string, any>): string | undefined {
  const token = input.nextToken;
  if (token === undefined || token === null || token === '') return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(String(token), 'base64url').toString('utf8'));
    if (typeof parsed?.after === 'string') return parsed.after;
  } catch {
    // falls through to the error below
  }
  throw invalid('Invalid nextToken: pass the value a previous call returned.');
}

/** Reads ECS's [{key, value}] tag list. */
export function parseTags(value: unknown): Tags {
  if (value === undefined || value === null) return {};
  if (!Array.isArray(value)) throw invalid('tags must be a list of {key, value}.');
  if (value.length > 50) throw invalid('A resource can have at most 50 tags.');
  const tags: Tags = {};
  for (const tag of value) {
    if (!tag || typeof tag.key !== 'string' || tag.key.length === 0 || tag.key.length > 128) throw invalid('Each tag needs a key of 1-128 characters.');
    if (tag.value !== undefined && (typeof tag.value !== 'string' || tag.value.length > 256)) throw invalid('Tag values are strings of at most 256 characters.');
    tags[tag.key] = tag.value ?? '';
  }
  return tags;
}

export function optionalCount(input: Record<string, any>, key: string): number | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (!Number.isInteger(value) || value < 0 || value > 100_000) throw invalid(`${key} must be a whole number from 0.`);
  return value;
}
