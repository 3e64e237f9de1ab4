/** The stubbed SDK clients (aws-sdk-client-mock) the inventory reader's error-path and call-shape tests share. */
import { mockClient } from 'aws-sdk-client-mock';
import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ListClustersCommand,
  ListServicesCommand,
  ListTasksCommand,
} from '@aws-sdk/client-ecs';
import {
  ListInstancesCommand,
  ListNamespacesCommand,
  ListServicesCommand as ListCloudMapServicesCommand,
  ListTagsForResourceCommand,
} from '@aws-sdk/client-servicediscovery';
import { DescribeScalableTargetsCommand } from '@aws-sdk/client-application-auto-scaling';
import { createAwsClients, type AwsClients } from '../../controller/aws/clients.js';
import { cloudMapServicesNeedingTags } from '../../controller/rules/tag-candidates.js';

/** As plan and run read: tags only for the services a finding would act on. */
export const CANDIDATE_TAGS = { tagCandidates: cloudMapServicesNeedingTags };

export const ACCOUNT = '111122223333';
export const clusterArn = (name: string) => `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/${name}`;
export const serviceArn = (cluster: string, name: string) =>
  `arn:aws:ecs:us-east-1:${ACCOUNT}:service/${cluster}/${name}`;

let clients: AwsClients | undefined;

/** Destroys the clients of the last setup() (register with afterEach). */
export function teardown(): void {
  clients?.destroy();
  clients = undefined;
}

/** Clients whose ECS, Cloud Map and scaling calls are stubbed with an empty fleet; each test stubs what it is about. */
export function setup() {
  clients = createAwsClients({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9' });
  const ecs = mockClient(clients.ecs);
  const sd = mockClient(clients.serviceDiscovery);
  const scaling = mockClient(clients.autoScaling);
  scaling.on(DescribeScalableTargetsCommand).resolves({ ScalableTargets: [] });
  ecs.on(ListClustersCommand).resolves({ clusterArns: [] });
  ecs.on(ListServicesCommand).resolves({ serviceArns: [] });
  ecs.on(ListTasksCommand).resolves({ taskArns: [] });
  ecs.on(DescribeServicesCommand).callsFake((input) => ({
    services: input.services.map((arn: string) => ({
      serviceArn: arn,
      serviceName: arn.split('/').pop(),
      clusterArn: input.cluster,
      status: 'ACTIVE',
    })),
    failures: [],
  }));
  ecs.on(DescribeTasksCommand).resolves({ tasks: [], failures: [] });
  sd.on(ListNamespacesCommand).resolves({ Namespaces: [] });
  sd.on(ListCloudMapServicesCommand).resolves({ Services: [] });
  sd.on(ListInstancesCommand).resolves({ Instances: [] });
  sd.on(ListTagsForResourceCommand).resolves({ Tags: [] });
  return { clients, ecs, sd, scaling };
}
