import type { ErrorObject, ValidateFunction } from 'ajv';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import jsonSchema from '../../crds/discoverypolicy.schema.json' with { type: 'json' };
import { DURATION_REGEX_SOURCE } from '../util/duration.js';
import { displayPath } from './parse.js';

/** The generated JSON schema (crds/discoverypolicy.schema.json), the single source of truth for the YAML form. */
export const POLICY_JSON_SCHEMA: Readonly<Record<string, unknown>> = jsonSchema;

/** apiVersion and kind the controller reads, taken from the schema so they cannot drift. */
export const POLICY_API_VERSION = (jsonSchema.properties.apiVersion as { const: string }).const;
export const POLICY_KIND = (jsonSchema.properties.kind as { const: string }).const;
export const POLICY_GROUP = POLICY_API_VERSION.split('/')[0];

/** A schema violation, located by field path segments, in words a policy author understands. */
export interface SchemaViolation {
  segments: (string | number)[];
  /** True when the location is the field's key (an unknown field) rather than its value. */
  atKey: boolean;
  message: string;
}

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (!compiled) {
    const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, verbose: true, logger: false });
    // ajv-formats ships CommonJS: its default export arrives wrapped under ESM.
    const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
      a: Ajv,
    ) => Ajv;
    addFormats(ajv);
    compiled = ajv.compile(jsonSchema);
  }
  return compiled;
}

/** Validates one document against the schema, filling in defaults in place; returns every violation. */
export function validateAgainstSchema(data: unknown): SchemaViolation[] {
  const validate = validator();
  if (validate(data)) return [];
  return dedupe((validate.errors ?? []).map(describe));
}

function dedupe(violations: SchemaViolation[]): SchemaViolation[] {
  const seen = new Set<string>();
  return violations.filter((v) => {
    const key = `${v.segments.join('/')}|${v.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function segmentsOf(instancePath: string): (string | number)[] {
  if (!instancePath) return [];
  return instancePath
    .slice(1)
    .split('/')
    .map((raw) => {
      const text = raw.replace(/~1/g, '/').replace(/~0/g, '~');
      return /^\d+$/.test(text) ? Number(text) : text;
    });
}

function describe(error: ErrorObject): SchemaViolation {
  const segments = segmentsOf(error.instancePath);
  const here = displayPath(segments) || 'the document';
  const data = error.data;
  switch (error.keyword) {
    case 'additionalProperty':
    case 'additionalProperties': {
      const field = (error.params as { additionalProperty: string }).additionalProperty;
      const allowed = Object.keys((error.parentSchema as { properties?: object })?.properties ?? {});
      const suggestion = closest(field, allowed);
      const hint = suggestion
        ? `; did you mean "${suggestion}"?`
        : allowed.length > 0
          ? ` (allowed: ${allowed.join(', ')})`
          : '';
      return { segments: [...segments, field], atKey: true, message: `unknown field "${field}" in ${here}${hint}` };
    }
    case 'required': {
      const field = (error.params as { missingProperty: string }).missingProperty;
      // Point at the key of the incomplete mapping: its value starts at its first child, which may be lines later.
      return { segments, atKey: segments.length > 0, message: `missing required field "${field}" in ${here}` };
    }
    case 'type':
      return {
        segments,
        atKey: false,
        message: `expected ${article((error.params as { type: string }).type)}, got ${show(data)}`,
      };
    case 'enum': {
      const allowed = (error.params as { allowedValues: unknown[] }).allowedValues;
      return {
        segments,
        atKey: false,
        message: `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}; got ${show(data)}`,
      };
    }
    case 'pattern':
      return {
        segments,
        atKey: false,
        message: patternMessage(segments, String(data), (error.params as { pattern: string }).pattern),
      };
    case 'minimum':
      return {
        segments,
        atKey: false,
        message: `must be at least ${(error.params as { limit: number }).limit}; got ${show(data)}`,
      };
    case 'maximum':
      return {
        segments,
        atKey: false,
        message: `must be at most ${(error.params as { limit: number }).limit}; got ${show(data)}`,
      };
    case 'minItems':
      return {
        segments,
        atKey: false,
        message: `must list at least ${(error.params as { limit: number }).limit} item(s)`,
      };
    case 'maxItems':
      return {
        segments,
        atKey: false,
        message: `must list at most ${(error.params as { limit: number }).limit} items`,
      };
    case 'minLength':
      return { segments, atKey: false, message: 'must not be empty' };
    case 'maxLength':
      return {
        segments,
        atKey: false,
        message: `is longer than ${(error.params as { limit: number }).limit} characters`,
      };
    case 'maxProperties':
      return { segments, atKey: false, message: `has more than ${(error.params as { limit: number }).limit} entries` };
    case 'const':
      return {
        segments,
        atKey: false,
        message: `must be ${JSON.stringify((error.params as { allowedValue: unknown }).allowedValue)}; got ${show(data)}`,
      };
    default:
      return { segments, atKey: false, message: error.message ?? `invalid value ${show(data)}` };
  }
}

const GLOB_FIELDS: Record<string, string> = {
  clusters:
    'an ECS cluster name, cluster ARN or glob (names hold only letters, digits, hyphens and underscores; globs add * ? [ ] { } ,)',
  namespaces:
    'a Cloud Map namespace name, id, ARN or glob (letters, digits, dots, hyphens and underscores; globs add * ? [ ] { } ,)',
  include: 'an ECS service name or glob (letters, digits, hyphens and underscores; globs add * ? [ ] { } ,)',
  exclude: 'an ECS service name or glob (letters, digits, hyphens and underscores; globs add * ? [ ] { } ,)',
};

function patternMessage(segments: readonly (string | number)[], value: string, pattern: string): string {
  if (pattern === DURATION_REGEX_SOURCE) {
    return `"${value}" is not a valid duration: use a Go-style duration such as 90s, 15m, 5h or 1h30m (units ms, s, m, h; no spaces, signs or decimals)`;
  }
  // dnsTtl.max: a duration or "auto" (the drain bound).
  if (pattern === `^(auto|${DURATION_REGEX_SOURCE.slice(1, -1)})$`) {
    return `"${value}" is neither auto nor a valid duration: use auto or a Go-style duration such as 90s, 15m, 5h or 1h30m (units ms, s, m, h; no spaces, signs or decimals)`;
  }
  const field = [...segments].reverse().find((s): s is string => typeof s === 'string') ?? '';
  const glob = GLOB_FIELDS[field];
  if (glob) {
    const bad = firstCharOutside(value, pattern);
    return `"${value}" is not ${glob}${bad ? `: "${bad}" is not allowed` : ''}`;
  }
  switch (field) {
    case 'region':
      return `"${value}" is not an AWS Region name such as eu-west-1`;
    case 'roleArn':
      return `"${value}" is not an IAM role ARN such as arn:aws:iam::111122223333:role/discovery-controller`;
    case 'name':
      return `"${value}" is not a valid policy name: use lowercase letters, digits, "-" and ".", starting and ending with a letter or digit`;
    default:
      return segments.includes('dependencies')
        ? `"${value}" is not a Service Connect discovery name (letters, digits, dots, hyphens and underscores)`
        : `"${value}" does not match the expected format ${pattern}`;
  }
}

/** For a `^[class]+$` pattern, the first character of the value outside the class. */
function firstCharOutside(value: string, pattern: string): string | undefined {
  const match = /^\^(\[.*\])[+*]\$$/.exec(pattern);
  if (!match) return undefined;
  const single = new RegExp(`^${match[1]}$`);
  return [...value].find((c) => !single.test(c));
}

function article(type: string): string {
  if (type === 'object') return 'a mapping (object)';
  if (type === 'array') return 'a list (array)';
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function show(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string')
    return `the string ${JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value)}`;
  return String(value);
}

/** The allowed name nearest to a misspelt one (edit distance <= 2), for "did you mean". */
function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const [w, c] = [word.toLowerCase(), candidate.toLowerCase()];
    // "maximum" for "max", "namespace" for "namespaces": a prefix is as telling as a typo.
    const distance = w.length >= 3 && c.length >= 3 && (w.startsWith(c) || c.startsWith(w)) ? 1 : editDistance(w, c);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      const saved = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = saved;
    }
  }
  return row[b.length];
}
