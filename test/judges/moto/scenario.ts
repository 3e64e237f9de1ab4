/**
 * One fleet, built through the real AWS SDK clients, on either backend: a private and a public DNS namespace whose
 * SOA TTLs (negative caching) are too long, Cloud Map services
 * with DNS TTLs, ECS services whose serviceRegistries point at them, their tasks with the ECS attributes on their
 * instances, a stale instance, an unreferenced service, a manual (non-ECS) registration and a scalable target.
 *
 * Only how tasks come to exist differs, because moto does not model the ECS scheduler: the sandbox's scheduler
 * starts each service's tasks and registers them in Cloud Map as ECS does; on moto the builder does what the
 * scheduler would (RunTask with the service's group and deployment as startedBy, then RegisterInstance with the
 * task id and the ECS attributes).
 */
import {
  ECSClient,
  CreateClusterCommand,
  CreateServiceCommand,
  DeleteServiceCommand,
  DescribeServicesCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
} from '@aws-sdk/client-ecs';
import {
  ServiceDiscoveryClient,
  CreatePrivateDnsNamespaceCommand,
  CreatePublicDnsNamespaceCommand,
  CreateServiceCommand as CreateCloudMapServiceCommand,
  GetOperationCommand,
  RegisterInstanceCommand,
} from '@aws-sdk/client-servicediscovery';
import { ApplicationAutoScalingClient, RegisterScalableTargetCommand } from '@aws-sdk/client-application-auto-scaling';

export const NAMESPACE = 'shop.local';
/** A public DNS namespace without services: namespaceSoa's UpdatePublicDnsNamespace path. */
export const PUBLIC_NAMESPACE = 'shop.example.com';
/**
 * The SOA TTL each namespace is created with, both above namespaceSoa's max (60 s). Set explicitly: moto stores no
 * SOA for a namespace created without Properties, the sandbox reports its default (sandbox/README.md).
 */
export const SOA_TTLS: Record<string, number> = { [NAMESPACE]: 300, [PUBLIC_NAMESPACE]: 120 };
export const CLUSTER = 'prod';
/** The instance of a task that is long gone (ECS attributes, no such task). Same id on both backends. */
export const STALE_INSTANCE = '0123456789abcdef0123456789abcdef';

/** Cloud Map services: TTL, and the ECS service that uses it as its registry (none: unreferenced). */
export const CLOUD_MAP_SERVICES: Record<string, { ttl: number; ecsService?: string; tags?: Record<string, string> }> = {
  web: { ttl: 60, ecsService: 'web' },
  api: { ttl: 10, ecsService: 'api' },
  ledger: { ttl: 300, ecsService: 'ledger' },
  reports: { ttl: 10 },
  manual: { ttl: 10 },
  batch: { ttl: 10, ecsService: 'batch' },
  // Unreferenced but never to be deleted: protected by tag, and one that looks Service Connect-created.
  legacy: { ttl: 60, tags: { 'discovery-controller/protect': 'true' } },
  'sc-endpoint': { ttl: 10, tags: { AmazonECSManaged: 'true' } },
};

/** The app container's stopTimeout (Fargate: 2 to 120 s): minus drainMargin (5 s), a drain bound below max (10 s). */
export const STOP_TIMEOUT_SECONDS = 12;

/** ECS services the builder deletes (DeleteService), leaving their Cloud Map service behind as ECS does. */
export const DELETED_SERVICES = ['batch'];

export const POLICY = `apiVersion: ecs-discovery.io/v1alpha1
kind: DiscoveryPolicy
metadata:
  name: differential
spec:
  mode: enforce
  target:
    clusters: [${CLUSTER}]
    namespaces: [${NAMESPACE}]
  rules:
    cloudMapOrphans: { gracePeriod: 0s, maxDeletionsPerRun: 20 }
    dnsTtl: { max: 10s, set: 10s, drainBound: enforce }
    taskLimit: { warnAt: 900 }
    namespaceSoa: { max: 60s, set: 15s }
`;

export interface Backend {
  name: 'sandbox' | 'moto';
  endpoint: string;
  region: string;
  /** awsvpcConfiguration ids (moto checks them against its EC2; the sandbox has no EC2). */
  network: { subnet: string; securityGroup: string };
  /** Lets time pass on the backend so scheduled tasks run (the sandbox's virtual clock). */
  settle?: () => void;
}

const credentials = { accessKeyId: 'judge', secretAccessKey: 'judge' };

/** Builds the fleet; the same SDK calls on both backends except the scheduler's work on moto (see above). */
export async function buildScenario(backend: Backend): Promise<void> {
  const config = { endpoint: backend.endpoint, region: backend.region, credentials, maxAttempts: 1 };
  const ecs = new ECSClient(config);
  const cloudMap = new ServiceDiscoveryClient(config);
  const scaling = new ApplicationAutoScalingClient(config);
  try {
    const soa = (name: string) => ({ DnsProperties: { SOA: { TTL: SOA_TTLS[name] } } });
    const { OperationId } = await cloudMap.send(
      new CreatePrivateDnsNamespaceCommand({
        Name: NAMESPACE,
        Vpc: 'vpc-0123456789abcdef0',
        Properties: soa(NAMESPACE),
      }),
    );
    const namespaceId = (await cloudMap.send(new GetOperationCommand({ OperationId }))).Operation!.Targets!.NAMESPACE!;
    await cloudMap.send(
      new CreatePublicDnsNamespaceCommand({ Name: PUBLIC_NAMESPACE, Properties: soa(PUBLIC_NAMESPACE) }),
    );
    const registries: Record<string, string> = {};
    const ids: Record<string, string> = {};
    for (const [name, { ttl, tags }] of Object.entries(CLOUD_MAP_SERVICES)) {
      const { Service } = await cloudMap.send(
        new CreateCloudMapServiceCommand({
          Name: name,
          NamespaceId: namespaceId,
          DnsConfig: { RoutingPolicy: 'MULTIVALUE', DnsRecords: [{ Type: 'A', TTL: ttl }] },
          ...(tags ? { Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) } : {}),
        }),
      );
      registries[name] = Service!.Arn!;
      ids[name] = Service!.Id!;
    }
    await ecs.send(new CreateClusterCommand({ clusterName: CLUSTER }));
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'app',
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '512',
        // Container memory too: moto's RunTask fails (HTTP 500) without it, although AWS takes the task's.
        containerDefinitions: [
          {
            name: 'app',
            image: 'public.ecr.aws/judge/app:1',
            essential: true,
            memory: 512,
            portMappings: [{ containerPort: 8080 }],
            // dnsTtl's drain bound: tasks are killed 12 s after ECS deregisters them; minus drainMargin (5 s), 7 s.
            stopTimeout: STOP_TIMEOUT_SECONDS,
          },
        ],
      }),
    );
    const networkConfiguration = {
      awsvpcConfiguration: { subnets: [backend.network.subnet], securityGroups: [backend.network.securityGroup] },
    };
    for (const [registry, { ecsService }] of Object.entries(CLOUD_MAP_SERVICES)) {
      if (!ecsService) continue;
      await ecs.send(
        new CreateServiceCommand({
          cluster: CLUSTER,
          serviceName: ecsService,
          taskDefinition: 'app',
          desiredCount: DELETED_SERVICES.includes(ecsService) ? 0 : 1,
          launchType: 'FARGATE',
          networkConfiguration,
          serviceRegistries: [{ registryArn: registries[registry] }],
        }),
      );
    }
    if (backend.name === 'moto') {
      // The scheduler's work, which moto does not do: one task per service, registered under its task id.
      const { services } = await ecs.send(
        new DescribeServicesCommand({ cluster: CLUSTER, services: ['web', 'api', 'ledger'] }),
      );
      for (const service of services!) {
        const { tasks } = await ecs.send(
          new RunTaskCommand({
            cluster: CLUSTER,
            taskDefinition: 'app',
            count: 1,
            launchType: 'FARGATE',
            group: `service:${service.serviceName}`,
            startedBy: service.deployments![0].id,
            networkConfiguration,
          }),
        );
        const taskId = tasks![0].taskArn!.split('/').pop()!;
        await cloudMap.send(
          new RegisterInstanceCommand({
            ServiceId: ids[service.serviceName!],
            InstanceId: taskId,
            Attributes: ecsAttributes(service.serviceName!, '10.20.4.10', backend.region),
          }),
        );
      }
    }
    for (const service of DELETED_SERVICES)
      await ecs.send(new DeleteServiceCommand({ cluster: CLUSTER, service, force: true }));
    backend.settle?.();
    await cloudMap.send(
      new RegisterInstanceCommand({
        ServiceId: ids.ledger,
        InstanceId: STALE_INSTANCE,
        Attributes: ecsAttributes('ledger', '10.20.4.99', backend.region),
      }),
    );
    await cloudMap.send(
      new RegisterInstanceCommand({
        ServiceId: ids.manual,
        InstanceId: 'i-0a1b2c3d4e5f60718',
        Attributes: { AWS_INSTANCE_IPV4: '10.20.9.9' },
      }),
    );
    await scaling.send(
      new RegisterScalableTargetCommand({
        ServiceNamespace: 'ecs',
        ResourceId: `service/${CLUSTER}/api`,
        ScalableDimension: 'ecs:service:DesiredCount',
        MinCapacity: 1,
        MaxCapacity: 950,
      }),
    );
  } finally {
    ecs.destroy();
    cloudMap.destroy();
    scaling.destroy();
  }
}

/** The attributes ECS writes on a task's Cloud Map instance (as the sandbox's scheduler does). */
function ecsAttributes(service: string, ip: string, region: string): Record<string, string> {
  return {
    AWS_INSTANCE_IPV4: ip,
    AVAILABILITY_ZONE: `${region}a`,
    AWS_INIT_HEALTH_STATUS: 'HEALTHY',
    REGION: region,
    ECS_CLUSTER_NAME: CLUSTER,
    ECS_SERVICE_NAME: service,
    ECS_TASK_DEFINITION_FAMILY: 'app',
    AWS_INSTANCE_PORT: '8080',
  };
}
