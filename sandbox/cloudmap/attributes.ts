import type { ServiceRecord } from './state.js';
import { invalid, stringMap } from './validate.js';

/** Attribute keys Cloud Map reserves; they do not count against the 30 custom attributes. */
const RESERVED = new Set([
  'AWS_ALIAS_DNS_NAME',
  'AWS_EC2_INSTANCE_ID',
  'AWS_INIT_HEALTH_STATUS',
  'AWS_INSTANCE_CNAME',
  'AWS_INSTANCE_IPV4',
  'AWS_INSTANCE_IPV6',
  'AWS_INSTANCE_PORT',
]);
const MAX_CUSTOM = 30;
const MAX_TOTAL_CHARS = 5000;
const KEY = /^[a-zA-Z0-9!-~]{1,255}$/;
const VALUE = /^([a-zA-Z0-9!-~][ \ta-zA-Z0-9!-~]*)?[a-zA-Z0-9!-~]?$/;

/** Validates RegisterInstance attributes against the service's DNS records, as Cloud Map does. */
export function parseInstanceAttributes(value: unknown, service: ServiceRecord): Record<string, string> {
  if (value === undefined || value === null) throw invalid('Attributes is required.');
  const attributes = stringMap(value, 'Attributes');
  let custom = 0;
  let total = 0;
  for (const [key, val] of Object.entries(attributes)) {
    if (!KEY.test(key)) throw invalid(`Attribute key "${key}" must be 1 to 255 printable ASCII characters.`);
    if (val.length > 1024 || !VALUE.test(val)) throw invalid(`The value of attribute ${key} must be at most 1024 printable characters.`);
    if (!RESERVED.has(key)) custom++;
    total += key.length + val.length;
  }
  if (custom > MAX_CUSTOM) throw invalid(`An instance can have at most ${MAX_CUSTOM} custom attributes; got ${custom}.`);
  if (total > MAX_TOTAL_CHARS) throw invalid(`Attributes add up to ${total} characters; the limit is ${MAX_TOTAL_CHARS}.`);
  const health = attributes.AWS_INIT_HEALTH_STATUS;
  if (health !== undefined && health !== 'HEALTHY' && health !== 'UNHEALTHY') throw invalid('AWS_INIT_HEALTH_STATUS must be HEALTHY or UNHEALTHY.');
  const types = new Set(service.dnsRecords.map((r) => r.Type));
  const alias = attributes.AWS_ALIAS_DNS_NAME !== undefined;
  if (types.has('A') && !alias && attributes.AWS_INSTANCE_IPV4 === undefined && !types.has('AAAA')) {
    throw invalid(`Service ${service.id} has an A record: AWS_INSTANCE_IPV4 is required.`);
  }
  if (types.has('A') && types.has('AAAA') && !alias && attributes.AWS_INSTANCE_IPV4 === undefined && attributes.AWS_INSTANCE_IPV6 === undefined) {
    throw invalid(`Service ${service.id} has A and AAAA records: AWS_INSTANCE_IPV4 or AWS_INSTANCE_IPV6 is required.`);
  }
  if (types.has('AAAA') && !types.has('A') && !alias && attributes.AWS_INSTANCE_IPV6 === undefined) {
    throw invalid(`Service ${service.id} has an AAAA record: AWS_INSTANCE_IPV6 is required.`);
  }
  if (types.has('SRV') && attributes.AWS_INSTANCE_PORT === undefined) throw invalid(`Service ${service.id} has an SRV record: AWS_INSTANCE_PORT is required.`);
  if (types.has('CNAME') && attributes.AWS_INSTANCE_CNAME === undefined) throw invalid(`Service ${service.id} has a CNAME record: AWS_INSTANCE_CNAME is required.`);
  return attributes;
}
