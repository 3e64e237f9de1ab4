import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { emptyPublishedState, outcomeEvents, planEvents } from '../../controller/publish/discovery-events.js';
import type { Finding } from '../../controller/model/findings.js';
import type { PlannedAction } from '../../controller/plan/types.js';
import type { ActionOutcome } from '../../controller/actuator/types.js';

const schema = JSON.parse(readFileSync(new URL('../../docs/discovery-events.schema.json', import.meta.url), 'utf8'));
const validate = new Ajv({ strict: false }).compile(schema);

function ttlFinding(name: string): Finding {
  const id = `srv-${name}`;
  return {
    policy: 'payments',
    rule: 'dnsTtl',
    resource: {
      kind: 'cloudmap-service',
      id,
      arn: `arn:aws:servicediscovery:us-east-1:111122223333:service/${id}`,
      name,
      namespaceId: 'ns-1',
    },
    namespace: 'prod.local',
    observed: 'ttl 300s',
    desired: 'ttl <= 10s',
    reason: 'callers cache the record longer than the policy allows',
    action: { type: 'cloudmap:UpdateDnsTtl', serviceId: id, records: [{ type: 'A', ttl: 10 }] },
    key: `dnsTtl/${id}`,
  };
}

function blocked(finding: Finding, reason: PlannedAction['blockedBy']): PlannedAction {
  return { finding, action: finding.action!, decision: 'blocked', blockedBy: reason, detail: `held back: ${reason}` };
}

test('drift is announced once when it appears and once when it is resolved', () => {
  const orders = ttlFinding('orders');
  const first = planEvents(emptyPublishedState(), [orders], [], 1000);
  assert.deepEqual(
    first.events.map((e) => [e.detailType, (e.detail as { state: string }).state]),
    [['Discovery Drift', 'detected']],
  );
  assert.deepEqual(first.events[0]!.resources, [
    orders.resource.kind === 'cloudmap-service' ? orders.resource.arn : '',
  ]);

  const again = planEvents(first.next, [orders], [], 2000);
  assert.equal(again.events.length, 0, 'unchanged drift is not announced again');

  const gone = planEvents(again.next, [], [], 3000);
  assert.equal(gone.events.length, 1);
  assert.equal((gone.events[0]!.detail as { state: string }).state, 'resolved');
  assert.equal(gone.events[0]!.detail.findingKey, orders.key);
});

test('a blocked action is announced when its reason is new, not on every pass', () => {
  const orders = ttlFinding('orders');
  const cooldown = planEvents(emptyPublishedState(), [orders], [blocked(orders, 'cooldown')], 1000);
  const actionEvents = cooldown.events.filter((e) => e.detailType === 'Discovery Action');
  assert.equal(actionEvents.length, 1);
  assert.equal((actionEvents[0]!.detail as { reason?: string }).reason, 'cooldown');

  const same = planEvents(cooldown.next, [orders], [blocked(orders, 'cooldown')], 2000);
  assert.equal(same.events.length, 0);

  const window = planEvents(same.next, [orders], [blocked(orders, 'outside-window')], 3000);
  assert.deepEqual(
    window.events.map((e) => (e.detail as { reason?: string }).reason),
    ['outside-window'],
  );
});

test('only finished actions are announced: executed and failed, not pending, dry-run or skipped', () => {
  const orders = ttlFinding('orders');
  const base = {
    action: orders.action!,
    findingKey: orders.key,
    policy: 'payments',
    rule: 'dnsTtl' as const,
    startedAt: 1,
    finishedAt: 2,
  };
  const outcomes: ActionOutcome[] = [
    { ...base, result: 'success', operationId: 'op-1' },
    { ...base, result: 'failed', error: { code: 'ServiceNotFound', message: 'gone' } },
    { ...base, result: 'pending', operationId: 'op-2' },
    { ...base, result: 'dry-run' },
    { ...base, result: 'skipped', reason: 'already-done' },
  ];
  const events = outcomeEvents(outcomes, new Map([[orders.key, orders.resource]]));
  assert.deepEqual(
    events.map((e) => (e.detail as { outcome: string }).outcome),
    ['executed', 'failed'],
  );
});

test('every event matches the published JSON Schema', () => {
  const orders = ttlFinding('orders');
  const detected = planEvents(emptyPublishedState(), [orders], [blocked(orders, 'grace-period')], 1000);
  const resolved = planEvents(detected.next, [], [], 2000);
  const finished = outcomeEvents(
    [
      {
        action: orders.action!,
        findingKey: orders.key,
        policy: 'payments',
        rule: 'dnsTtl',
        result: 'failed',
        error: { code: 'X', message: 'y' },
        startedAt: 1,
        finishedAt: 2,
      },
    ],
    new Map([[orders.key, orders.resource]]),
  );
  const all = [...detected.events, ...resolved.events, ...finished];
  assert.equal(all.length, 4);
  for (const event of all) assert.ok(validate(event.detail), `${event.detailType}: ${JSON.stringify(validate.errors)}`);
  assert.equal(
    validate({ ...detected.events[0]!.detail, unknownField: 1 }),
    false,
    'the schema rejects fields it does not document',
  );
});
