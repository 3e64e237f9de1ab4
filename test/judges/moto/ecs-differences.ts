/**
 * ECS behaviours where moto differs from AWS, read through the SDK for the differential test's by-name assertions
 * (sandbox/README.md, "Where moto differs from AWS").
 */
import { ECSClient, CreateServiceCommand, ListServicesCommand, ListTasksCommand } from '@aws-sdk/client-ecs';
import { motoNetwork } from './backends.js';
import { CLUSTER } from './scenario.js';

function client(endpoint: string, region: string): ECSClient {
  return new ECSClient({ endpoint, region, credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
}

/** The names of the services ECS ListServices answers for the scenario's cluster. */
export async function listedServiceNames(endpoint: string, region: string): Promise<string[]> {
  const ecs = client(endpoint, region);
  try {
    return ((await ecs.send(new ListServicesCommand({ cluster: CLUSTER }))).serviceArns ?? [])
      .map((arn) => arn.split('/').pop()!)
      .sort();
  } finally {
    ecs.destroy();
  }
}

/** Creates FARGATE service `serviceName` of `app` on moto with `input`'s fields; answers it as CreateService does. */
async function createMotoService(motoUrl: string, region: string, serviceName: string, input: Record<string, unknown>) {
  const ecs = client(motoUrl, region);
  try {
    const { subnet, securityGroup } = await motoNetwork(motoUrl);
    return (
      await ecs.send(
        new CreateServiceCommand({
          cluster: CLUSTER,
          serviceName,
          taskDefinition: 'app',
          launchType: 'FARGATE',
          networkConfiguration: { awsvpcConfiguration: { subnets: [subnet], securityGroups: [securityGroup] } },
          ...input,
        }),
      )
    ).service!;
  } finally {
    ecs.destroy();
  }
}

/** The cluster's task ARNs before and after CreateService of a service wanting two tasks (moto). */
export async function tasksAroundCreateService(
  motoUrl: string,
  region: string,
): Promise<{ before: string[]; after: string[] }> {
  const ecs = client(motoUrl, region);
  try {
    const before = (await ecs.send(new ListTasksCommand({ cluster: CLUSTER }))).taskArns!;
    await createMotoService(motoUrl, region, 'unscheduled', { desiredCount: 2 });
    const after = (await ecs.send(new ListTasksCommand({ cluster: CLUSTER }))).taskArns!;
    return { before, after };
  } finally {
    ecs.destroy();
  }
}

/** The serviceConnectConfiguration of the first deployment of a service created with Service Connect on (moto). */
export async function serviceConnectOfNewDeployment(motoUrl: string, region: string): Promise<unknown> {
  const service = await createMotoService(motoUrl, region, 'connected', {
    desiredCount: 0,
    serviceConnectConfiguration: {
      enabled: true,
      namespace: 'shop.local',
      services: [{ portName: 'http', discoveryName: 'connected', clientAliases: [{ port: 80 }] }],
    },
  });
  return service.deployments?.[0]?.serviceConnectConfiguration;
}
