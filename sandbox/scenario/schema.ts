/** The scenario file format (YAML or JSON) and its validation; errors name the path of the bad value. */
import { durationMs } from './time.js';
import { accountId, count, fail, known, list, object, string, tags, time } from './fields.js';
import { service } from './service-spec.js';

export { ScenarioError } from './fields.js';

export interface NamespaceSpec {
  name: string;
  /** DNS_PRIVATE (default) or HTTP. */
  type: 'DNS_PRIVATE' | 'HTTP';
  created?: string;
  /** The account that owns the namespace and shares it with the sandbox's account (AWS RAM); default: ours. */
  owner?: string;
  /** SOA TTL (negative caching) of a DNS namespace, seconds; default 15. */
  soaTtl?: number;
}

export interface RegistrySpec {
  namespace: string;
  /** Cloud Map service name; created with an A record when missing. Default: the ECS service name. */
  service?: string;
  ttl?: number;
  port?: number;
}

export interface ServiceConnectSpec {
  namespace: string;
  /** Discovery names this service provides; empty or omitted = client only. */
  endpoints?: string[];
}

export interface EcsServiceSpec {
  name: string;
  desiredCount: number;
  /** Autoscaling maximum: registers an Application Auto Scaling target (MaxCapacity) on the service. */
  maxCount?: number;
  /** deploymentConfiguration.maximumPercent (default 200). */
  maximumPercent?: number;
  created?: string;
  /** When the current deployment was created (default: created). */
  deployed?: string;
  /** One time for every task, or one per task (the last repeats); default: deployed. */
  taskStartedAt?: string | string[];
  image?: string;
  containerPort?: number;
  /** The container's stopTimeout in seconds (Fargate 2 to 120); unset: ECS's default, 30 s. */
  stopTimeout?: number;
  launchType?: string;
  tags?: Record<string, string>;
  registry?: RegistrySpec;
  serviceConnect?: ServiceConnectSpec;
  /** true: created, then deleted with DeleteService (its Cloud Map service stays behind). */
  deleted?: boolean;
  /**
   * short: the old ARN format `service/NAME` (no cluster), which services created before their account opted in
   * to the long format keep; default long (`service/CLUSTER/NAME`).
   */
  arnFormat?: 'long' | 'short';
}

export interface ClusterSpec {
  name: string;
  tags?: Record<string, string>;
  services?: EcsServiceSpec[];
}

export interface InstanceSpec {
  id: string;
  /** other (default): an EC2/Lambda/manual registration; ecs: looks like ECS registered it. */
  registeredBy?: 'ecs' | 'other';
  attributes?: Record<string, string>;
  /** The account that registered it (a namespace shared with the sandbox's account); default: ours. */
  createdByAccount?: string;
}

export interface CloudMapServiceSpec {
  namespace: string;
  name: string;
  /** The account that created it (a namespace shared with the sandbox's account); default: ours. */
  createdByAccount?: string;
  /** TTL of an A record (DNS namespaces); default 60. */
  ttl?: number;
  records?: { Type: string; TTL: number }[];
  created?: string;
  tags?: Record<string, string>;
  instances?: InstanceSpec[];
}

export interface DriftSpec {
  kind: 'stale-instance' | 'ttl' | 'failed-registration' | 'ttl-exceeds-drain' | 'namespace-soa-ttl';
  serviceId?: string;
  namespace?: string;
  cloudMapService?: string;
  cluster?: string;
  ecsService?: string;
  ttl?: number;
}

export interface GenerateSpec {
  clusters: number;
  servicesPerCluster: number;
  tasksPerService: number;
  /** Cloud Map services in `namespace`; the first ones back ECS services' registries one to one, the rest are orphans. */
  cloudMapServices: number;
  namespace?: string;
  /** Cluster name prefix (default "bench"). */
  prefix?: string;
}

export interface Scenario {
  name?: string;
  description?: string;
  account?: string;
  region?: string;
  /** Milliseconds subtracted from an endpoint's appearance before a task counts as unable to resolve it. */
  resolveGraceMs: number;
  namespaces: NamespaceSpec[];
  clusters: ClusterSpec[];
  cloudMapServices: CloudMapServiceSpec[];
  drift: DriftSpec[];
  generate?: GenerateSpec;
}

/** Validates a parsed scenario document and fills in defaults. */
export function parseScenario(document: unknown): Scenario {
  const doc = object(document ?? {}, '(root)');
  known(
    doc,
    [
      'name',
      'description',
      'account',
      'region',
      'resolveGrace',
      'namespaces',
      'clusters',
      'cloudMap',
      'drift',
      'generate',
    ],
    '(root)',
  );
  const grace = string(doc.resolveGrace, 'resolveGrace') ?? '0s';
  const resolveGraceMs = durationMs(grace);
  if (resolveGraceMs === undefined) fail('resolveGrace', `"${grace}" is not a duration such as 0s or 5h`);
  const account = string(doc.account === undefined ? undefined : String(doc.account), 'account');
  if (account !== undefined && !/^\d{12}$/.test(account)) fail('account', 'must be 12 digits');
  const cloudMap = doc.cloudMap === undefined ? {} : object(doc.cloudMap, 'cloudMap');
  let generate: GenerateSpec | undefined;
  if (doc.generate !== undefined) {
    const g = object(doc.generate, 'generate');
    known(
      g,
      ['clusters', 'servicesPerCluster', 'tasksPerService', 'cloudMapServices', 'namespace', 'prefix'],
      'generate',
    );
    generate = {
      clusters: count(g.clusters, 'generate.clusters', 1000) ?? 1,
      servicesPerCluster: count(g.servicesPerCluster, 'generate.servicesPerCluster', 100_000) ?? 10,
      tasksPerService: count(g.tasksPerService, 'generate.tasksPerService', 1000) ?? 1,
      cloudMapServices: count(g.cloudMapServices, 'generate.cloudMapServices', 100_000) ?? 0,
      namespace: string(g.namespace, 'generate.namespace'),
      prefix: string(g.prefix, 'generate.prefix'),
    };
  }
  return {
    name: string(doc.name, 'name'),
    description: string(doc.description, 'description'),
    account,
    region: string(doc.region, 'region'),
    resolveGraceMs,
    namespaces: list(doc.namespaces, 'namespaces').map((value, i) => {
      const path = `namespaces[${i}]`;
      const n = object(value, path);
      known(n, ['name', 'type', 'created', 'owner', 'soaTtl'], path);
      const type = string(n.type, `${path}.type`) ?? 'DNS_PRIVATE';
      if (type !== 'DNS_PRIVATE' && type !== 'HTTP') fail(`${path}.type`, 'must be DNS_PRIVATE or HTTP');
      const owner = accountId(n.owner, `${path}.owner`);
      const soaTtl = count(n.soaTtl, `${path}.soaTtl`, 2_147_483_647);
      if (soaTtl !== undefined && type === 'HTTP') fail(`${path}.soaTtl`, 'HTTP namespaces have no SOA record');
      return {
        name: string(n.name, `${path}.name`, true),
        type,
        created: time(n.created, `${path}.created`),
        ...(owner ? { owner } : {}),
        ...(soaTtl === undefined ? {} : { soaTtl }),
      };
    }),
    clusters: list(doc.clusters, 'clusters').map((value, i) => {
      const path = `clusters[${i}]`;
      const c = object(value, path);
      known(c, ['name', 'tags', 'services'], path);
      return {
        name: string(c.name, `${path}.name`, true),
        tags: tags(c.tags, `${path}.tags`),
        services: list(c.services, `${path}.services`).map((s, j) => service(s, `${path}.services[${j}]`)),
      };
    }),
    cloudMapServices: list(cloudMap.services, 'cloudMap.services').map((value, i) => {
      const path = `cloudMap.services[${i}]`;
      const s = object(value, path);
      known(s, ['namespace', 'name', 'ttl', 'records', 'created', 'tags', 'instances', 'createdByAccount'], path);
      const createdByAccount = accountId(s.createdByAccount, `${path}.createdByAccount`);
      return {
        ...(createdByAccount ? { createdByAccount } : {}),
        namespace: string(s.namespace, `${path}.namespace`, true),
        name: string(s.name, `${path}.name`, true),
        ttl: count(s.ttl, `${path}.ttl`, 2_147_483_647),
        records:
          s.records === undefined
            ? undefined
            : list(s.records, `${path}.records`).map((r, j) => {
                const rec = object(r, `${path}.records[${j}]`);
                return {
                  Type: string(rec.Type, `${path}.records[${j}].Type`, true),
                  TTL: count(rec.TTL, `${path}.records[${j}].TTL`, 2_147_483_647) ?? 60,
                };
              }),
        created: time(s.created, `${path}.created`),
        tags: tags(s.tags, `${path}.tags`),
        instances: list(s.instances, `${path}.instances`).map((inst, j) => {
          const ip = `${path}.instances[${j}]`;
          const o = object(inst, ip);
          known(o, ['id', 'registeredBy', 'attributes', 'createdByAccount'], ip);
          const by = string(o.registeredBy, `${ip}.registeredBy`) ?? 'other';
          if (by !== 'ecs' && by !== 'other') fail(`${ip}.registeredBy`, 'must be ecs or other');
          const createdBy = accountId(o.createdByAccount, `${ip}.createdByAccount`);
          return {
            id: string(o.id, `${ip}.id`, true),
            registeredBy: by,
            attributes: tags(o.attributes, `${ip}.attributes`),
            ...(createdBy ? { createdByAccount: createdBy } : {}),
          };
        }),
      };
    }),
    drift: list(doc.drift, 'drift').map((value, i) => {
      const path = `drift[${i}]`;
      const d = object(value, path);
      known(d, ['kind', 'serviceId', 'namespace', 'cloudMapService', 'cluster', 'ecsService', 'ttl'], path);
      const kind = string(d.kind, `${path}.kind`, true);
      const kinds = ['stale-instance', 'ttl', 'failed-registration', 'ttl-exceeds-drain', 'namespace-soa-ttl'];
      if (!kinds.includes(kind)) fail(`${path}.kind`, `must be one of ${kinds.join(', ')}`);
      return {
        kind: kind as DriftSpec['kind'],
        serviceId: string(d.serviceId, `${path}.serviceId`),
        namespace: string(d.namespace, `${path}.namespace`),
        cloudMapService: string(d.cloudMapService, `${path}.cloudMapService`),
        cluster: string(d.cluster, `${path}.cluster`),
        ecsService: string(d.ecsService, `${path}.ecsService`),
        ttl: count(d.ttl, `${path}.ttl`, 2_147_483_647),
      };
    }),
    generate,
  };
}
