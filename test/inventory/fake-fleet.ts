/** A tiny in-memory fleet behind stubbed SDK clients, for cache tests that must count calls exactly. */
import { mockClient } from 'aws-sdk-client-mock';
import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ListClustersCommand,
  ListServicesCommand,
  ListTasksCommand,
} from '@aws-sdk/client-ecs';
import {
  GetServiceCommand,
  ListInstancesCommand,
  ListNamespacesCommand,
  ListServicesCommand as ListCloudMapServicesCommand,
  ListTagsForResourceCommand,
} from '@aws-sdk/client-servicediscovery';
import { DescribeScalableTargetsCommand } from '@aws-sdk/client-application-auto-scaling';
import { createAwsClients, type AwsClients } from '../../controller/aws/clients.js';

export const ACCOUNT = '111122223333';
const clusterArn = (name: string) => `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/${name}`;
export const cmArn = (id: string) => `arn:aws:servicediscovery:us-east-1:${ACCOUNT}:service/${id}`;

export interface FakeTask {
  id: string;
  cluster: string;
  service: string;
  desired: 'RUNNING' | 'STOPPED';
  last: string;
}
export interface FakeFleet {
  clusters: string[];
  services: {
    cluster: string;
    name: string;
    registry?: string;
    /** Application Auto Scaling MaxCapacity */ maxCount?: number;
  }[];
  tasks: FakeTask[];
  namespace: { id: string; name: string };
  cmServices: {
    id: string;
    name: string;
    ttl: number;
    instances: { id: string; attributes: Record<string, string> }[];
  }[];
  /** "service:Operation" -> error name to throw, consumed once. */
  failOnce: Map<string, string>;
}

function maybeFail(fleet: FakeFleet, op: string): void {
  const code = fleet.failOnce.get(op);
  if (code) {
    fleet.failOnce.delete(op);
    throw Object.assign(new Error(`injected ${code}`), { name: code });
  }
}

/** Stubs the clients' ECS, Cloud Map and Application Auto Scaling calls with answers computed from `fleet` at call time. */
export function fakeClients(fleet: FakeFleet): { clients: AwsClients; calls: () => string[] } {
  const clients = createAwsClients({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9' });
  const ecs = mockClient(clients.ecs);
  const sd = mockClient(clients.serviceDiscovery);
  const scaling = mockClient(clients.autoScaling);
  const log: string[] = [];
  const name = (ref: string) => ref.split('/').pop()!;
  ecs
    .on(ListClustersCommand)
    .callsFake(
      () => (
        log.push('ecs:ListClusters'),
        maybeFail(fleet, 'ecs:ListClusters'),
        { clusterArns: fleet.clusters.map(clusterArn) }
      ),
    );
  ecs.on(ListServicesCommand).callsFake((i) => {
    log.push('ecs:ListServices');
    maybeFail(fleet, 'ecs:ListServices');
    return {
      serviceArns: fleet.services
        .filter((s) => s.cluster === name(i.cluster))
        .map((s) => `arn:aws:ecs:us-east-1:${ACCOUNT}:service/${s.cluster}/${s.name}`),
    };
  });
  ecs.on(DescribeServicesCommand).callsFake((i) => {
    log.push('ecs:DescribeServices');
    maybeFail(fleet, 'ecs:DescribeServices');
    const found = i.services.map((ref: string) =>
      fleet.services.find((s) => s.cluster === name(i.cluster) && s.name === name(ref)),
    );
    return {
      services: found.filter(Boolean).map((s: FakeFleet['services'][number]) => ({
        serviceArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:service/${s.cluster}/${s.name}`,
        serviceName: s.name,
        clusterArn: clusterArn(s.cluster),
        status: 'ACTIVE',
        serviceRegistries: s.registry ? [{ registryArn: cmArn(s.registry) }] : [],
      })),
      failures: i.services
        .filter((_: string, n: number) => !found[n])
        .map((ref: string) => ({ arn: ref, reason: 'MISSING' })),
    };
  });
  ecs.on(ListTasksCommand).callsFake((i) => {
    log.push('ecs:ListTasks');
    maybeFail(fleet, 'ecs:ListTasks');
    if (i.serviceName && !fleet.services.some((s) => s.cluster === name(i.cluster) && s.name === i.serviceName)) {
      throw Object.assign(new Error('Service not found.'), { name: 'ServiceNotFoundException' });
    }
    const tasks = fleet.tasks.filter(
      (t) =>
        t.cluster === name(i.cluster) &&
        t.desired === i.desiredStatus &&
        (!i.serviceName || t.service === i.serviceName),
    );
    return { taskArns: tasks.map((t) => `arn:aws:ecs:us-east-1:${ACCOUNT}:task/${t.cluster}/${t.id}`) };
  });
  ecs.on(DescribeTasksCommand).callsFake((i) => {
    log.push('ecs:DescribeTasks');
    maybeFail(fleet, 'ecs:DescribeTasks');
    const tasks = i.tasks
      .map((arn: string) => fleet.tasks.find((t) => t.id === name(arn)))
      .filter(Boolean) as FakeTask[];
    return {
      tasks: tasks.map((t) => ({
        taskArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:task/${t.cluster}/${t.id}`,
        clusterArn: clusterArn(t.cluster),
        group: `service:${t.service}`,
        lastStatus: t.last,
        desiredStatus: t.desired,
        taskDefinitionArn: 'td:1',
        createdAt: new Date(1_000),
        startedAt: new Date(2_000),
      })),
      failures: [],
    };
  });
  sd.on(ListNamespacesCommand).callsFake(
    () => (
      log.push('servicediscovery:ListNamespaces'),
      {
        Namespaces: [
          {
            Id: fleet.namespace.id,
            Arn: `arn:ns/${fleet.namespace.id}`,
            Name: fleet.namespace.name,
            Type: 'DNS_PRIVATE',
          },
        ],
      }
    ),
  );
  const summary = (s: FakeFleet['cmServices'][number]) => ({
    Id: s.id,
    Arn: cmArn(s.id),
    Name: s.name,
    Type: 'DNS_HTTP',
    InstanceCount: s.instances.length,
    DnsConfig: { DnsRecords: [{ Type: 'A', TTL: s.ttl }] },
    CreateDate: new Date(0),
  });
  sd.on(ListCloudMapServicesCommand).callsFake(
    () => (
      log.push('servicediscovery:ListServices'),
      maybeFail(fleet, 'servicediscovery:ListServices'),
      { Services: fleet.cmServices.map(summary) }
    ),
  );
  sd.on(GetServiceCommand).callsFake((i) => {
    log.push('servicediscovery:GetService');
    const s = fleet.cmServices.find((c) => c.id === i.Id);
    if (!s) throw Object.assign(new Error('no such service'), { name: 'ServiceNotFound' });
    return { Service: { ...summary(s), NamespaceId: fleet.namespace.id } };
  });
  sd.on(ListInstancesCommand).callsFake((i) => {
    log.push('servicediscovery:ListInstances');
    maybeFail(fleet, 'servicediscovery:ListInstances');
    const s = fleet.cmServices.find((c) => c.id === i.ServiceId || summary(c).Arn === i.ServiceId);
    if (!s) throw Object.assign(new Error('no such service'), { name: 'ServiceNotFound' });
    return { Instances: s.instances.map((x) => ({ Id: x.id, Attributes: x.attributes })) };
  });
  sd.on(ListTagsForResourceCommand).callsFake(() => (log.push('servicediscovery:ListTagsForResource'), { Tags: [] }));
  scaling.on(DescribeScalableTargetsCommand).callsFake((i) => {
    log.push('application-autoscaling:DescribeScalableTargets');
    maybeFail(fleet, 'application-autoscaling:DescribeScalableTargets');
    const ids = new Set(i.ResourceIds ?? []);
    const targets = fleet.services.filter(
      (s) => s.maxCount !== undefined && (!i.ResourceIds || ids.has(`service/${s.cluster}/${s.name}`)),
    );
    return {
      ScalableTargets: targets.map((s) => ({
        ServiceNamespace: 'ecs',
        ResourceId: `service/${s.cluster}/${s.name}`,
        ScalableDimension: 'ecs:service:DesiredCount',
        MinCapacity: 1,
        MaxCapacity: s.maxCount,
        RoleARN: 'r',
        CreationTime: new Date(0),
      })),
    };
  });
  return { clients, calls: () => log.splice(0) };
}

/** One cluster, one service with a registry, two running tasks, each with its instance. */
export function smallFleet(): FakeFleet {
  const attrs = (task: string) => ({
    ECS_CLUSTER_NAME: 'prod',
    ECS_SERVICE_NAME: 'orders',
    AWS_INSTANCE_IPV4: `10.0.0.${task.length}`,
  });
  return {
    clusters: ['prod'],
    services: [{ cluster: 'prod', name: 'orders', registry: 'srv-orders' }],
    tasks: [
      { id: 't1', cluster: 'prod', service: 'orders', desired: 'RUNNING', last: 'RUNNING' },
      { id: 't2', cluster: 'prod', service: 'orders', desired: 'RUNNING', last: 'RUNNING' },
    ],
    namespace: { id: 'ns-1', name: 'internal.local' },
    cmServices: [
      {
        id: 'srv-orders',
        name: 'orders',
        ttl: 60,
        instances: [
          { id: 't1', attributes: attrs('t1') },
          { id: 't2', attributes: attrs('t2') },
        ],
      },
    ],
    failOnce: new Map(),
  };
}
