/** Applies a scenario to the emulators: namespaces, Cloud Map services and registrations, clusters, ECS services, drift. */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { AwsError } from '../core/errors.js';
import type { CloudMapPort } from '../core/ports.js';
import type { AutoScalingEmulator } from '../autoscaling/index.js';
import { ECS_DESIRED_COUNT } from '../autoscaling/index.js';
import type { EcsState } from '../ecs/models/state.js';
import type { Cluster, TaskDefinition } from '../ecs/models/model.js';
import { resolveRegistries, resolveServiceConnect } from '../ecs/models/discovery.js';
import { createService, deleteService, settle, SERVICE_DISCOVERY_TASK_LIMIT } from '../ecs/models/scheduler.js';
import { injectDrift } from '../control/drift.js';
import { parseScenario, ScenarioError, type EcsServiceSpec, type Scenario } from './schema.js';
import { resolveTime } from './time.js';
import { generateFleet } from './generate.js';

/** Reads a scenario file (YAML or JSON) or takes an already parsed document, and validates it. */
export function readScenario(source: string | object): Scenario {
  if (typeof source !== 'string') return parseScenario(source);
  let text: string;
  try {
    text = readFileSync(source, 'utf8');
  } catch (error) {
    throw new ScenarioError(`cannot read scenario file ${source}: ${(error as Error).message}`);
  }
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new ScenarioError(`scenario file ${source} is not valid YAML: ${(error as Error).message}`);
  }
  return parseScenario(document);
}

export interface LoadTarget {
  ecs: EcsState;
  cloudMap: CloudMapPort;
  /** Where services with a maxCount get their scalable target; a scenario with maxCount needs it. */
  autoScaling?: Pick<AutoScalingEmulator, 'register'>;
}

function at(value: string | undefined, fallback: number, now: number): number {
  return value === undefined ? fallback : resolveTime(value, now)!;
}

/** Runs `fn`, turning emulator errors into scenario errors that say where in the file the problem is. */
function within<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof ScenarioError) throw error;
    if (error instanceof AwsError) throw new ScenarioError(`scenario ${path}: ${error.code}: ${error.message}`);
    throw error;
  }
}

function taskDefinitionFor(ecs: EcsState, spec: EcsServiceSpec, registeredAt: number): TaskDefinition {
  const existing = ecs.findTaskDefinition(spec.name);
  if (existing) return existing;
  const port = spec.containerPort ?? 8080;
  const endpoints = spec.serviceConnect?.endpoints ?? [];
  return ecs.registerTaskDefinition({
    family: spec.name,
    containerDefinitions: [
      {
        name: 'app',
        image: spec.image ?? `public.ecr.aws/sandbox/${spec.name}:latest`,
        essential: true,
        ...(spec.stopTimeout === undefined ? {} : { stopTimeout: spec.stopTimeout }),
        portMappings: (endpoints.length ? endpoints : ['http']).map((name) => ({
          name,
          containerPort: port,
          protocol: 'tcp',
        })),
      },
    ],
    networkMode: 'awsvpc',
    cpu: '256',
    memory: '512',
    requiresCompatibilities: ['FARGATE'],
    tags: {},
    registeredAt,
  });
}

function loadService(target: LoadTarget, cluster: Cluster, spec: EcsServiceSpec, path: string, now: number): void {
  const { ecs, cloudMap } = target;
  const createdAt = at(spec.created, now - 3_600_000, now);
  const deployedAt = at(spec.deployed, createdAt, now);
  let registryArn: string | undefined;
  if (spec.registry) {
    const registry = spec.registry;
    const namespace = cloudMap.namespaceByRef(registry.namespace);
    if (!namespace)
      throw new ScenarioError(`scenario ${path}.registry.namespace: namespace ${registry.namespace} is not declared`);
    const name = registry.service ?? spec.name;
    const existing = cloudMap.services().find((s) => s.namespaceId === namespace.id && s.name === name);
    registryArn = (
      existing ??
      cloudMap.createService({
        namespaceId: namespace.id,
        name,
        dnsRecords: namespace.type === 'HTTP' ? [] : [{ Type: 'A', TTL: registry.ttl ?? 60 }],
        createdAt,
      })
    ).arn;
  }
  const serviceConnect = spec.serviceConnect;
  const starts = Array.isArray(spec.taskStartedAt)
    ? spec.taskStartedAt
    : spec.taskStartedAt === undefined
      ? []
      : [spec.taskStartedAt];
  const taskCount = spec.registry ? Math.min(spec.desiredCount, SERVICE_DISCOVERY_TASK_LIMIT) : spec.desiredCount;
  const runningSince = Array.from({ length: taskCount }, (_, i) =>
    starts.length ? resolveTime(starts[Math.min(i, starts.length - 1)], now)! : deployedAt,
  );
  const service = within(path, () =>
    createService(ecs, {
      cluster,
      name: spec.name,
      taskDefinition: taskDefinitionFor(ecs, spec, createdAt),
      desiredCount: spec.desiredCount,
      maximumPercent: spec.maximumPercent,
      launchType: spec.launchType ?? 'FARGATE',
      tags: spec.tags ?? {},
      serviceRegistries: registryArn ? resolveRegistries(ecs, [{ registryArn, port: spec.registry?.port }]) : [],
      serviceConnect: serviceConnect
        ? resolveServiceConnect(
            ecs,
            cluster,
            spec.name,
            {
              enabled: true,
              namespace: serviceConnect.namespace,
              services: (serviceConnect.endpoints ?? []).map((name) => ({
                portName: name,
                discoveryName: name,
                clientAliases: [{ port: spec.containerPort ?? 8080, dnsName: name }],
              })),
            },
            createdAt,
          )
        : undefined,
      createdAt,
      deployedAt,
      runningSince,
      ...(spec.arnFormat === 'short' ? { shortArn: true } : {}),
    }),
  );
  if (spec.maxCount !== undefined) registerScalableTarget(target, cluster, spec, path);
  if (spec.deleted) deleteService(ecs, service);
}

/**
 * maxCount is the autoscaling maximum: an Application Auto Scaling target on the service's desired count,
 * registered as a user would after creating the service (MinCapacity: the desired count, capped at the max).
 */
function registerScalableTarget(target: LoadTarget, cluster: Cluster, spec: EcsServiceSpec, path: string): void {
  if (!target.autoScaling)
    throw new ScenarioError(
      `scenario ${path}.maxCount: this sandbox has no Application Auto Scaling emulator to register it in`,
    );
  const autoScaling = target.autoScaling;
  within(`${path}.maxCount`, () =>
    autoScaling.register({
      ServiceNamespace: 'ecs',
      ResourceId: `service/${cluster.name}/${spec.name}`,
      ScalableDimension: ECS_DESIRED_COUNT,
      MinCapacity: Math.min(spec.desiredCount, spec.maxCount!),
      MaxCapacity: spec.maxCount,
    }),
  );
}

/** Loads a validated scenario into empty emulators; returns the scenario's resolve grace for the truth endpoint. */
export function loadScenario(target: LoadTarget, scenario: Scenario): void {
  const { ecs, cloudMap } = target;
  const now = ecs.now();
  ecs.quiet = true;
  try {
    scenario.namespaces.forEach((ns, i) =>
      within(
        `namespaces[${i}]`,
        () =>
          cloudMap.namespaceByRef(ns.name) ??
          cloudMap.createNamespace({
            name: ns.name,
            type: ns.type,
            createdAt: at(ns.created, now - 30 * 86_400_000, now),
            ...(ns.owner ? { owner: ns.owner } : {}),
            ...(ns.soaTtl === undefined ? {} : { soaTtl: ns.soaTtl }),
          }),
      ),
    );
    scenario.cloudMapServices.forEach((spec, i) => {
      const path = `cloudMap.services[${i}]`;
      const namespace = cloudMap.namespaceByRef(spec.namespace);
      if (!namespace)
        throw new ScenarioError(`scenario ${path}.namespace: namespace ${spec.namespace} is not declared`);
      const view = within(path, () =>
        cloudMap.createService({
          namespaceId: namespace.id,
          name: spec.name,
          dnsRecords: namespace.type === 'HTTP' ? [] : (spec.records ?? [{ Type: 'A', TTL: spec.ttl ?? 60 }]),
          tags: spec.tags,
          createdAt: at(spec.created, now - 7 * 86_400_000, now),
          ...(spec.createdByAccount ? { createdByAccount: spec.createdByAccount } : {}),
        }),
      );
      (spec.instances ?? []).forEach((instance, j) =>
        within(`${path}.instances[${j}]`, () =>
          cloudMap.registerInstance(
            view.id,
            instance.id,
            instance.attributes ?? { AWS_INSTANCE_IPV4: `10.200.0.${(j % 250) + 1}` },
            instance.registeredBy ?? 'other',
            instance.createdByAccount,
          ),
        ),
      );
    });
    scenario.clusters.forEach((spec, i) => {
      const cluster = ecs.createCluster(spec.name, { tags: spec.tags });
      (spec.services ?? []).forEach((service, j) =>
        loadService(target, cluster, service, `clusters[${i}].services[${j}]`, now),
      );
    });
    if (scenario.generate) generateFleet(target, scenario.generate, now);
    // Deleted services become INACTIVE without waiting for the drain period.
    for (const service of ecs.busy) if (service.status === 'DRAINING') service.inactiveAt = now;
    settle(ecs);
    scenario.drift.forEach((drift, i) => within(`drift[${i}]`, () => injectDrift(ecs, cloudMap, drift)));
  } finally {
    ecs.quiet = false;
  }
}
