/**
 * Gathers ownership evidence during a full read: records what the read itself proves (ECS-registered instances
 * of tasks the read saw), asks CloudTrail about the unreferenced services still lacking evidence, and returns
 * the evidence of every service read, for the rules (which stay pure).
 */
import type { AwsClients } from './clients.js';
import type { CloudMapService, EcsService, EcsTask } from '../inventory/model.js';
import { ECS_ATTRIBUTES } from '../inventory/model.js';
import { registriesOf } from '../inventory/facts.js';
import { CloudTrailScanner } from './cloudtrail-reader.js';
import { MemoryEvidenceStore, type EvidenceStore, type OwnershipEvidence } from '../inventory/evidence.js';

/** Where evidence is kept and how more is found; one per target (account and region), kept across reads. */
export interface OwnershipSources {
  store: EvidenceStore;
  cloudTrail: CloudTrailScanner;
}

/** In-memory evidence and a CloudTrail scanner, for one-shot commands and tests. */
export function memoryOwnershipSources(options: { maxCloudTrailPages?: number } = {}): OwnershipSources {
  return {
    store: new MemoryEvidenceStore(),
    cloudTrail: new CloudTrailScanner({
      ...(options.maxCloudTrailPages !== undefined ? { maxPages: options.maxCloudTrailPages } : {}),
    }),
  };
}

interface ReadParts {
  account: string;
  services: readonly EcsService[];
  tasks: readonly EcsTask[];
  cloudMapServices: readonly CloudMapService[];
}

const isOurs = (account: string, createdBy: string | undefined) => !createdBy || !account || createdBy === account;

/**
 * Evidence this read proves: an instance carrying the ECS attributes, registered by this account, whose id is
 * a task the read saw in the named cluster and service (the task id = instance id registration ECS makes).
 */
export function seenEvidence(parts: ReadParts, now: number): OwnershipEvidence[] {
  const tasks = new Map<string, EcsTask>();
  for (const task of parts.tasks) tasks.set(`${task.clusterName}/${task.id}`, task);
  const out: OwnershipEvidence[] = [];
  for (const service of parts.cloudMapServices) {
    if (!isOurs(parts.account, service.createdByAccount)) continue;
    const names = new Map<string, { cluster: string; service: string }>();
    for (const instance of service.instances ?? []) {
      const cluster = instance.attributes[ECS_ATTRIBUTES.cluster];
      const ecsService = instance.attributes[ECS_ATTRIBUTES.service];
      if (!cluster || !ecsService || !isOurs(parts.account, instance.createdByAccount)) continue;
      const task = tasks.get(`${cluster}/${instance.id}`);
      if (task?.serviceName === ecsService) names.set(`${cluster}/${ecsService}`, { cluster, service: ecsService });
    }
    if (names.size > 0)
      out.push({ serviceId: service.id, source: 'instances-seen', at: now, ecsServices: [...names.values()] });
  }
  return out;
}

/** Cloud Map services no listed ECS service refers to: the ones whose deletion would need evidence. */
function unreferenced(parts: ReadParts): CloudMapService[] {
  const referenced = new Set<string>();
  const id = (arn: string) => arn.slice(arn.lastIndexOf('/') + 1);
  for (const ecs of parts.services) {
    if (ecs.status === 'INACTIVE') continue;
    for (const r of registriesOf(ecs)) referenced.add(id(r.registryArn));
    for (const d of ecs.deployments) for (const r of d.serviceConnectResources) referenced.add(id(r.discoveryArn));
  }
  return parts.cloudMapServices.filter(
    (s) =>
      s.instances !== undefined &&
      !referenced.has(s.id) &&
      isOurs(parts.account, s.createdByAccount) &&
      s.tags.AmazonECSManaged !== 'true',
  );
}

/** Records what the read proves, looks the rest up in CloudTrail, and returns the evidence of every service read. */
export async function collectOwnership(
  clients: AwsClients,
  sources: OwnershipSources,
  parts: ReadParts,
  now: number,
): Promise<Record<string, OwnershipEvidence>> {
  for (const evidence of seenEvidence(parts, now)) await sources.store.record(evidence);
  const wanted = new Set<string>();
  for (const service of unreferenced(parts)) if (!(await sources.store.get(service.id))) wanted.add(service.id);
  await sources.cloudTrail.scan(clients, sources.store, wanted, now);
  const out: Record<string, OwnershipEvidence> = {};
  for (const service of parts.cloudMapServices) {
    const evidence = await sources.store.get(service.id);
    if (evidence) out[service.id] = evidence;
  }
  return out;
}
