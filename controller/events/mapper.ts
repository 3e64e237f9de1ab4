/**
 * Maps one EventBridge event (an SQS message body) to the work keys it makes worth looking at again.
 * Pure and total: it never throws. Events only say *which* keys to reconcile (level-triggered); their
 * content is never trusted as state. AWS adds event types and fields over time, so anything unknown is
 * ignored rather than rejected; only bodies we cannot read at all, or known events missing what we need,
 * are "malformed".
 */
import type { WorkKey } from '../inventory/work-key.js';
import { clusterNameFrom, parseServiceArn, serviceRefFrom } from './arn.js';

export const DETAIL_TYPES = {
  task: 'ECS Task State Change',
  serviceAction: 'ECS Service Action',
  deployment: 'ECS Deployment State Change',
  apiCall: 'AWS API Call via CloudTrail',
} as const;

/** Stable reasons (they label a metric), each naming what was missing. */
export type MalformedReason =
  | 'invalid-json'
  | 'not-an-object'
  | 'missing-detail-type'
  | 'missing-detail'
  | 'missing-cluster'
  | 'missing-service'
  | 'service-arn-without-cluster'
  | 'missing-cloudmap-service';

export type MappedEvent =
  | {
      outcome: 'keys';
      detailType: string;
      keys: WorkKey[];
      /** The event's `time`, epoch ms, for event-to-action latency. */
      eventTime?: number;
      /** Task events carry a per-task version that increases with each state change (duplicate detection). */
      taskVersion?: { taskArn: string; version: number };
      /** The envelope's account and region: which target the keys belong to (events/route.ts). */
      source?: { account?: string; region?: string };
    }
  | { outcome: 'ignored'; detailType: string; reason: string }
  | { outcome: 'malformed'; detailType?: string; reason: MalformedReason };

type Json = Record<string, unknown>;

/** What the mapper may ask of the fleet the controller already knows. */
export interface KnownFleet {
  /**
   * Clusters of the known services with this ARN. An old-format service ARN (`service/NAME`) names no cluster,
   * and a Deployment State Change carries no clusterArn: the service the controller read says where it runs.
   */
  clustersOfService?(serviceArn: string): readonly string[];
}

/** Maps an SQS message body holding one EventBridge event; never throws. */
export function mapEventBody(body: string, known: KnownFleet = {}): MappedEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { outcome: 'malformed', reason: 'invalid-json' };
  }
  return mapEvent(parsed, known);
}

/** Maps an already-parsed EventBridge envelope; never throws. */
export function mapEvent(envelope: unknown, known: KnownFleet = {}): MappedEvent {
  if (!isObject(envelope)) return { outcome: 'malformed', reason: 'not-an-object' };
  const detailType = str(envelope['detail-type']);
  if (!detailType) return { outcome: 'malformed', reason: 'missing-detail-type' };
  const detail = envelope.detail;
  if (!isObject(detail)) return { outcome: 'malformed', detailType, reason: 'missing-detail' };
  const timeMs = Date.parse(str(envelope.time) ?? '');
  const eventTime = Number.isFinite(timeMs) ? timeMs : undefined;
  const resources = Array.isArray(envelope.resources)
    ? envelope.resources.filter((r): r is string => typeof r === 'string')
    : [];

  let mapped: MappedEvent;
  switch (detailType) {
    case DETAIL_TYPES.task:
      mapped = mapTaskEvent(detail, resources);
      break;
    case DETAIL_TYPES.serviceAction:
    case DETAIL_TYPES.deployment:
      mapped = mapServiceEvent(detailType, detail, resources, known);
      break;
    case DETAIL_TYPES.apiCall:
      mapped = mapApiCall(detail);
      break;
    default:
      return { outcome: 'ignored', detailType, reason: 'unhandled detail type' };
  }
  if (mapped.outcome === 'keys' && eventTime !== undefined) mapped.eventTime = eventTime;
  if (mapped.outcome === 'keys') {
    const account = str(envelope.account);
    const region = str(envelope.region);
    if (account || region) mapped.source = { ...(account ? { account } : {}), ...(region ? { region } : {}) };
  }
  return mapped;
}

function mapTaskEvent(detail: Json, resources: string[]): MappedEvent {
  const detailType = DETAIL_TYPES.task;
  const cluster = clusterNameFrom(str(detail.clusterArn) ?? '');
  if (!cluster) return { outcome: 'malformed', detailType, reason: 'missing-cluster' };
  const group = str(detail.group) ?? '';
  // Standalone tasks (group "family:...") belong to no service; ECS never registers them in Cloud Map.
  if (!group.startsWith('service:')) return { outcome: 'ignored', detailType, reason: 'task not started by a service' };
  const service = group.slice('service:'.length);
  if (!service) return { outcome: 'malformed', detailType, reason: 'missing-service' };
  const taskArn = str(detail.taskArn) ?? resources[0];
  const lastStatus = str(detail.lastStatus);
  // Events cost what they change: a task that starts, runs or is on its way down changes nothing a rule acts on
  // (a replacement keeps its deployment's Service Connect view; deployment events say when a deployment changes);
  // its STOPPED event is what may leave a registration behind, and it names the task to look at.
  if (lastStatus !== undefined && lastStatus !== 'STOPPED')
    return { outcome: 'ignored', detailType, reason: `task ${lastStatus}: only a stopped task can leave drift behind` };
  const keys: WorkKey[] = [
    lastStatus === 'STOPPED' && taskArn
      ? { kind: 'ecs-task', cluster, service, task: taskArn.slice(taskArn.lastIndexOf('/') + 1) }
      : { kind: 'ecs-service', cluster, service },
  ];
  const version = detail.version;
  if (taskArn && typeof version === 'number' && Number.isFinite(version)) {
    return { outcome: 'keys', detailType, keys, taskVersion: { taskArn, version } };
  }
  return { outcome: 'keys', detailType, keys };
}

function mapServiceEvent(detailType: string, detail: Json, resources: string[], known: KnownFleet): MappedEvent {
  const arn = resources.find((r) => parseServiceArn(r) !== undefined);
  if (!arn) return { outcome: 'malformed', detailType, reason: 'missing-service' };
  const ref = parseServiceArn(arn)!;
  // Old-format service ARNs do not name the cluster; Service Action events carry it separately, Deployment
  // State Change events do not: the known service with that ARN says (every cluster, if several share it).
  const cluster = ref.cluster ?? clusterNameFrom(str(detail.clusterArn) ?? '');
  const clusters = cluster ? [cluster] : [...new Set(known.clustersOfService?.(arn) ?? [])].sort();
  if (clusters.length === 0) return { outcome: 'malformed', detailType, reason: 'service-arn-without-cluster' };
  return {
    outcome: 'keys',
    detailType,
    keys: clusters.map((c) => ({ kind: 'ecs-service' as const, cluster: c, service: ref.service })),
  };
}

const ECS_CALLS = new Set(['CreateService', 'DeleteService', 'UpdateService']);
const CLOUD_MAP_CALLS = new Set([
  'CreateService',
  'DeleteService',
  'UpdateService',
  'RegisterInstance',
  'DeregisterInstance',
]);

function mapApiCall(detail: Json): MappedEvent {
  const detailType = DETAIL_TYPES.apiCall;
  const eventSource = str(detail.eventSource);
  const eventName = str(detail.eventName) ?? '';
  // A call that failed changed nothing.
  if (detail.errorCode !== undefined && detail.errorCode !== null) {
    return { outcome: 'ignored', detailType, reason: `failed ${eventName} call` };
  }
  const request = isObject(detail.requestParameters) ? detail.requestParameters : {};
  const response = isObject(detail.responseElements) ? detail.responseElements : {};
  if (eventSource === 'ecs.amazonaws.com' && ECS_CALLS.has(eventName)) return mapEcsApiCall(request, response);
  if (eventSource === 'servicediscovery.amazonaws.com' && CLOUD_MAP_CALLS.has(eventName)) {
    return mapCloudMapApiCall(eventName, request, response);
  }
  return { outcome: 'ignored', detailType, reason: `unhandled API call ${eventSource ?? '?'}:${eventName}` };
}

function mapEcsApiCall(request: Json, response: Json): MappedEvent {
  const detailType = DETAIL_TYPES.apiCall;
  const described = isObject(response.service) ? response.service : {};
  // Prefer what ECS answered (full ARNs) over what the caller sent (a name, an ARN, or nothing).
  const requested = serviceRefFrom(str(request.service) ?? str(request.serviceName) ?? '');
  const service = str(described.serviceName) ?? requested?.service;
  if (!service) return { outcome: 'malformed', detailType, reason: 'missing-service' };
  // ECS uses the cluster named "default" when a call names none.
  const cluster =
    clusterNameFrom(str(described.clusterArn) ?? '') ??
    requested?.cluster ??
    clusterNameFrom(str(request.cluster) ?? '') ??
    'default';
  const keys: WorkKey[] = [{ kind: 'ecs-service', cluster, service }];
  // A deleted ECS service leaves its Cloud Map services behind: look at them too.
  const registries = Array.isArray(described.serviceRegistries) ? described.serviceRegistries : [];
  for (const registry of registries) {
    const serviceId = isObject(registry) ? cloudMapServiceIdFromArn(str(registry.registryArn) ?? '') : undefined;
    if (serviceId) keys.push({ kind: 'cloudmap-service', serviceId });
  }
  return { outcome: 'keys', detailType, keys };
}

function mapCloudMapApiCall(eventName: string, request: Json, response: Json): MappedEvent {
  const detailType = DETAIL_TYPES.apiCall;
  const keys: WorkKey[] = [];
  if (eventName === 'CreateService') {
    const created = isObject(response.service) ? response.service : {};
    const dnsConfig = isObject(request.dnsConfig) ? request.dnsConfig : {};
    const serviceId = str(created.id);
    const namespaceId = str(created.namespaceId) ?? str(request.namespaceId) ?? str(dnsConfig.namespaceId);
    if (serviceId) keys.push({ kind: 'cloudmap-service', serviceId });
    if (namespaceId) keys.push({ kind: 'namespace', namespace: namespaceId });
  } else {
    // DeleteService and UpdateService (a TTL changed by hand) name the service `id`; instance calls `serviceId`.
    const serviceId =
      str(request.serviceId) ??
      (eventName === 'DeleteService' || eventName === 'UpdateService' ? str(request.id) : undefined);
    if (serviceId) keys.push({ kind: 'cloudmap-service', serviceId });
  }
  if (keys.length === 0) return { outcome: 'malformed', detailType, reason: 'missing-cloudmap-service' };
  return { outcome: 'keys', detailType, keys };
}

/** `arn:aws:servicediscovery:R:A:service/srv-abc` -> `srv-abc`. */
function cloudMapServiceIdFromArn(arn: string): string | undefined {
  const match = /^arn:[^:]+:servicediscovery:[^:]*:[^:]*:service\/([^/]+)$/.exec(arn);
  return match?.[1];
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim().length > 0 ? value.trim() : undefined;
}
