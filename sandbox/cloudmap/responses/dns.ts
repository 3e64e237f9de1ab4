import type { DnsRecord, HealthCheckConfig, RecordType } from '../models/state.js';
import { invalid, oneOf } from './params.js';

const RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'SRV'] as const;
const MAX_TTL = 2147483647;
/** The record-type combinations Cloud Map accepts for one service (CNAME stands alone). */
const VALID_COMBINATIONS = new Set(['A', 'AAAA', 'A,AAAA', 'SRV', 'CNAME', 'A,SRV', 'AAAA,SRV', 'A,AAAA,SRV']);

/** Checks a DnsRecords list: types, TTL 0–2147483647, no repeated type, an allowed combination. */
export function parseDnsRecords(value: unknown, field: string): DnsRecord[] {
  if (!Array.isArray(value) || value.length === 0)
    throw invalid(`${field} is required and must list at least one DNS record.`);
  const records = value.map((raw, i) => {
    const type = oneOf(raw?.Type, `${field}[${i}].Type`, RECORD_TYPES);
    const ttl = raw?.TTL;
    if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 0 || ttl > MAX_TTL) {
      throw invalid(`${field}[${i}].TTL must be an integer from 0 to ${MAX_TTL}; got ${JSON.stringify(ttl)}.`);
    }
    return { Type: type, TTL: ttl };
  });
  const types = records.map((r) => r.Type);
  if (new Set(types).size !== types.length) throw invalid(`${field} lists the same record type more than once.`);
  const combination = [...types].sort().join(',');
  if (!VALID_COMBINATIONS.has(combination)) {
    throw invalid(
      `${field}: record types ${combination} cannot be combined; use A and/or AAAA, optionally with SRV, or a single CNAME.`,
    );
  }
  return records;
}

/** The record types of a list, for "record types can't change" checks. */
export function recordTypes(records: readonly DnsRecord[]): Set<RecordType> {
  return new Set(records.map((r) => r.Type));
}

/** Checks a Route 53 HealthCheckConfig (Type HTTP|HTTPS|TCP, ResourcePath for HTTP(S), FailureThreshold 1–10). */
export function parseHealthCheckConfig(value: unknown): HealthCheckConfig | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object') throw invalid('HealthCheckConfig must be an object.');
  const raw = value as Record<string, unknown>;
  const type = oneOf(raw.Type, 'HealthCheckConfig.Type', ['HTTP', 'HTTPS', 'TCP'] as const);
  const threshold = raw.FailureThreshold;
  if (
    threshold !== undefined &&
    (typeof threshold !== 'number' || !Number.isInteger(threshold) || threshold < 1 || threshold > 10)
  ) {
    throw invalid('HealthCheckConfig.FailureThreshold must be an integer from 1 to 10.');
  }
  const path = raw.ResourcePath;
  if (path !== undefined && (typeof path !== 'string' || path.length > 255))
    throw invalid('HealthCheckConfig.ResourcePath must be a string of at most 255 characters.');
  if (type === 'TCP' && path !== undefined)
    throw invalid('HealthCheckConfig.ResourcePath cannot be set for TCP health checks.');
  return {
    Type: type,
    ResourcePath: type === 'TCP' ? undefined : ((path as string | undefined) ?? '/'),
    FailureThreshold: (threshold as number | undefined) ?? 3,
  };
}
