import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GetQueueAttributesCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { eventually, startHarness, type Harness } from './run-harness.js';

/** Bodies a shared or misconfigured queue can carry: broken JSON, other services' events, events missing fields. */
function junk(i: number): string {
  switch (i % 5) {
    case 0:
      return `{"detail-type": "ECS Task State Change", "detail": {"clusterArn": ${i}`;
    case 1:
      return 'x'.repeat(2000);
    case 2:
      return JSON.stringify({
        'detail-type': 'ECS Service Action',
        detail: { eventName: 'SERVICE_STEADY_STATE' },
        resources: [],
      });
    case 3:
      return JSON.stringify({
        'detail-type': 'EC2 Instance State-change Notification',
        source: 'aws.ec2',
        detail: { 'instance-id': `i-${i}` },
      });
    default:
      return JSON.stringify([i]);
  }
}

describe('run: a flood of malformed queue messages', () => {
  let h: Harness;
  before(async () => {
    // Audit mode: the controller's own redeploys would add real events to the stream.
    h = await startHarness({ mode: 'audit' });
    await h.settle();
  });
  after(async () => {
    await h?.close();
  });

  it('drains 1,000 bad messages, counts them, and stays ready', async () => {
    assert.equal(h.controller.readiness().ready, true);
    for (let batch = 0; batch < 100; batch++) {
      await h.clients.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: h.queueUrl,
          Entries: Array.from({ length: 10 }, (_, j) => ({ Id: String(j), MessageBody: junk(batch * 10 + j) })),
        }),
      );
    }
    await eventually(
      async () => {
        const { Attributes } = await h.clients.sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: h.queueUrl,
            AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
          }),
        );
        return (
          Number(Attributes!.ApproximateNumberOfMessages) + Number(Attributes!.ApproximateNumberOfMessagesNotVisible)
        );
      },
      (left) => left === 0,
      'the queue to be drained (bad messages are deleted, not redelivered forever)',
    );
    const metrics = (await h.metrics.exposition()).body;
    const malformed = [...metrics.matchAll(/^ecs_discovery_events_malformed_total\{reason="([^"]+)"\} (\d+)/gm)];
    const total = malformed.reduce((sum, m) => sum + Number(m[2]), 0);
    assert.equal(total, 800, `malformed by reason: ${malformed.map((m) => `${m[1]}=${m[2]}`).join(' ')}`);
    assert.match(
      metrics,
      /ecs_discovery_events_received_total\{detail_type="other"\} 200/,
      'events of other services are received and ignored',
    );
    assert.equal(h.controller.readiness().ready, true);
  });
});
