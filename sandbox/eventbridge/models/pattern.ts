/**
 * EventBridge event patterns: validation (what PutRule/TestEventPattern reject with InvalidEventPatternException)
 * and matching, per the EventBridge user guide ("Event patterns", "Content filtering", "Comparison operators").
 * Pure: no clock, no I/O.
 *
 * Semantics kept from AWS: leaf conditions are arrays whose elements are OR-ed, keys are AND-ed; an array in the
 * event matches when any element matches; null and "" are distinct values; numbers and strings never equal each
 * other; `exists` looks at leaf values only (an object or an empty array is "absent"); `$or` works at any level.
 */
import { cidrContains, parseCidr } from './cidr.js';
import { wildcardRegExp, WILDCARD_PROBLEM } from './wildcard.js';

export type EventPattern = Record<string, unknown>;

/** A pattern AWS would reject; `reason` is the part after "Event pattern is not valid. Reason: ". */
export class InvalidEventPatternError extends Error {
  constructor(readonly reason: string) {
    super(`Event pattern is not valid. Reason: ${reason}`);
    this.name = 'InvalidEventPatternError';
  }
}

const NUMERIC_OPERATORS = new Set(['=', '<', '<=', '>', '>=']);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(path: string, reason: string): never {
  throw new InvalidEventPatternError(`${reason} at "${path}"`);
}

/** Parses and validates a pattern's JSON text; throws InvalidEventPatternError as PutRule would. */
export function parseEventPattern(text: string): EventPattern {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new InvalidEventPatternError(`the pattern is not valid JSON (${(error as Error).message})`);
  }
  validateEventPattern(parsed);
  return parsed;
}

/** Throws InvalidEventPatternError when `pattern` is not a pattern AWS accepts. */
export function validateEventPattern(pattern: unknown): asserts pattern is EventPattern {
  if (!isPlainObject(pattern)) throw new InvalidEventPatternError('the pattern must be a JSON object');
  validateObject(pattern, '');
}

function validateObject(pattern: Record<string, unknown>, path: string): void {
  for (const [key, value] of Object.entries(pattern)) {
    const here = path ? `${path}.${key}` : key;
    if (key === '$or' && Array.isArray(value)) {
      if (value.length < 2) fail(here, '"$or" needs at least two alternatives');
      for (const [i, alternative] of value.entries()) {
        if (!isPlainObject(alternative) || Object.keys(alternative).length === 0)
          fail(`${here}[${i}]`, '"$or" alternatives must be non-empty objects');
        validateObject(alternative, `${here}[${i}]`);
      }
    } else if (Array.isArray(value)) {
      if (value.length === 0) fail(here, 'empty arrays are not allowed');
      value.forEach((condition, i) => validateCondition(condition, `${here}[${i}]`));
    } else if (isPlainObject(value)) {
      if (Object.keys(value).length === 0) fail(here, 'empty objects are not allowed');
      validateObject(value, here);
    } else {
      fail(here, `"${key}" must be an object or an array`);
    }
  }
}

function requireString(value: unknown, path: string, what: string): string {
  if (typeof value !== 'string') fail(path, `${what} must be a string`);
  return value;
}

function validatePrefixOrSuffix(value: unknown, path: string, name: string): void {
  if (typeof value === 'string') return;
  if (isPlainObject(value) && Object.keys(value).length === 1 && typeof value['equals-ignore-case'] === 'string')
    return;
  fail(path, `"${name}" must be a string or {"equals-ignore-case": string}`);
}

function validateWildcard(value: unknown, path: string): void {
  const text = requireString(value, path, '"wildcard"');
  const problem = WILDCARD_PROBLEM(text);
  if (problem) fail(path, problem);
}

function validateNumeric(value: unknown, path: string): void {
  if (!Array.isArray(value) || (value.length !== 2 && value.length !== 4))
    fail(path, '"numeric" must be [op, number] or [op, number, op, number]');
  let lower: number | undefined;
  let upper: number | undefined;
  for (let i = 0; i < value.length; i += 2) {
    const op = value[i];
    const bound = value[i + 1];
    if (typeof op !== 'string' || !NUMERIC_OPERATORS.has(op))
      fail(path, `unrecognized numeric operator ${JSON.stringify(op)}`);
    if (typeof bound !== 'number' || !Number.isFinite(bound))
      fail(path, `"numeric" bound after "${op}" must be a number`);
    if (op === '=') {
      if (value.length !== 2) fail(path, '"=" cannot be combined with another numeric operator');
    } else if (op.startsWith('>')) {
      if (lower !== undefined) fail(path, '"numeric" has two lower bounds');
      lower = bound;
    } else {
      if (upper !== undefined) fail(path, '"numeric" has two upper bounds');
      upper = bound;
    }
  }
  if (lower !== undefined && upper !== undefined && !(lower < upper))
    fail(path, '"numeric" range is empty (lower bound must be below upper bound)');
}

function validateAnythingBut(value: unknown, path: string): void {
  if (typeof value === 'string' || typeof value === 'number') return;
  if (Array.isArray(value)) {
    if (value.length === 0) fail(path, '"anything-but" list must not be empty');
    const allStrings = value.every((v) => typeof v === 'string');
    const allNumbers = value.every((v) => typeof v === 'number');
    if (!allStrings && !allNumbers) fail(path, '"anything-but" list must hold only strings or only numbers');
    return;
  }
  if (isPlainObject(value) && Object.keys(value).length === 1) {
    const [[operator, operand]] = Object.entries(value);
    switch (operator) {
      case 'prefix':
      case 'suffix':
        if (requireString(operand, path, `"anything-but" ${operator}`) === '')
          fail(path, `"anything-but" ${operator} must not be empty`);
        return;
      case 'equals-ignore-case':
        if (
          typeof operand === 'string' ||
          (Array.isArray(operand) && operand.length > 0 && operand.every((v) => typeof v === 'string'))
        )
          return;
        fail(path, '"anything-but" equals-ignore-case must be a string or a list of strings');
      case 'wildcard':
        for (const w of Array.isArray(operand) ? operand : [operand]) validateWildcard(w, path);
        return;
      default:
        fail(path, `unsupported "anything-but" operator "${operator}"`);
    }
  }
  fail(
    path,
    '"anything-but" must be a string, a number, a list, or an object with prefix/suffix/equals-ignore-case/wildcard',
  );
}

function validateCondition(condition: unknown, path: string): void {
  if (condition === null || ['string', 'number', 'boolean'].includes(typeof condition)) return;
  if (!isPlainObject(condition))
    fail(path, 'match values must be a string, number, true, false, null or an operator object');
  const keys = Object.keys(condition);
  if (keys.length !== 1) fail(path, 'an operator object must have exactly one key');
  const [operator] = keys;
  const operand = condition[operator];
  switch (operator) {
    case 'prefix':
    case 'suffix':
      return validatePrefixOrSuffix(operand, path, operator);
    case 'equals-ignore-case':
      requireString(operand, path, '"equals-ignore-case"');
      return;
    case 'wildcard':
      return validateWildcard(operand, path);
    case 'exists':
      if (typeof operand !== 'boolean') fail(path, '"exists" must be true or false');
      return;
    case 'numeric':
      return validateNumeric(operand, path);
    case 'anything-but':
      return validateAnythingBut(operand, path);
    case 'cidr':
      if (typeof operand !== 'string' || !parseCidr(operand))
        fail(path, `"cidr" must be an IPv4 or IPv6 CIDR block, got ${JSON.stringify(operand)}`);
      return;
    default:
      fail(path, `unrecognized match type "${operator}"`);
  }
}

/** True when `event` matches the (already validated) pattern. */
export function matchesEventPattern(pattern: EventPattern, event: unknown): boolean {
  return matchObject(pattern, isPlainObject(event) ? event : undefined);
}

function matchObject(pattern: Record<string, unknown>, node: Record<string, unknown> | undefined): boolean {
  for (const [key, sub] of Object.entries(pattern)) {
    if (key === '$or' && Array.isArray(sub)) {
      if (!sub.some((alternative) => matchObject(alternative as Record<string, unknown>, node))) return false;
      continue;
    }
    const child = node?.[key];
    const ok = Array.isArray(sub) ? matchLeaf(sub, child) : matchNested(sub as Record<string, unknown>, child);
    if (!ok) return false;
  }
  return true;
}

/** A nested pattern against an event value: arrays of objects match when any element does. */
function matchNested(pattern: Record<string, unknown>, child: unknown): boolean {
  if (isPlainObject(child)) return matchObject(pattern, child);
  if (Array.isArray(child)) {
    const objects = child.flat(Infinity).filter(isPlainObject);
    if (objects.length > 0) return objects.some((element) => matchObject(pattern, element));
  }
  return matchObject(pattern, undefined);
}

/** The leaf values at a field: scalars, or the scalar elements of (nested) arrays; objects are not leaves. */
function leafValues(child: unknown): unknown[] {
  if (child === undefined) return [];
  if (Array.isArray(child)) return child.flat(Infinity).filter((v) => !isPlainObject(v));
  return isPlainObject(child) ? [] : [child];
}

function matchLeaf(conditions: unknown[], child: unknown): boolean {
  const values = leafValues(child);
  return conditions.some((condition) => {
    if (isPlainObject(condition) && 'exists' in condition) return condition.exists === values.length > 0;
    return values.some((value) => matchValue(condition, value));
  });
}

function lower(text: string): string {
  return text.toLowerCase();
}

function matchAffix(operand: unknown, value: unknown, kind: 'prefix' | 'suffix'): boolean {
  if (typeof value !== 'string') return false;
  const ignoreCase = isPlainObject(operand);
  const affix = ignoreCase ? lower(String(operand['equals-ignore-case'])) : String(operand);
  const subject = ignoreCase ? lower(value) : value;
  return kind === 'prefix' ? subject.startsWith(affix) : subject.endsWith(affix);
}

function matchNumeric(operand: unknown[], value: unknown): boolean {
  if (typeof value !== 'number') return false;
  for (let i = 0; i < operand.length; i += 2) {
    const bound = operand[i + 1] as number;
    const holds =
      operand[i] === '='
        ? value === bound
        : operand[i] === '<'
          ? value < bound
          : operand[i] === '<='
            ? value <= bound
            : operand[i] === '>'
              ? value > bound
              : value >= bound;
    if (!holds) return false;
  }
  return true;
}

/** anything-but: the value is present and is none of the excluded ones. */
function matchAnythingBut(operand: unknown, value: unknown): boolean {
  if (Array.isArray(operand)) return !operand.some((excluded) => excluded === value);
  if (!isPlainObject(operand)) return operand !== value;
  const [[operator, inner]] = Object.entries(operand);
  if (typeof value !== 'string') return true;
  switch (operator) {
    case 'prefix':
      return !value.startsWith(inner as string);
    case 'suffix':
      return !value.endsWith(inner as string);
    case 'equals-ignore-case':
      return !(Array.isArray(inner) ? inner : [inner]).some((excluded) => lower(excluded as string) === lower(value));
    default:
      return !(Array.isArray(inner) ? inner : [inner]).some((w) => wildcardRegExp(w as string).test(value));
  }
}

function matchValue(condition: unknown, value: unknown): boolean {
  if (!isPlainObject(condition)) return condition === value;
  const [[operator, operand]] = Object.entries(condition);
  switch (operator) {
    case 'prefix':
    case 'suffix':
      return matchAffix(operand, value, operator);
    case 'equals-ignore-case':
      return typeof value === 'string' && lower(value) === lower(operand as string);
    case 'wildcard':
      return typeof value === 'string' && wildcardRegExp(operand as string).test(value);
    case 'numeric':
      return matchNumeric(operand as unknown[], value);
    case 'anything-but':
      return matchAnythingBut(operand, value);
    case 'cidr':
      return typeof value === 'string' && cidrContains(operand as string, value);
    default:
      return false;
  }
}
