/**
 * An event consumer that cannot receive is not healthy: /status's EventsReceiving condition, the
 * event_consumer_receiving gauge and, after a bounded time, /readyz say so; and run checks --queue-url at start.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteQueueCommand } from '@aws-sdk/client-sqs';
import { parseQueueUrl } from '../../controller/events/queue-check.js';
import { EVENTS_UNREADY_AFTER_MS } from '../../controller/runtime/event-health.js';
import { startSandbox } from '../../sandbox/index.js';
import { runCli } from '../cli/run-cli.js';
import { eventually, FLEET, policyYaml, startHarness } from './run-harness.js';

describe('event consumer health', () => {
  it('a queue that disappears is a False EventsReceiving condition, a 0 gauge, and /readyz fails after the bound', async () => {
    const h = await startHarness({ mode: 'audit' });
    try {
      await h.settle();
      await eventually(
        () => h.controller.status().conditions.find((c) => c.type === 'EventsReceiving')?.status,
        (s) => s === 'True',
        'a first successful receive',
      );
      assert.equal(h.controller.readiness().ready, true);
      assert.match((await h.metrics.exposition()).body, /^ecs_discovery_event_consumer_receiving 1$/m);

      await h.clients.sqs.send(new DeleteQueueCommand({ QueueUrl: h.queueUrl }));
      const condition = await eventually(
        () => h.controller.status().conditions.find((c) => c.type === 'EventsReceiving'),
        (c) => c?.status === 'False',
        'the receive to fail',
      );
      assert.equal(condition!.reason, 'ReceiveFailing');
      assert.match(condition!.message, /AWS\.SimpleQueueService\.NonExistentQueue|QueueDoesNotExist/);
      const body = (await h.metrics.exposition()).body;
      assert.match(body, /^ecs_discovery_event_consumer_receiving 0$/m);
      assert.match(body, /^ecs_discovery_event_receive_errors_total\{code="[^"]+"\} [1-9]/m);
      assert.equal(h.controller.readiness().ready, true, 'a short failure does not fail readiness');

      h.advance(EVENTS_UNREADY_AFTER_MS + 1_000);
      const readiness = h.controller.readiness();
      assert.equal(readiness.ready, false);
      assert.match(readiness.reason ?? '', /^receiving from .* has failed for \d+s/);
    } finally {
      await h.close();
    }
  });

  it('parses the SQS queue URL forms and refuses ARNs, names and other hosts', () => {
    assert.deepEqual(
      parseQueueUrl('https://sqs.eu-west-1.amazonaws.com/111122223333/controller-events', { customEndpoint: false }),
      { account: '111122223333', name: 'controller-events' },
    );
    assert.deepEqual(
      parseQueueUrl('https://eu-west-1.queue.amazonaws.com/111122223333/q_1', { customEndpoint: false }),
      { account: '111122223333', name: 'q_1' },
    );
    assert.deepEqual(parseQueueUrl('http://127.0.0.1:4566/111122223333/q', { customEndpoint: true }), {
      account: '111122223333',
      name: 'q',
    });
    for (const bad of [
      'arn:aws:sqs:eu-west-1:111122223333:q',
      'controller-events',
      'https://example.com/111122223333/q',
      'https://sqs.eu-west-1.amazonaws.com/q',
    ]) {
      assert.ok('problem' in parseQueueUrl(bad, { customEndpoint: false }), bad);
    }
  });

  it('run stops at start (exit 1) with a clear error when --queue-url is not a usable queue', async () => {
    const sandbox = await startSandbox({ port: 0, scenario: FLEET });
    const dir = mkdtempSync(join(tmpdir(), 'queue-check-'));
    writeFileSync(join(dir, 'fleet.yaml'), policyYaml('audit'));
    try {
      const env = { ...sandbox.env(), AWS_EC2_METADATA_DISABLED: 'true' };
      const base = ['run', '--policies', dir, '--dry-run', '--metrics-addr', '127.0.0.1:0'];
      const missing = await runCli([...base, '--queue-url', `${sandbox.url}/${sandbox.account}/no-such-queue`], env);
      assert.equal(missing.code, 1, missing.stderr);
      assert.match(
        missing.stderr,
        /^error: --queue-url ".*\/no-such-queue": GetQueueUrl for queue no-such-queue in account \d{12} failed with .*does the queue exist in this region/m,
      );
      const arn = await runCli([...base, '--queue-url', 'arn:aws:sqs:us-east-1:123456789012:events'], env);
      assert.equal(arn.code, 1);
      assert.match(
        arn.stderr,
        /^error: --queue-url "arn:aws:sqs:us-east-1:123456789012:events" is a queue ARN; --queue-url takes the queue URL/m,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await sandbox.close();
    }
  });
});
