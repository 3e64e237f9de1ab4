/**
 * The lease protocol with rounds driven by hand and a hand-moved monotonic clock (no sleeps): replicas spread
 * targets evenly, a dead replica's leases are taken only after a full lease duration without a renewal, a
 * newcomer steals from the most loaded replica, and a replica whose lease was taken loses its fence.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LeaseCoordinator } from '../../controller/state/leases.js';
import { MemoryStateStore } from '../../controller/state/memory.js';
import { silentLogger } from '../../controller/telemetry/logger.js';

const DURATION = 10_000;
const TARGETS = ['t0', 't1', 't2', 't3', 't4', 't5'];

function cluster(store: MemoryStateStore, names: string[]) {
  let now = 0;
  const replicas = names.map(
    (name) =>
      new LeaseCoordinator({
        store,
        replicaId: name,
        durationMs: DURATION,
        clock: { now: () => now },
        logger: silentLogger(),
        monotonic: () => now,
      }),
  );
  for (const r of replicas) r.setTargets(TARGETS);
  return {
    replicas,
    advance: (ms: number) => (now += ms),
    /** One lease round of each live replica, a third of a duration apart. */
    async rounds(n: number, live = replicas) {
      for (let i = 0; i < n; i += 1) {
        for (const r of live) await r.tick();
        now += DURATION / 3;
      }
    },
  };
}

const counts = (replicas: LeaseCoordinator[]) => replicas.map((r) => r.heldTargets().length);

test('three replicas share six targets two each, every target owned by exactly one', async () => {
  const store = new MemoryStateStore();
  const { replicas, rounds } = cluster(store, ['a', 'b', 'c']);
  await rounds(6);
  assert.deepEqual(counts(replicas), [2, 2, 2]);
  const owners = TARGETS.map((t) => replicas.filter((r) => r.holds(t)).map((r) => r.replicaId));
  assert.ok(
    owners.every((o) => o.length === 1),
    JSON.stringify(owners),
  );
});

test("a dead replica's targets are taken after a lease duration without renewal, not before", async () => {
  const store = new MemoryStateStore();
  const { replicas, rounds } = cluster(store, ['a', 'b', 'c']);
  await rounds(6);
  const [a, b, c] = replicas;
  const cTargets = c.heldTargets();
  // c stops renewing (SIGKILL). Two rounds later (2/3 of a duration) nobody has taken its leases yet.
  await rounds(2, [a, b]);
  assert.ok(
    cTargets.every((t) => !a.holds(t) && !b.holds(t)),
    'taken before the lease could have expired',
  );
  await rounds(4, [a, b]);
  assert.ok(
    cTargets.every((t) => a.holds(t) || b.holds(t)),
    'not taken over within two lease durations',
  );
  assert.deepEqual(counts([a, b]), [3, 3]);
  assert.equal(c.fence(cTargets[0]), undefined, 'the dead replica no longer has a fence to write under');
});

test('new replicas ask the most loaded one for leases until the spread is even; the old owner hands each over and loses its fence', async () => {
  const store = new MemoryStateStore();
  const { replicas, rounds } = cluster(store, ['a', 'b', 'c']);
  const [a, b, c] = replicas;
  await rounds(4, [a]);
  assert.deepEqual(counts([a]), [6]);
  const fenceBefore = a.fence('t0')!;
  await rounds(16, [a, b, c]);
  assert.deepEqual(counts(replicas), [2, 2, 2]);
  const stolen = TARGETS.find((t) => !a.holds(t))!;
  await assert.rejects(
    store.journalIntent(
      { ...fenceBefore, target: stolen, fencingToken: 1 },
      { id: 'x', action: 'a', resource: 'r', findingKey: 'k', policy: 'p', owner: 'a', fencingToken: 1, intentAt: 0 },
    ),
    /no longer held/,
  );
  assert.ok(
    a.changes.lost >= 4 && b.changes.gained >= 2 && c.changes.gained >= 2,
    JSON.stringify([a.changes, b.changes, c.changes]),
  );
});

test('a released lease is taken at once by another replica', async () => {
  const store = new MemoryStateStore();
  const { replicas, rounds } = cluster(store, ['a', 'b']);
  const [a, b] = replicas;
  await rounds(1, [a]);
  await a.stop(true);
  await rounds(1, [b]);
  assert.equal(b.heldTargets().length, 6);
});

test('an owner asked for a lease hands it over only once its write in flight is done, and starts no new one', async () => {
  const store = new MemoryStateStore();
  let now = 0;
  let busy = true;
  const make = (name: string, extra = {}) =>
    new LeaseCoordinator({
      store,
      replicaId: name,
      durationMs: DURATION,
      clock: { now: () => now },
      logger: silentLogger(),
      monotonic: () => now,
      ...extra,
    });
  const a = make('a', { busy: () => busy });
  const b = make('b');
  a.setTargets(['t0', 't1']);
  b.setTargets(['t0', 't1']);
  await a.tick();
  for (let i = 0; i < 4; i += 1) {
    await b.tick();
    await a.tick();
    now += 1_000;
  }
  const asked = ['t0', 't1'].find((t) => a.heldFence(t) && !a.fence(t));
  assert.ok(asked, 'one lease is being handed over');
  assert.equal(b.heldTargets().length, 0, 'not before the write in flight is done');
  busy = false;
  await a.tick();
  await b.tick();
  assert.deepEqual([a.heldTargets().length, b.heldTargets().length], [1, 1]);
  assert.ok(b.holds(asked!));
});

test("a replica that regains a lease plans with the table's grace clocks, never with older ones it kept from before", async () => {
  const { TargetState } = await import('../../controller/state/target-state.js');
  const store = new MemoryStateStore();
  let now = 0;
  const make = (name: string) =>
    new LeaseCoordinator({
      store,
      replicaId: name,
      durationMs: DURATION,
      clock: { now: () => now },
      logger: silentLogger(),
      monotonic: () => now,
    });
  const a = make('a');
  const b = make('b');
  a.setTargets(['t0']);
  b.setTargets(['t0']);
  const stateOf = (c: LeaseCoordinator) =>
    new TargetState({
      store,
      target: 't0',
      fence: () => c.fence('t0'),
      clock: { now: () => now },
      logger: silentLogger(),
    });
  const stateA = stateOf(a);
  await a.tick();
  await stateA.load();
  await stateA.saveClocks(new Map([['orphan-x', 1_000]]));
  // A pauses; B takes over, sees the orphan gone, then orphaned again from 50 s.
  now += 2 * DURATION;
  await b.tick();
  const stateB = stateOf(b);
  await stateB.load();
  await stateB.saveClocks(new Map());
  await stateB.saveClocks(new Map([['orphan-x', 50_000]]));
  await b.stop(true);
  stateA.reset();
  await a.tick();
  assert.ok(a.holds('t0'));
  assert.deepEqual(
    [...(await stateA.load())],
    [['orphan-x', 50_000]],
    'the clock restarted by B, not the 1 s one A remembers',
  );
});
