/**
 * ContainerDefinition.stopTimeout (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerDefinition.html):
 * "For tasks that use the Fargate launch type, the max stop timeout value is 120 seconds and if the parameter is not
 * specified, the default value of 30 seconds is used. [...] The valid values for Fargate are 2-120 seconds."
 * Real SDK over HTTP to the sandbox.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ClientException,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  InvalidParameterException,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  StopTaskCommand,
} from '@aws-sdk/client-ecs';
import { startEcsFixture, type EcsFixture } from './ecs-fixture.js';

const STOP_DELAY_MS = 3_000;
const scenario = {
  name: 'stop-timeout',
  namespaces: [{ name: 'internal.local', type: 'DNS_PRIVATE', created: '-30d' }],
  clusters: [
    {
      name: 'prod',
      services: [
        {
          name: 'slow',
          desiredCount: 1,
          created: '-2d',
          stopTimeout: 60,
          registry: { namespace: 'internal.local', ttl: 10 },
        },
        { name: 'plain', desiredCount: 1, created: '-2d', registry: { namespace: 'internal.local', ttl: 10 } },
      ],
    },
  ],
};

let f: EcsFixture;
before(async () => {
  f = await startEcsFixture({ scenario, taskStopDelayMs: STOP_DELAY_MS });
});
after(() => f.close());

const container = (stopTimeout?: unknown) => ({
  name: 'app',
  image: 'nginx:latest',
  ...(stopTimeout === undefined ? {} : { stopTimeout: stopTimeout as number }),
});
const register = (stopTimeout: unknown, requiresCompatibilities: ('FARGATE' | 'EC2')[] = ['FARGATE']) =>
  f.ecs.send(
    new RegisterTaskDefinitionCommand({
      family: 'timeouts',
      requiresCompatibilities,
      cpu: '256',
      memory: '512',
      networkMode: 'awsvpc',
      containerDefinitions: [container(stopTimeout)],
    }),
  );

async function taskOf(service: string): Promise<string> {
  const { taskArns } = await f.ecs.send(new ListTasksCommand({ cluster: 'prod', serviceName: service }));
  return taskArns![0];
}
const status = async (arn: string) =>
  (await f.ecs.send(new DescribeTasksCommand({ cluster: 'prod', tasks: [arn] }))).tasks![0].lastStatus;

describe('ECS container stopTimeout', () => {
  test('RegisterTaskDefinition and DescribeTaskDefinition return the stopTimeout given; none is returned when unset', async () => {
    const registered = await register(45);
    assert.equal(registered.taskDefinition!.containerDefinitions![0].stopTimeout, 45);
    const described = await f.ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: registered.taskDefinition!.taskDefinitionArn }),
    );
    assert.equal(described.taskDefinition!.containerDefinitions![0].stopTimeout, 45);
    const unset = await register(undefined);
    assert.equal(unset.taskDefinition!.containerDefinitions![0].stopTimeout, undefined);
  });

  test('Fargate accepts 2 to 120 seconds; EC2 takes longer timeouts; a fraction is refused', async () => {
    for (const seconds of [2, 120]) await register(seconds);
    for (const seconds of [1, 121]) await assert.rejects(register(seconds), ClientException, `${seconds} s on Fargate`);
    assert.equal((await register(300, ['EC2'])).taskDefinition!.containerDefinitions![0].stopTimeout, 300);
    await assert.rejects(register(2.5), InvalidParameterException);
  });

  test('a stopping task stays STOPPING for its stopTimeout after ECS deregistered it', async () => {
    const arn = await taskOf('slow');
    const id = arn.split('/').pop()!;
    const registered = () =>
      f.sandbox.cloudMap.services().some((s) => f.sandbox.cloudMap.instances(s.id).some((i) => i.id === id));
    await f.ecs.send(new StopTaskCommand({ cluster: 'prod', task: arn, reason: 'scale-in' }));
    assert.equal(await status(arn), 'DEACTIVATING');
    f.sandbox.advance(STOP_DELAY_MS / 3 + 1);
    assert.equal(await status(arn), 'STOPPING');
    assert.ok(!registered(), 'deregistered before SIGTERM');
    f.sandbox.advance(59_000);
    assert.equal(await status(arn), 'STOPPING', 'still within its 60 s stopTimeout');
    f.sandbox.advance(1_000);
    assert.equal(await status(arn), 'DEPROVISIONING');
    f.sandbox.advance(STOP_DELAY_MS / 3);
    assert.equal(await status(arn), 'STOPPED');
  });

  test('without a stopTimeout the stop delay is split evenly, as before', async () => {
    const arn = await taskOf('plain');
    await f.ecs.send(new StopTaskCommand({ cluster: 'prod', task: arn, reason: 'scale-in' }));
    f.sandbox.advance(STOP_DELAY_MS / 3 + 1);
    assert.equal(await status(arn), 'STOPPING');
    f.sandbox.advance(STOP_DELAY_MS / 3);
    assert.equal(await status(arn), 'DEPROVISIONING');
    f.sandbox.advance(STOP_DELAY_MS / 3);
    assert.equal(await status(arn), 'STOPPED');
  });
});
