/** Small builders for policies and inventories, so rule and plan tests state only what matters to them. */
import type {
  CloudMapInstance,
  CloudMapService,
  Cluster,
  Deployment,
  EcsService,
  EcsTask,
  Inventory,
  Namespace,
  ServiceConnectConfig,
} from '../../controller/inventory/model.js';
import type { Policy, PolicySet } from '../../controller/policy/types.js';
import { makePolicy, type PolicyOverrides } from '../fixtures/policy.js';

export const ACCOUNT = '111122223333';
export const REGION = 'eu-west-1';
export const T0 = Date.parse('2026-11-25T00:00:00Z');
export const MINUTE = 60_000;
export const HOUR = 3_600_000;

/** A policy in enforce mode over cluster "prod" and namespaces "internal.local" and "sc.local", every rule enabled, no grace or cooldown. */
export function policy(overrides: PolicyOverrides = {}): Policy {
  const rules = overrides.rules ?? {};
  return makePolicy({
    name: 'payments',
    mode: 'enforce',
    ...overrides,
    target: { clusters: ['prod'], namespaces: ['internal.local', 'sc.local'], ...overrides.target },
    rules: {
      ...rules,
      serviceConnectRefresh: { cooldownMs: 0, ...rules.serviceConnectRefresh },
      cloudMapOrphans: { gracePeriodMs: 0, ...rules.cloudMapOrphans },
    },
  });
}

/** A policy set of the given policies. */
export function policySet(...policies: Policy[]): PolicySet {
  return { revision: 'rev-1', policies };
}

export function clusterArn(name: string): string {
  return `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/${name}`;
}

export function cluster(name: string): Cluster {
  return { name, arn: clusterArn(name) };
}

export function namespace(
  name: string,
  type: Namespace['type'] = 'DNS_PRIVATE',
  id = `ns-${name.replace(/\W/g, '')}`,
): Namespace {
  return { id, name, type, arn: `arn:aws:servicediscovery:${REGION}:${ACCOUNT}:namespace/${id}` };
}

/** Service Connect config serving the given discovery names (none: client-only). */
export function sc(namespaceName: string, ...discoveryNames: string[]): ServiceConnectConfig {
  return {
    enabled: true,
    namespace: namespaceName,
    services: discoveryNames.map((n) => ({
      portName: n,
      discoveryName: n,
      clientAliases: [{ port: 80, dnsName: `${n}.svc` }],
    })),
  };
}

let deploymentSeq = 0;
export function deployment(overrides: Partial<Deployment> = {}): Deployment {
  deploymentSeq += 1;
  return {
    id: `ecs-svc/${1000 + deploymentSeq}`,
    status: 'PRIMARY',
    rolloutState: 'COMPLETED',
    taskDefinition: 'td:1',
    desiredCount: 2,
    runningCount: 2,
    pendingCount: 0,
    createdAt: T0,
    updatedAt: T0,
    serviceConnectResources: [],
    ...overrides,
  };
}

/** An ACTIVE ECS service in cluster "prod" with one completed deployment created at T0. */
export function ecsService(name: string, overrides: Partial<EcsService> & { cluster?: string } = {}): EcsService {
  const clusterName = overrides.cluster ?? overrides.clusterName ?? 'prod';
  const { cluster: _ignored, ...rest } = overrides;
  return {
    arn: `arn:aws:ecs:${REGION}:${ACCOUNT}:service/${clusterName}/${name}`,
    name,
    clusterArn: clusterArn(clusterName),
    clusterName,
    status: 'ACTIVE',
    desiredCount: 2,
    runningCount: 2,
    createdAt: T0,
    tags: {},
    serviceRegistries: [],
    deployments: [deployment()],
    ...rest,
  };
}

/** An ECS service whose primary deployment runs Service Connect in `ns` serving `serves`. */
export function scService(
  name: string,
  ns: string,
  serves: string[],
  overrides: Partial<EcsService> & {
    cluster?: string;
    deployedAt?: number;
    rollout?: Deployment['rolloutState'];
    resources?: Deployment['serviceConnectResources'];
  } = {},
): EcsService {
  const { deployedAt, rollout, resources, ...rest } = overrides;
  // A server joins its namespace with its first deployment: the service is created with it unless told otherwise.
  return ecsService(name, {
    createdAt: deployedAt ?? T0,
    deployments: [
      deployment({
        createdAt: deployedAt ?? T0,
        rolloutState: rollout ?? 'COMPLETED',
        serviceConnect: sc(ns, ...serves),
        serviceConnectResources: resources ?? [],
      }),
    ],
    ...rest,
  });
}

let taskSeq = 0;
/** A RUNNING task of `service` in `clusterName` started at `startedAt`. */
export function task(
  service: string,
  startedAt: number,
  overrides: Partial<EcsTask> & { cluster?: string } = {},
): EcsTask {
  taskSeq += 1;
  const clusterName = overrides.cluster ?? 'prod';
  const id = overrides.id ?? `task${String(taskSeq).padStart(4, '0')}`;
  const { cluster: _ignored, ...rest } = overrides;
  return {
    arn: `arn:aws:ecs:${REGION}:${ACCOUNT}:task/${clusterName}/${id}`,
    id,
    clusterArn: clusterArn(clusterName),
    clusterName,
    serviceName: service,
    lastStatus: 'RUNNING',
    desiredStatus: 'RUNNING',
    taskDefinitionArn: 'td:1',
    createdAt: startedAt,
    startedAt,
    ...rest,
  };
}

/** An instance ECS registered for task `taskId` of `cluster`/`service`. */
export function ecsInstance(taskId: string, clusterName = 'prod', service = 'api'): CloudMapInstance {
  return {
    id: taskId,
    attributes: { ECS_CLUSTER_NAME: clusterName, ECS_SERVICE_NAME: service, AWS_INSTANCE_IPV4: '10.0.0.1' },
  };
}

/** An instance someone other than ECS registered (EC2, Lambda, by hand). */
export function foreignInstance(id: string): CloudMapInstance {
  return { id, attributes: { AWS_INSTANCE_IPV4: '10.0.9.9' } };
}

/** A DNS Cloud Map service in namespace `ns` (id) with an A record of ttl 10 and the given instances. */
export function cmService(name: string, ns: Namespace, overrides: Partial<CloudMapService> = {}): CloudMapService {
  const id = overrides.id ?? `srv-${name}`;
  const instances =
    overrides.instances === undefined && 'instances' in overrides ? undefined : (overrides.instances ?? []);
  return {
    id,
    arn: `arn:aws:servicediscovery:${REGION}:${ACCOUNT}:service/${id}`,
    name,
    namespaceId: ns.id,
    type: ns.type === 'HTTP' ? 'HTTP' : 'DNS_HTTP',
    dnsRecords: ns.type === 'HTTP' ? [] : [{ type: 'A', ttl: 10 }],
    instanceCount: instances?.length ?? 0,
    createdAt: T0,
    tags: {},
    ...overrides,
    instances,
  };
}

/**
 * An inventory of cluster "prod" plus whatever the test passes. Unless the test says otherwise, as the reader
 * would: every ECS instance's task was described after the instances were listed (taskRechecks), and every
 * Cloud Map service has evidence that ECS used it (ownership); tests of those rules pass their own.
 */
export function inventory(parts: Partial<Inventory> = {}): Inventory {
  const services = parts.cloudMapServices ?? [];
  const taskRechecks: Record<string, number> = {};
  for (const s of services) {
    for (const i of s.instances ?? [])
      if (i.attributes.ECS_CLUSTER_NAME) taskRechecks[`${i.attributes.ECS_CLUSTER_NAME}/${i.id}`] = T0;
  }
  const ownership = Object.fromEntries(
    services.map((s) => [s.id, { serviceId: s.id, source: 'instances-seen' as const, at: T0, ecsServices: [] }]),
  );
  return {
    observedAt: T0,
    account: ACCOUNT,
    region: REGION,
    clusters: [cluster('prod')],
    services: [],
    tasks: [],
    namespaces: [],
    cloudMapServices: [],
    readErrors: [],
    ...parts,
    taskRechecks: parts.taskRechecks ?? taskRechecks,
    ownership: parts.ownership ?? ownership,
  };
}
