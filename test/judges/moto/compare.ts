/** Reads a backend's fleet into a comparable form: ids replaced by names, so the sandbox and moto can be diffed. */
import { ECSClient, DescribeServicesCommand, DescribeTasksCommand, ListTasksCommand } from '@aws-sdk/client-ecs';
import {
  ServiceDiscoveryClient,
  GetNamespaceCommand,
  GetServiceCommand,
  ListInstancesCommand,
  ListNamespacesCommand,
  ListServicesCommand,
} from '@aws-sdk/client-servicediscovery';
import { CLOUD_MAP_SERVICES, CLUSTER } from './scenario.js';

export interface FleetState {
  /** Namespace name -> its type and SOA TTL (negative caching; none for HTTP namespaces). */
  namespaces: Record<string, { type: string; soaTtl?: number }>;
  /** Cloud Map service name -> its TTLs and instances (task ids shown as "task of <service>"). */
  cloudMap: Record<string, { ttls: number[]; instances: string[] }>;
  /** ECS service name -> status and desired count. */
  ecs: Record<string, { status: string; desiredCount: number }>;
  /** Backend ids (namespace, Cloud Map service, task) -> the name they stand for. */
  names: Map<string, string>;
}

const credentials = { accessKeyId: 'judge', secretAccessKey: 'judge' };

/** Reads the fleet the scenario builds. */
export async function readFleet(endpoint: string, region: string): Promise<FleetState> {
  const config = { endpoint, region, credentials, maxAttempts: 1 };
  const ecs = new ECSClient(config);
  const cloudMap = new ServiceDiscoveryClient(config);
  const names = new Map<string, string>();
  try {
    const namespaces: FleetState['namespaces'] = {};
    for (const ns of (await cloudMap.send(new ListNamespacesCommand({}))).Namespaces ?? []) {
      names.set(ns.Id!, `<namespace ${ns.Name}>`);
      // GetNamespace, as the actuator reads it before writing (ListNamespaces need not carry the SOA).
      const { Namespace } = await cloudMap.send(new GetNamespaceCommand({ Id: ns.Id }));
      const soaTtl = Namespace!.Properties?.DnsProperties?.SOA?.TTL;
      namespaces[ns.Name!] = { type: Namespace!.Type!, ...(soaTtl !== undefined ? { soaTtl } : {}) };
    }
    const taskArns = (await ecs.send(new ListTasksCommand({ cluster: CLUSTER }))).taskArns ?? [];
    const tasks = taskArns.length
      ? ((await ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: taskArns }))).tasks ?? [])
      : [];
    for (const task of tasks)
      names.set(task.taskArn!.split('/').pop()!, `<task of ${task.group?.replace(/^service:/, '')}>`);
    const cloudMapState: FleetState['cloudMap'] = {};
    for (const summary of (await cloudMap.send(new ListServicesCommand({}))).Services ?? []) {
      names.set(summary.Id!, `<service ${summary.Name}>`);
      const { Service } = await cloudMap.send(new GetServiceCommand({ Id: summary.Id }));
      const instances = (await cloudMap.send(new ListInstancesCommand({ ServiceId: summary.Id }))).Instances ?? [];
      cloudMapState[summary.Name!] = {
        ttls: (Service!.DnsConfig?.DnsRecords ?? []).map((r) => r.TTL!),
        instances: instances.map((i) => i.Id!).sort(),
      };
    }
    for (const state of Object.values(cloudMapState))
      state.instances = state.instances.map((id) => names.get(id) ?? id).sort();
    // Described by name, not listed: moto's ListServices also lists INACTIVE services, AWS's does not (sandbox/README.md).
    const ecsState: FleetState['ecs'] = {};
    const serviceNames = Object.values(CLOUD_MAP_SERVICES).flatMap((s) => s.ecsService ?? []);
    for (const s of (await ecs.send(new DescribeServicesCommand({ cluster: CLUSTER, services: serviceNames })))
      .services ?? []) {
      ecsState[s.serviceName!] = { status: s.status!, desiredCount: s.desiredCount! };
    }
    return { namespaces, cloudMap: cloudMapState, ecs: ecsState, names };
  } finally {
    ecs.destroy();
    cloudMap.destroy();
  }
}

/** Replaces every backend id in a JSON value by the name it stands for, and drops per-run noise (timestamps). */
export function normalise(value: unknown, names: Map<string, string>): unknown {
  let text = JSON.stringify(value);
  for (const [id, name] of names) text = text.split(id).join(name);
  return JSON.parse(text, (key, v) =>
    /^(firstSeen|since|observedAt|at|timestamp|generatedAt|startedAt)$/.test(key) ? undefined : v,
  );
}
