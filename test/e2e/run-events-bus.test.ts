/**
 * The controller's own events (--events-bus) end to end: the run-e2e fleet with every drift kind, a user's
 * EventBridge rule sending everything with source ecs-discovery-controller to a queue, and an enforce run.
 * The queue gets drift detected, actions executed, and drift resolved, each valid against the published schema.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { startHarness, type Harness } from './run-harness.js';
import { waitFor } from '../support/wait.js';

const validate = new Ajv({ strict: false }).compile(
  JSON.parse(readFileSync(new URL('../../docs/discovery-events.schema.json', import.meta.url), 'utf8')),
);

describe('controller events on EventBridge', () => {
  let h: Harness;
  let queueUrl: string;
  const received: any[] = [];
  const drain = async () => {
    for (;;) {
      const { Messages } = await h.clients.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
      );
      if (!Messages?.length) return received;
      received.push(...Messages.map((m) => JSON.parse(m.Body!)));
    }
  };
  before(async () => {
    h = await startHarness({ mode: 'enforce', gracePeriod: '0s', start: false, eventsBus: 'default' });
    queueUrl = (await h.clients.sqs.send(new CreateQueueCommand({ QueueName: 'discovery-notifications' }))).QueueUrl!;
    const { Attributes } = await h.clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
    );
    await h.clients.eventBridge.send(
      new PutRuleCommand({
        Name: 'discovery-notifications',
        EventPattern: JSON.stringify({ source: ['ecs-discovery-controller'] }),
      }),
    );
    await h.clients.eventBridge.send(
      new PutTargetsCommand({
        Rule: 'discovery-notifications',
        Targets: [{ Id: 'queue', Arn: Attributes!.QueueArn! }],
      }),
    );
  });
  after(async () => {
    await h?.close();
  });

  it('publishes drift detected, actions executed and drift resolved, each matching the schema', async () => {
    await h.controller.runOnce();
    await h.controller.runOnce();
    await h.announcer!.flush();
    const events = await waitFor(
      async () => {
        const all = await drain();
        const executed = all.some((e) => e['detail-type'] === 'Discovery Action' && e.detail.outcome === 'executed');
        const detected = all.some((e) => e['detail-type'] === 'Discovery Drift' && e.detail.state === 'detected');
        const resolved = all.some((e) => e['detail-type'] === 'Discovery Drift' && e.detail.state === 'resolved');
        return executed && detected && resolved && all;
      },
      { what: 'detected, executed and resolved events on the queue', timeoutMs: 30_000 },
    );
    for (const event of events) {
      assert.equal(event.source, 'ecs-discovery-controller');
      assert.ok(
        validate(event.detail),
        `${event['detail-type']}: ${JSON.stringify(validate.errors)} in ${JSON.stringify(event.detail)}`,
      );
    }
    // Every executed action is about drift the policy named, and a redeploy names the ECS service's ARN.
    const redeploy = events.find(
      (e) => e.detail.actionType === 'ecs:ForceNewDeployment' && e.detail.outcome === 'executed',
    );
    assert.ok(
      redeploy,
      `a redeploy event among ${events.map((e) => `${e.detail.actionType ?? e.detail.rule}:${e.detail.outcome ?? e.detail.state}`).join(', ')}`,
    );
    assert.match(redeploy.resources[0], /^arn:aws:ecs:/);
  });

  it('announces nothing new when a pass finds the same drift as the last one', async () => {
    await drain();
    received.length = 0;
    const before = await h.metrics.registry.getSingleMetricAsString('ecs_discovery_controller_events_total');
    await h.controller.runOnce();
    await h.announcer!.flush();
    const again = await drain();
    assert.equal(
      await h.metrics.registry.getSingleMetricAsString('ecs_discovery_controller_events_total'),
      before,
      'no event published',
    );
    assert.deepEqual(
      again.filter((e) => e['detail-type'] === 'Discovery Drift' && e.detail.state === 'detected'),
      [],
    );
  });
});
