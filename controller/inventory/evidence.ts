/**
 * Positive evidence that ECS used a Cloud Map service: the only ground on which the controller deletes an
 * unreferenced one (an empty service is normal: infrastructure code creates it ahead of its ECS service,
 * API Gateway, App Mesh, EC2 or another account use it). Kept behind a tiny store so it survives restarts
 * once a persistent store exists; the in-memory one forgets on restart, which only delays a deletion.
 */

/** One ECS service that registered instances into the Cloud Map service, as the evidence names it. */
export interface EcsServiceName {
  cluster: string;
  service: string;
}

export type EvidenceSource = 'instances-seen' | 'cloudtrail';

export interface OwnershipEvidence {
  /** Cloud Map service id (srv-…). */
  serviceId: string;
  /** instances-seen: the controller read ECS-registered instances of live ECS tasks in it; cloudtrail: ECS's RegisterInstance call. */
  source: EvidenceSource;
  /** When ECS was last seen using it (epoch ms): the read, or the CloudTrail event time. */
  at: number;
  /** The ECS services the evidence names (described by name before the service is called unreferenced). */
  ecsServices: readonly EcsServiceName[];
}

/** Where evidence is remembered: record and get per Cloud Map service id. */
export interface EvidenceStore {
  record(evidence: OwnershipEvidence): Promise<void>;
  get(serviceId: string): Promise<OwnershipEvidence | undefined>;
}

/** Most ECS services remembered per Cloud Map service (one registry normally has one or two). */
const MAX_NAMES = 10;

/** Merges two pieces of evidence about one service: the newest time and source, the union of the names. */
export function mergeEvidence(a: OwnershipEvidence | undefined, b: OwnershipEvidence): OwnershipEvidence {
  if (!a) return { ...b, ecsServices: b.ecsServices.slice(0, MAX_NAMES) };
  const newer = b.at >= a.at ? b : a;
  const names = new Map<string, EcsServiceName>();
  for (const n of [...newer.ecsServices, ...a.ecsServices, ...b.ecsServices]) names.set(`${n.cluster}/${n.service}`, n);
  return {
    serviceId: a.serviceId,
    source: newer.source,
    at: newer.at,
    ecsServices: [...names.values()].slice(0, MAX_NAMES),
  };
}

/** The in-memory store: evidence lasts as long as the process. */
export class MemoryEvidenceStore implements EvidenceStore {
  private readonly entries = new Map<string, OwnershipEvidence>();

  async record(evidence: OwnershipEvidence): Promise<void> {
    this.entries.set(evidence.serviceId, mergeEvidence(this.entries.get(evidence.serviceId), evidence));
  }

  async get(serviceId: string): Promise<OwnershipEvidence | undefined> {
    return this.entries.get(serviceId);
  }
}
