import { AwsError } from '../../core/errors.js';
import type { OperationHandler } from '../../core/types.js';
import { listPage } from './params.js';
import { namespaceShape, namespaceSummaryShape } from './shapes.js';
import type { NamespaceRecord, NamespaceType } from '../models/state.js';
import { integer, invalid, oneOf, optionalObject, optionalString, requiredString } from './params.js';
import type { ApiContext } from './context.js';
import { parseTags } from './tags.js';

/** RecordTTL's range in the Cloud Map API model (SOA and DNS record TTLs alike). */
const MAX_RECORD_TTL = 2147483647;
/** Cloud Map's quota of namespaces per account and Region (adjustable in AWS; fixed here). */
const MAX_NAMESPACES = 50;
/** Name patterns of the API model per namespace type. */
const NAME_PATTERN: Record<NamespaceType, RegExp> = {
  HTTP: /^[!-~]{1,1024}$/,
  DNS_PRIVATE: /^[!-~]{1,253}$/,
  DNS_PUBLIC:
    /^(?=.{1,253}$)([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/,
};

type NamespaceFilter = {
  name: 'TYPE' | 'NAME' | 'HTTP_NAME' | 'RESOURCE_OWNER';
  values: string[];
  condition: 'EQ' | 'IN' | 'BEGINS_WITH';
};

const CONDITIONS_BY_FILTER: Record<NamespaceFilter['name'], readonly NamespaceFilter['condition'][]> = {
  TYPE: ['EQ', 'BEGINS_WITH'],
  NAME: ['EQ', 'BEGINS_WITH'],
  HTTP_NAME: ['EQ', 'BEGINS_WITH'],
  RESOURCE_OWNER: ['EQ'],
};

function parseNamespaceFilters(value: unknown): NamespaceFilter[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalid('Filters must be a list.');
  return value.map((raw, i) => {
    const name = oneOf(raw?.Name, `Filters[${i}].Name`, ['TYPE', 'NAME', 'HTTP_NAME', 'RESOURCE_OWNER'] as const);
    const condition = oneOf(raw?.Condition ?? 'EQ', `Filters[${i}].Condition`, CONDITIONS_BY_FILTER[name]);
    const values = raw?.Values;
    if (
      !Array.isArray(values) ||
      values.length === 0 ||
      values.some((v) => typeof v !== 'string' || v.length < 1 || v.length > 255)
    ) {
      throw invalid(`Filters[${i}].Values must be a non-empty list of strings of 1 to 255 characters.`);
    }
    if (condition !== 'IN' && values.length !== 1)
      throw invalid(`Filters[${i}]: condition ${condition} takes exactly one value.`);
    return { name, condition, values };
  });
}

function matchesNamespace(ns: NamespaceRecord, filter: NamespaceFilter): boolean {
  const subject = filter.name === 'TYPE' ? ns.type : filter.name === 'RESOURCE_OWNER' ? 'SELF' : ns.name;
  if (filter.condition === 'BEGINS_WITH') return subject.startsWith(filter.values[0]);
  return filter.values.includes(subject);
}

/**
 * Properties.DnsProperties.SOA.TTL of a create or update request, or undefined without Properties. Each level is
 * required once its parent is given (botocore: PrivateDnsNamespaceProperties[Change] requires DnsProperties, which
 * requires SOA, which requires TTL); TTL is a RecordTTL, 0 to 2147483647 seconds.
 */
function soaTtl(container: Record<string, any>, path: string): number | undefined {
  const properties = optionalObject(container, path.split('.').pop()!);
  if (!properties) return undefined;
  const dns = optionalObject(properties, 'DnsProperties');
  if (!dns) throw invalid(`${path}.DnsProperties is required.`);
  const soa = optionalObject(dns, 'SOA');
  if (!soa) throw invalid(`${path}.DnsProperties.SOA is required.`);
  if (soa.TTL === undefined || soa.TTL === null) throw invalid(`${path}.DnsProperties.SOA.TTL is required.`);
  return integer(soa.TTL, `${path}.DnsProperties.SOA.TTL`, { min: 0, max: MAX_RECORD_TTL });
}

/** Namespace operations: Create/Update{PrivateDns,PublicDns,Http}Namespace, GetNamespace, ListNamespaces, DeleteNamespace. */
export function namespaceOperations(api: ApiContext): Record<string, OperationHandler> {
  const { state, operations, ctx } = api;
  /** UpdaterRequestId -> the request it was first used for and the operation that answered it. */
  const updates = new Map<string, { request: string; operationId: string }>();

  function create(input: Record<string, any>, type: NamespaceType): { OperationId: string } {
    const name = requiredString(input, 'Name', type === 'HTTP' ? 1024 : 253);
    if (!NAME_PATTERN[type].test(name)) {
      throw invalid(
        type === 'DNS_PUBLIC'
          ? `Name "${name}" is not a valid public DNS domain name.`
          : `Name "${name}" must be printable ASCII characters without spaces.`,
      );
    }
    const creatorRequestId = optionalString(input, 'CreatorRequestId', 64);
    const description = optionalString(input, 'Description', 1024);
    const vpc = type === 'DNS_PRIVATE' ? requiredString(input, 'Vpc', 64) : undefined;
    // HTTP namespaces have no hosted zone, hence no SOA (CreateHttpNamespace takes no Properties).
    const soa = type === 'HTTP' ? undefined : soaTtl(input, 'Properties');
    const tags = parseTags(input.Tags);
    if (state.namespaces.size >= MAX_NAMESPACES && !state.namespaceByName(name)) {
      throw new AwsError(
        'ResourceLimitExceeded',
        `The account already has ${MAX_NAMESPACES} namespaces in ${ctx.region}, the Cloud Map quota.`,
      );
    }
    const ns = state.addNamespace({ name, type, creatorRequestId, description, vpc, soaTtl: soa, tags });
    return { OperationId: operations.submit('CREATE_NAMESPACE', { NAMESPACE: ns.id }, ns.id).id };
  }

  function namespaceOrThrow(input: Record<string, any>): NamespaceRecord {
    const ref = requiredString(input, 'Id', 255);
    const ns = state.namespaceByIdOrArn(ref);
    if (!ns) throw new AwsError('NamespaceNotFound', `No namespace exists with the ID ${ref}.`);
    return ns;
  }

  /**
   * Update{Http,PrivateDns,PublicDns}Namespace: Description and, for DNS namespaces, the SOA TTL. Asynchronous: the
   * change is made when the UPDATE_NAMESPACE operation succeeds (never when it fails), like UpdateService. A retry
   * with the same UpdaterRequestId ("allows failed requests to be retried without the risk of running the operation
   * twice", UpdatePrivateDnsNamespace API reference) answers the first request's OperationId and changes nothing.
   */
  function update(input: Record<string, any>, type: NamespaceType): { OperationId: string } {
    const ns = namespaceOrThrow(input);
    const change = optionalObject(input, 'Namespace');
    if (!change) throw invalid('Namespace is required.');
    const description = optionalString(change, 'Description', 1024);
    if (type === 'HTTP' && description === undefined) throw invalid('Namespace.Description is required.');
    const soa = type === 'HTTP' ? undefined : soaTtl(change, 'Namespace.Properties');
    const updaterRequestId = optionalString(input, 'UpdaterRequestId', 64);
    if (ns.type !== type)
      throw invalid(`Namespace ${ns.id} is ${ns.type}; use the update call for that namespace type.`);
    const operation = `servicediscovery:Update${type === 'HTTP' ? 'Http' : type === 'DNS_PRIVATE' ? 'PrivateDns' : 'PublicDns'}Namespace`;
    const request = JSON.stringify({ namespace: ns.id, description, soa });
    if (updaterRequestId !== undefined) {
      const earlier = updates.get(updaterRequestId);
      if (earlier?.request === request) return { OperationId: earlier.operationId };
      if (earlier) {
        throw new AwsError(
          'DuplicateRequest',
          `UpdaterRequestId ${updaterRequestId} was already used by operation ${earlier.operationId} for another change.`,
          400,
          { DuplicateOperationId: earlier.operationId },
        );
      }
    }
    const effect = () => {
      if (description !== undefined) ns.description = description;
      if (soa !== undefined) ns.soaTtl = soa;
    };
    const failure = api.operationFailure(operation, input);
    const { id } = operations.submit('UPDATE_NAMESPACE', { NAMESPACE: ns.id }, ns.id, { effect, failure });
    if (updaterRequestId !== undefined) updates.set(updaterRequestId, { request, operationId: id });
    return { OperationId: id };
  }

  return {
    UpdateHttpNamespace: (input) => update(input, 'HTTP'),
    UpdatePrivateDnsNamespace: (input) => update(input, 'DNS_PRIVATE'),
    UpdatePublicDnsNamespace: (input) => update(input, 'DNS_PUBLIC'),
    CreatePrivateDnsNamespace: (input) => create(input, 'DNS_PRIVATE'),
    CreatePublicDnsNamespace: (input) => create(input, 'DNS_PUBLIC'),
    CreateHttpNamespace: (input) => create(input, 'HTTP'),
    GetNamespace(input) {
      return { Namespace: namespaceShape(namespaceOrThrow(input), ctx.account) };
    },
    DeleteNamespace(input) {
      const ns = namespaceOrThrow(input);
      if (ns.services.size > 0) {
        throw new AwsError(
          'ResourceInUse',
          `Namespace ${ns.id} contains ${ns.services.size} service(s); delete the services before deleting the namespace.`,
        );
      }
      state.removeNamespace(ns);
      return { OperationId: operations.submit('DELETE_NAMESPACE', { NAMESPACE: ns.id }, ns.id).id };
    },
    ListNamespaces(input) {
      const filters = parseNamespaceFilters(input.Filters);
      // Like Cloud Map: take a page of all namespaces, then filter it (a page may come back empty).
      const page = listPage('ListNamespaces', state.namespaces, input, filters);
      return {
        Namespaces: page.items
          .filter((ns) => filters.every((f) => matchesNamespace(ns, f)))
          .map((ns) => namespaceSummaryShape(ns, ctx.account)),
        NextToken: page.nextToken,
      };
    },
  };
}
