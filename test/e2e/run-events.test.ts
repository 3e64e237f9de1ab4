import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateServiceCommand, DescribeServicesCommand, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { eventually, startHarness, type Harness } from './run-harness.js';

/** Two Service Connect services that can reach each other: nothing to do until a new endpoint joins. */
const QUIET_FLEET = {
  name: 'run-events',
  resolveGrace: '0s',
  namespaces: [{ name: 'shop.local', type: 'HTTP', created: '-30d' }],
  clusters: [
    {
      name: 'prod',
      services: [
        { name: 'web', desiredCount: 2, created: '-9h', serviceConnect: { namespace: 'shop.local' } },
        {
          name: 'orders',
          desiredCount: 1,
          created: '-9h',
          serviceConnect: { namespace: 'shop.local', endpoints: ['orders'] },
        },
      ],
    },
  ],
};

describe('run: event-driven reconcile', () => {
  let h: Harness;
  before(async () => {
    // Hourly resync, and the test never fires it: only events can cause the fix below.
    h = await startHarness({ mode: 'enforce', scenario: QUIET_FLEET, resync: '0 * * * *' });
    await h.settle();
  });
  after(async () => {
    await h?.close();
  });

  it('starts with nothing to fix', () => {
    assert.deepEqual(h.sandbox.truth().brokenPairs, []);
    assert.equal(h.controller.plan()?.actions.length, 0);
  });

  it('redeploys a client as soon as a new endpoint finished deploying, without waiting for the resync', async () => {
    const { ecs } = h.clients;
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'recommendations',
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '512',
        containerDefinitions: [
          {
            name: 'app',
            image: 'public.ecr.aws/sandbox/recommendations:latest',
            essential: true,
            portMappings: [{ name: 'recommendations', containerPort: 8080 }],
          },
        ],
      }),
    );
    await ecs.send(
      new CreateServiceCommand({
        cluster: 'prod',
        serviceName: 'recommendations',
        taskDefinition: 'recommendations',
        desiredCount: 1,
        launchType: 'FARGATE',
        networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
        serviceConnectConfiguration: {
          enabled: true,
          namespace: 'shop.local',
          services: [{ portName: 'recommendations' }],
        },
      }),
    );
    assert.ok(h.sandbox.truth().brokenPairs.some((p) => p.client === 'web' && p.endpoint === 'recommendations'));

    const web = await eventually(
      async () => (await ecs.send(new DescribeServicesCommand({ cluster: 'prod', services: ['web'] }))).services![0],
      (service) =>
        (service.deployments ?? []).some(
          (d) => d.status === 'PRIMARY' && (d.createdAt?.getTime() ?? 0) > Date.now() - 60 * 60_000,
        ),
      'a fresh deployment of web',
    );
    assert.ok(web.deployments!.length >= 1);
    const metrics = (await h.metrics.exposition()).body;
    assert.match(metrics, /ecs_discovery_events_received_total\{detail_type="ECS Deployment State Change"\} [1-9]/);
    assert.match(metrics, /ecs_discovery_event_to_action_seconds_count [1-9]/);
    const fixed = await eventually(
      () => h.sandbox.truth(),
      (truth) => truth.brokenPairs.length === 0,
      'web to run only tasks started after recommendations joined',
    );
    assert.deepEqual(fixed.wronglyDeleted, []);
  });
});
