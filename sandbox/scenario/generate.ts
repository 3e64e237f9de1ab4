/** Bulk fleets for benchmarks: `generate: { clusters, servicesPerCluster, tasksPerService, cloudMapServices }`. */
import type { GenerateSpec } from './schema.js';
import type { LoadTarget } from './load.js';
import { createService } from '../ecs/models/scheduler.js';

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** Creates the fleet directly in the emulators (no API calls, no events): tasks RUNNING, deployments COMPLETED. */
export function generateFleet(target: LoadTarget, spec: GenerateSpec, now: number): void {
  const { ecs, cloudMap } = target;
  const namespaceName = spec.namespace ?? 'bench.local';
  const namespace =
    cloudMap.namespaceByRef(namespaceName) ??
    cloudMap.createNamespace({ name: namespaceName, type: 'DNS_PRIVATE', createdAt: now - 30 * 86_400_000 });
  const createdAt = now - 86_400_000;
  const registries = Array.from({ length: spec.cloudMapServices }, (_, i) =>
    cloudMap.createService({
      namespaceId: namespace.id,
      name: `cm-${pad(i + 1, 5)}`,
      dnsRecords: [{ Type: 'A', TTL: 10 }],
      createdAt,
    }),
  );
  const taskDefinition =
    ecs.findTaskDefinition('bench-app') ??
    ecs.registerTaskDefinition({
      family: 'bench-app',
      containerDefinitions: [
        {
          name: 'app',
          image: 'public.ecr.aws/sandbox/bench-app:latest',
          essential: true,
          portMappings: [{ name: 'http', containerPort: 8080 }],
        },
      ],
      networkMode: 'awsvpc',
      cpu: '256',
      memory: '512',
      requiresCompatibilities: ['FARGATE'],
      tags: {},
      registeredAt: createdAt,
    });
  const startedAt = Array.from({ length: spec.tasksPerService }, () => createdAt + 60_000);
  let next = 0;
  for (let c = 1; c <= spec.clusters; c++) {
    const cluster = ecs.createCluster(`${spec.prefix ?? 'bench'}-${pad(c, 3)}`);
    for (let s = 1; s <= spec.servicesPerCluster; s++) {
      const registry = registries[next++];
      createService(ecs, {
        cluster,
        name: `svc-${pad(s, 5)}`,
        taskDefinition,
        desiredCount: spec.tasksPerService,
        launchType: 'FARGATE',
        tags: { generated: 'true' },
        serviceRegistries: registry
          ? [{ registryArn: registry.arn, cloudMapServiceId: registry.id, containerPort: 8080 }]
          : [],
        createdAt,
        runningSince: startedAt,
      });
    }
  }
}
