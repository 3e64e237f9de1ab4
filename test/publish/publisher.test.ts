import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { EventPublisher, type PublisherCounters } from '../../controller/publish/publisher.js';
import { emptyPublishedState, planEvents, type DiscoveryEvent } from '../../controller/publish/discovery-events.js';
import { silentLogger } from '../../controller/telemetry/logger.js';
import type { Finding } from '../../controller/model/findings.js';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { waitFor } from '../support/wait.js';

function finding(index: number): Finding {
  const id = `srv-${index}`;
  return {
    policy: 'payments',
    rule: 'dnsTtl',
    resource: {
      kind: 'cloudmap-service',
      id,
      arn: `arn:aws:servicediscovery:us-east-1:000000000000:service/${id}`,
      name: `svc-${index}`,
      namespaceId: 'ns-1',
    },
    observed: 'ttl 300s',
    desired: 'ttl <= 10s',
    reason: 'callers cache the record too long',
    key: `dnsTtl/${id}`,
  };
}

function driftEvents(count: number): DiscoveryEvent[] {
  return planEvents(
    emptyPublishedState(),
    Array.from({ length: count }, (_, i) => finding(i)),
    [],
    Date.parse('2026-12-02T08:00:00Z'),
  ).events;
}

function counting(): PublisherCounters & {
  totals: { published: number; dropped: number; failed: Record<string, number> };
} {
  const totals = { published: 0, dropped: 0, failed: {} as Record<string, number> };
  return {
    totals,
    published: (n) => void (totals.published += n),
    dropped: (n) => void (totals.dropped += n),
    failed: (n, code) => void (totals.failed[code] = (totals.failed[code] ?? 0) + n),
  };
}

describe('EventPublisher against the sandbox EventBridge', () => {
  let sandbox: Sandbox;
  let events: EventBridgeClient;
  let sqs: SQSClient;
  let queueUrl: string;
  before(async () => {
    sandbox = await startSandbox({ port: 0, tickMs: 60_000 });
    const common = {
      region: sandbox.region,
      endpoint: sandbox.url,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    };
    events = new EventBridgeClient(common);
    sqs = new SQSClient(common);
    queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'discovery-drift' }))).QueueUrl!;
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
    );
    // A user's rule, as in manifests/terraform/examples/events: drift only.
    await events.send(
      new PutRuleCommand({
        Name: 'drift',
        EventPattern: JSON.stringify({ source: ['ecs-discovery-controller'], 'detail-type': ['Discovery Drift'] }),
      }),
    );
    await events.send(new PutTargetsCommand({ Rule: 'drift', Targets: [{ Id: 'queue', Arn: Attributes!.QueueArn! }] }));
  });
  after(async () => {
    events.destroy();
    sqs.destroy();
    await sandbox.close();
  });

  it('delivers every event to the subscribed queue in batches of at most ten PutEvents entries', async () => {
    sandbox.calls.reset();
    const counters = counting();
    const publisher = new EventPublisher(events, {
      busName: 'default',
      logger: silentLogger(),
      counters,
      rate: { rate: 0, burst: 1 },
    });
    publisher.publish(driftEvents(23));
    await publisher.flush();
    assert.equal(counters.totals.published, 23);
    assert.equal(sandbox.calls.snapshot()['events:PutEvents'], 3, JSON.stringify(sandbox.calls.snapshot()));

    const received: any[] = [];
    await waitFor(
      async () => {
        const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }));
        received.push(...(Messages ?? []).map((m) => JSON.parse(m.Body!)));
        return received.length >= 23;
      },
      { what: '23 drift events on the queue' },
    );
    const first = received.find((e) => e.detail.findingKey === 'dnsTtl/srv-0');
    assert.equal(first.source, 'ecs-discovery-controller');
    assert.equal(first['detail-type'], 'Discovery Drift');
    assert.equal(first.detail.state, 'detected');
    assert.deepEqual(first.resources, ['arn:aws:servicediscovery:us-east-1:000000000000:service/srv-0']);
  });

  it('counts a bus it cannot publish to as failed events, never as an error of reconciliation', async () => {
    const counters = counting();
    const publisher = new EventPublisher(events, {
      busName: 'no-such-bus',
      logger: silentLogger(),
      counters,
      rate: { rate: 0, burst: 1 },
    });
    publisher.publish(driftEvents(3));
    await publisher.flush();
    assert.equal(counters.totals.published, 0);
    assert.equal(
      Object.values(counters.totals.failed).reduce((a, b) => a + b, 0),
      3,
      JSON.stringify(counters.totals.failed),
    );
  });

  it('holds a bounded queue: past maxQueued the oldest events are dropped and counted', async () => {
    const counters = counting();
    const publisher = new EventPublisher(events, {
      busName: 'default',
      logger: silentLogger(),
      counters,
      maxQueued: 5,
      rate: { rate: 0, burst: 1 },
    });
    publisher.publish(driftEvents(12));
    await publisher.flush();
    assert.equal(counters.totals.dropped, 7);
    assert.equal(counters.totals.published, 5);
  });
});
