/**
 * Cloud Map writes finish later (aws-facts §4 and §7): DeregisterInstance returns an OperationId, and without the
 * Route 53 permissions behind it the operation ends in FAIL (ACCESS_DENIED) while the call itself succeeded.
 * The running controller must follow the operation, report the FAIL (metric, status, no success), keep the
 * instance in its drift, and retry after a backoff once the cause is gone.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, startHarness, type Harness } from './run-harness.js';

const DENIED = { operation: 'servicediscovery:DeregisterInstance', operationFailRate: 1, errorCode: 'ACCESS_DENIED' };

describe('run: a Cloud Map operation that fails is reported and retried, never counted as done', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ mode: 'enforce', gracePeriod: '0s', faults: [DENIED] });
  });
  after(async () => {
    await h?.close();
  });

  const deregistrations = () =>
    h.controller.status().recentActions.filter((a) => a.action === 'cloudmap:DeregisterInstance');

  it('reports the FAIL with its ErrorCode, counts no success, and the stale instance is still there', async () => {
    assert.equal(h.sandbox.truth().orphanInstances.length, 1, 'ledger has a stale instance');
    // The controller submits, then a requeued pass (no worker waits) reads GetOperation: FAIL.
    const failed = await eventually(
      deregistrations,
      (list) => list.some((a) => a.result === 'failed'),
      'a failed deregistration in /status',
    );
    assert.ok(
      failed.some((a) => a.result === 'pending' && a.reason === 'operation-submitted'),
      JSON.stringify(failed),
    );
    assert.deepEqual(
      failed.filter((a) => a.result === 'failed').map((a) => a.errorCode),
      ['ACCESS_DENIED'],
    );
    assert.ok(!failed.some((a) => a.result === 'success'), `no success: ${JSON.stringify(failed)}`);
    const metrics = (await h.metrics.exposition()).body;
    assert.match(metrics, /ecs_discovery_actions_total\{[^}]*action="cloudmap:DeregisterInstance",result="failed"\} 1/);
    assert.doesNotMatch(metrics, /action="cloudmap:DeregisterInstance",result="success"/);
    assert.equal(h.sandbox.truth().orphanInstances.length, 1, 'a failed deregistration removes nothing');
  });

  it('does not send it again during the backoff', async () => {
    const sent = h.sandbox.calls.snapshot()['servicediscovery:DeregisterInstance'];
    h.tick();
    await h.settle();
    assert.equal(h.sandbox.calls.snapshot()['servicediscovery:DeregisterInstance'], sent);
    assert.ok(deregistrations().some((a) => a.result === 'skipped' && a.reason === 'backoff-after-failure'));
  });

  it('retries after the backoff once the permission is back, and then the instance is gone', async () => {
    h.sandbox.faults.clear();
    h.advance(31_000);
    h.tick();
    const done = await eventually(
      () => {
        h.tick();
        return deregistrations();
      },
      (list) => list.some((a) => a.result === 'success'),
      'a successful deregistration after the retry',
    );
    assert.ok(done.length > 0);
    await eventually(
      () => h.sandbox.truth().orphanInstances,
      (list) => list.length === 0,
      'no stale instance left',
    );
    assert.match(
      (await h.metrics.exposition()).body,
      /ecs_discovery_actions_total\{[^}]*action="cloudmap:DeregisterInstance",result="success"\} 1/,
    );
  });
});
