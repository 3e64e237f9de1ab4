/** The ECS service entry of a scenario's cluster: its fields, registry and Service Connect settings. */
import { count, fail, known, list, object, stopTimeout, string, tags, time } from './fields.js';
import type { EcsServiceSpec } from './schema.js';

/** One ECS service entry of a cluster in a scenario (clusters[i].services[j]), with its defaults. */
export function service(value: unknown, path: string): EcsServiceSpec {
  const s = object(value, path);
  known(
    s,
    [
      'name',
      'desiredCount',
      'maxCount',
      'maximumPercent',
      'created',
      'deployed',
      'taskStartedAt',
      'image',
      'containerPort',
      'stopTimeout',
      'launchType',
      'tags',
      'registry',
      'serviceConnect',
      'deleted',
      'arnFormat',
    ],
    path,
  );
  if (s.arnFormat !== undefined && s.arnFormat !== 'long' && s.arnFormat !== 'short')
    fail(`${path}.arnFormat`, 'must be long or short');
  const registry = s.registry === undefined ? undefined : object(s.registry, `${path}.registry`);
  const sc = s.serviceConnect === undefined ? undefined : object(s.serviceConnect, `${path}.serviceConnect`);
  const starts = Array.isArray(s.taskStartedAt)
    ? s.taskStartedAt.map((t, i) => time(t, `${path}.taskStartedAt[${i}]`)!)
    : time(s.taskStartedAt, `${path}.taskStartedAt`);
  return {
    name: string(s.name, `${path}.name`, true),
    desiredCount: count(s.desiredCount, `${path}.desiredCount`) ?? 1,
    maxCount: count(s.maxCount, `${path}.maxCount`),
    maximumPercent: count(s.maximumPercent, `${path}.maximumPercent`),
    created: time(s.created, `${path}.created`),
    deployed: time(s.deployed, `${path}.deployed`),
    taskStartedAt: starts,
    image: string(s.image, `${path}.image`),
    containerPort: count(s.containerPort, `${path}.containerPort`, 65535),
    stopTimeout: stopTimeout(s.stopTimeout, `${path}.stopTimeout`),
    launchType: string(s.launchType, `${path}.launchType`),
    tags: tags(s.tags, `${path}.tags`),
    registry: registry && {
      namespace: string(registry.namespace, `${path}.registry.namespace`, true),
      service: string(registry.service, `${path}.registry.service`),
      ttl: count(registry.ttl, `${path}.registry.ttl`, 2_147_483_647),
      port: count(registry.port, `${path}.registry.port`, 65535),
    },
    serviceConnect: sc && {
      namespace: string(sc.namespace, `${path}.serviceConnect.namespace`, true),
      endpoints: list(sc.endpoints, `${path}.serviceConnect.endpoints`).map((e, i) =>
        string(e, `${path}.serviceConnect.endpoints[${i}]`, true),
      ),
    },
    deleted: s.deleted === true,
    ...(s.arnFormat === 'short' ? { arnFormat: 'short' as const } : {}),
  };
}
