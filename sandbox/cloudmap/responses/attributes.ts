import type { NamespaceType, ServiceRecord } from '../models/state.js';
import { invalid, stringMap } from './params.js';

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
export function parseInstanceAttributes(
  value: unknown,
  service: ServiceRecord,
  namespaceType: NamespaceType,
): Record<string, string> {
  if (value === undefined || value === null) throw invalid('Attributes is required.');
  const attributes = stringMap(value, 'Attributes');
  let custom = 0;
  let total = 0;
  for (const [key, val] of Object.entries(attributes)) {
    if (!KEY.test(key)) throw invalid(`Attribute key "${key}" must be 1 to 255 printable ASCII characters.`);
    if (val.length > 1024 || !VALUE.test(val))
      throw invalid(`The value of attribute ${key} must be at most 1024 printable characters.`);
    if (!RESERVED.has(key)) custom++;
    total += key.length + val.length;
  }
  if (custom > MAX_CUSTOM)
    throw invalid(`An instance can have at most ${MAX_CUSTOM} custom attributes; got ${custom}.`);
  if (total > MAX_TOTAL_CHARS)
    throw invalid(`Attributes add up to ${total} characters; the limit is ${MAX_TOTAL_CHARS}.`);
  const health = attributes.AWS_INIT_HEALTH_STATUS;
  if (health !== undefined && health !== 'HEALTHY' && health !== 'UNHEALTHY')
    throw invalid('AWS_INIT_HEALTH_STATUS must be HEALTHY or UNHEALTHY.');
  checkRecordAttributes(attributes, service, namespaceType);
  return attributes;
}

/** The attributes each DNS record type and health check needs (RegisterInstance "Attributes" in the API reference). */
function checkRecordAttributes(
  attributes: Record<string, string>,
  service: ServiceRecord,
  namespaceType: NamespaceType,
): void {
  const has = (key: string) => attributes[key] !== undefined;
  const types = new Set(service.dnsRecords.map((r) => r.Type));
  const need = (key: string, why: string) => {
    if (!has(key)) throw invalid(`Service ${service.id} ${why}: attribute ${key} is required.`);
  };
  if (has('AWS_EC2_INSTANCE_ID') && namespaceType !== 'HTTP')
    throw invalid('AWS_EC2_INSTANCE_ID is only supported for instances in HTTP namespaces.');
  if (has('AWS_ALIAS_DNS_NAME')) {
    if (!types.has('A') && !types.has('AAAA'))
      throw invalid(`AWS_ALIAS_DNS_NAME needs a service with an A or AAAA record; service ${service.id} has none.`);
    if (service.routingPolicy !== 'WEIGHTED')
      throw invalid(
        `AWS_ALIAS_DNS_NAME needs a service with RoutingPolicy WEIGHTED; service ${service.id} uses ${service.routingPolicy}.`,
      );
    const instanceKey = Object.keys(attributes).find((k) => k.startsWith('AWS_INSTANCE_'));
    if (instanceKey) throw invalid(`AWS_ALIAS_DNS_NAME cannot be combined with ${instanceKey}.`);
    return;
  }
  if (types.has('A')) need('AWS_INSTANCE_IPV4', 'has an A record');
  if (types.has('AAAA')) need('AWS_INSTANCE_IPV6', 'has an AAAA record');
  if (types.has('CNAME')) need('AWS_INSTANCE_CNAME', 'has a CNAME record');
  if (types.has('SRV')) {
    need('AWS_INSTANCE_PORT', 'has an SRV record');
    if (!has('AWS_INSTANCE_IPV4') && !has('AWS_INSTANCE_IPV6'))
      throw invalid(
        `Service ${service.id} has an SRV record: AWS_INSTANCE_IPV4, AWS_INSTANCE_IPV6 or both are required.`,
      );
  }
  if (service.healthCheckConfig) need('AWS_INSTANCE_PORT', 'has a Route 53 health check');
}
