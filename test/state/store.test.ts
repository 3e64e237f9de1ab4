/**
 * The state store contract, run against `--state memory` and `--state dynamodb://TABLE` (the sandbox's
 * dynalite, through the real SDK): lease takes and renewals are conditional, fencing tokens only grow, a
 * replica that lost its lease can no longer write the journal, grace clocks and evidence survive a new store
 * object (a restart), counters never pass their limit.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createStateStore } from '../../controller/state/resolve.js';
import { FenceLostError, type JournalEntry, type StateStore } from '../../controller/state/types.js';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';

let sandbox: Sandbox;
before(async () => {
  sandbox = await startSandbox({ port: 0, stateTable: 'controller-state' });
});
after(async () => sandbox.close());

const entry = (id: string, owner: string, fencingToken: number, intentAt: number): JournalEntry => ({
  id,
  action: 'ecs:ForceNewDeployment',
  resource: 'ecs-service/arn:svc',
  findingKey: 'k',
  policy: 'p',
  owner,
  fencingToken,
  intentAt,
});

for (const kind of ['memory', 'dynamodb'] as const) {
  describe(`state store: ${kind}`, () => {
    let open: () => StateStore;
    before(() => {
      let memory: StateStore | undefined;
      open = () =>
        kind === 'memory'
          ? (memory ??= createStateStore('memory'))
          : createStateStore('dynamodb://controller-state', {
              endpoint: sandbox.url,
              region: 'us-east-1',
              credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
            });
    });

    test('a lease is taken once from what was read; the fencing token grows with each owner', async () => {
      const store = open();
      await store.leases.create('us-east-1', 1_000);
      await store.leases.create('us-east-1', 2_000); // exists: unchanged
      const [free] = await store.leases.list();
      assert.equal(free.owner, undefined);
      const a = await store.leases.take(free, 'replica-a', 3_000, 10_000);
      assert.equal(a?.owner, 'replica-a');
      assert.equal(a?.fencingToken, 1);
      assert.equal(
        await store.leases.take(free, 'replica-b', 3_000, 10_000),
        undefined,
        'the same read cannot take it twice',
      );
      const renewed = await store.leases.renew(a!, 4_000, 10_000);
      assert.equal(renewed?.counter, a!.counter + 1);
      assert.equal(renewed?.fencingToken, 1, 'renewing keeps the fencing token');
      assert.equal(
        await store.leases.take(a!, 'replica-b', 5_000, 10_000),
        undefined,
        'a renewal moved the counter: the stale read loses',
      );
      const b = await store.leases.take(renewed!, 'replica-b', 5_000, 10_000);
      assert.equal(b?.fencingToken, 2);
      assert.equal(await store.leases.renew(renewed!, 6_000, 10_000), undefined, 'the old owner cannot renew');
      assert.equal(await store.leases.release(renewed!), false);
      assert.equal(await store.leases.release(b!), true);
      const [released] = await store.leases.list();
      assert.equal(released.owner, undefined);
      assert.equal(released.fencingToken, 2);
    });

    test('a handoff is asked for on the lease as read and moves it with a new fencing token', async () => {
      const store = open();
      await store.leases.create('ap-south-1', 0);
      const free = (await store.leases.list()).find((l) => l.target === 'ap-south-1')!;
      assert.equal(await store.leases.requestHandoff(free, 'replica-b'), false, 'a free lease is taken, not asked for');
      const a = (await store.leases.take(free, 'replica-a', 0, 1_000))!;
      assert.equal(await store.leases.requestHandoff(free, 'replica-b'), false, 'asked on a stale read');
      assert.equal(await store.leases.requestHandoff(a, 'replica-b'), true);
      const renewed = (await store.leases.renew(a, 10, 1_000))!;
      assert.equal(renewed.handoffTo, 'replica-b', 'the owner sees the request when it renews');
      assert.equal(await store.leases.transfer(renewed, 'replica-b', 20, 1_000), true);
      const moved = (await store.leases.list()).find((l) => l.target === 'ap-south-1')!;
      assert.deepEqual(
        [moved.owner, moved.fencingToken, moved.handoffTo],
        ['replica-b', a.fencingToken + 1, undefined],
      );
      assert.equal(
        await store.leases.transfer(renewed, 'replica-c', 30, 1_000),
        false,
        'only the owner can hand it over',
      );
    });

    test('journal writes need the fence: a replica that lost the lease writes nothing', async () => {
      const store = open();
      await store.leases.create('eu-west-1', 0);
      const [free] = (await store.leases.list()).filter((l) => l.target === 'eu-west-1');
      const a = (await store.leases.take(free, 'replica-a', 0, 1_000))!;
      const fenceA = { target: 'eu-west-1', owner: 'replica-a', fencingToken: a.fencingToken };
      await store.journalIntent(fenceA, entry('1', 'replica-a', a.fencingToken, 100));
      await store.journalOutcome(fenceA, '1', { result: 'submitted', at: 110 }, 'op-1');
      await store.journalIntent(fenceA, entry('2', 'replica-a', a.fencingToken, 120));
      const b = (await store.leases.take(a, 'replica-b', 200, 1_000))!;
      await assert.rejects(store.journalIntent(fenceA, entry('3', 'replica-a', a.fencingToken, 300)), FenceLostError);
      await assert.rejects(store.journalOutcome(fenceA, '2', { result: 'success', at: 300 }), FenceLostError);
      const pending = await open().pendingJournal('eu-west-1');
      assert.deepEqual(
        pending.map((e) => [e.id, e.outcome?.result, e.operationId]),
        [
          ['1', 'submitted', 'op-1'],
          ['2', undefined, undefined],
        ],
      );
      const fenceB = { target: 'eu-west-1', owner: 'replica-b', fencingToken: b.fencingToken };
      await store.journalOutcome(fenceB, '1', { result: 'success', reason: 'operation-succeeded', at: 400 });
      await store.journalOutcome(fenceB, '2', { result: 'skipped', reason: 'already-redeployed', at: 400 });
      assert.deepEqual(await open().pendingJournal('eu-west-1'), []);
      const recent = await open().recentJournal('eu-west-1', 0);
      assert.deepEqual(
        recent.map((e) => [e.id, e.outcome?.result, e.owner]),
        [
          ['1', 'success', 'replica-a'],
          ['2', 'skipped', 'replica-a'],
        ],
      );
    });

    test('grace clocks and ownership evidence are read back by a new store object', async () => {
      const store = open();
      await store.updateGraceClocks(
        't1',
        new Map([
          ['a', 10],
          ['b', 20],
        ]),
        [],
      );
      await store.updateGraceClocks('t1', new Map([['c', 30]]), ['a']);
      assert.deepEqual([...(await open().graceClocks('t1'))].sort(), [
        ['b', 20],
        ['c', 30],
      ]);
      await store.recordEvidence('t1', [{ serviceId: 'srv-1', namespaceId: 'ns-1', firstSeenAt: 5, lastSeenAt: 5 }]);
      await store.recordEvidence('t1', [{ serviceId: 'srv-1', namespaceId: 'ns-1', firstSeenAt: 50, lastSeenAt: 50 }]);
      assert.deepEqual(
        [...(await open().evidence('t1')).values()],
        [{ serviceId: 'srv-1', namespaceId: 'ns-1', firstSeenAt: 5, lastSeenAt: 50 }],
      );
      assert.deepEqual(await open().graceClocks('t2'), new Map());
    });

    test('keys left for a target are taken once, oldest first', async () => {
      const store = open();
      await store.postKeys('inbox-t', ['{"kind":"cluster","cluster":"a"}'], 1);
      await store.postKeys('inbox-t', ['{"kind":"cluster","cluster":"b"}', '{"kind":"cluster","cluster":"c"}'], 2);
      assert.deepEqual(await open().takeKeys('inbox-t'), [
        '{"kind":"cluster","cluster":"a"}',
        '{"kind":"cluster","cluster":"b"}',
        '{"kind":"cluster","cluster":"c"}',
      ]);
      assert.deepEqual(await open().takeKeys('inbox-t'), []);
    });

    test('a windowed counter never passes its limit', async () => {
      const store = open();
      assert.deepEqual(await store.addToCounter('t1', 'deletions/ns-1', 3_600_000, 3, 5), { added: true, count: 3 });
      assert.deepEqual(await store.addToCounter('t1', 'deletions/ns-1', 3_600_000, 3, 5), { added: false, count: 3 });
      assert.deepEqual(await store.addToCounter('t1', 'deletions/ns-1', 3_600_000, 2, 5), { added: true, count: 5 });
      assert.equal(await open().counter('t1', 'deletions/ns-1', 3_600_000), 5);
      assert.equal(await open().counter('t1', 'deletions/ns-1', 7_200_000), 0);
    });
  });
}

test('the sandbox call log names the caller (user-agent app id), region and status of each DynamoDB call', async () => {
  const store = createStateStore('dynamodb://controller-state', {
    endpoint: sandbox.url,
    region: 'eu-west-1',
    appId: 'replica-7',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  await store.graceClocks('t9');
  const calls = (await (await fetch(`${sandbox.url}/_sandbox/calls/log`)).json()) as {
    calls: { operation: string; caller?: string; region?: string; status?: number }[];
  };
  const query = calls.calls.find((c) => c.operation === 'dynamodb:Query' && c.caller === 'replica-7');
  assert.deepEqual({ region: query?.region, status: query?.status }, { region: 'eu-west-1', status: 200 });
});

test('ownership evidence found by a read or in CloudTrail survives a restart; a service is rewritten at most daily', async () => {
  const { StateEvidenceStore } = await import('../../controller/state/evidence-store.js');
  const open = () =>
    createStateStore('dynamodb://controller-state', {
      endpoint: sandbox.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
  const first = new StateEvidenceStore(open(), 'evidence-t');
  await first.record({
    serviceId: 'srv-1',
    source: 'cloudtrail',
    at: 1_000,
    ecsServices: [{ cluster: 'prod', service: 'api' }],
  });
  const writes = () => sandbox.calls.snapshot()['dynamodb:UpdateItem'] ?? 0;
  const before = writes();
  await first.record({
    serviceId: 'srv-1',
    source: 'instances-seen',
    at: 2_000,
    ecsServices: [{ cluster: 'prod', service: 'api' }],
  });
  assert.equal(writes(), before, 'seen again within a day: no write');
  const restarted = new StateEvidenceStore(open(), 'evidence-t');
  assert.deepEqual(await restarted.get('srv-1'), {
    serviceId: 'srv-1',
    source: 'cloudtrail',
    at: 1_000,
    ecsServices: [{ cluster: 'prod', service: 'api' }],
  });
  assert.equal(await restarted.get('srv-2'), undefined);
});
