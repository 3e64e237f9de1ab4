/**
 * The inventory cache lets the old inventory go while a full read runs (issue #17: two inventories at once took
 * `run` out of heap at 30,000 services), whoever started the read: a resync whose full-resync period has passed,
 * or a full read that begins while an event's refresh is still reading.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ListClustersCommand, ListTasksCommand } from '@aws-sdk/client-ecs';
import type { AwsClients } from '../../controller/aws/clients.js';
import { InventoryCache } from '../../controller/runtime/inventory-cache.js';
import { makePolicy } from '../fixtures/policy.js';
import { fakeClients, smallFleet } from './fake-fleet.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Holds every ECS call of the given command until released; `reached` resolves when the first one arrives. */
function gate(clients: AwsClients, command: new (...args: never[]) => unknown) {
  const send = clients.ecs.send.bind(clients.ecs) as (...args: unknown[]) => Promise<unknown>;
  let release!: () => void;
  let arrived!: () => void;
  const open = new Promise<void>((resolve) => (release = resolve));
  const reached = new Promise<void>((resolve) => (arrived = resolve));
  let closed = true;
  (clients.ecs as { send: unknown }).send = async (...args: unknown[]) => {
    if (closed && args[0] instanceof command) {
      arrived();
      await open;
    }
    return send(...args);
  };
  return {
    reached,
    release: () => {
      closed = false;
      release();
    },
  };
}

/** Whether the inventory behind `ref` is still reachable once everything collectable has been collected. */
async function stillHeld(ref: WeakRef<object>): Promise<boolean> {
  // A WeakRef's target lives at least until the current job ends: collect from later turns of the event loop.
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc();
  }
  return ref.deref() !== undefined;
}

test('a full resync lets the old inventory go while it reads', async () => {
  const { clients } = fakeClients(smallFleet());
  // Every resync is a full read.
  const cache = new InventoryCache({ clients, policies: [makePolicy()], fullResyncMs: 0 });
  try {
    await cache.resync();
    const old = new WeakRef(cache.inventory!);
    const reading = gate(clients, ListClustersCommand);
    const resync = cache.resync();
    await reading.reached;

    assert.equal(await stillHeld(old), false, 'the old inventory is collectable during the full read');
    reading.release();
    const read = await resync;
    assert.deepEqual(read.tasks.map((t) => t.id).sort(), ['t1', 't2'], 'and the read still completes');
  } finally {
    clients.destroy();
  }
});

test('a refresh whose read a full read overtook does not hold the old inventory while it waits for that read', async () => {
  const { clients } = fakeClients(smallFleet());
  const cache = new InventoryCache({ clients, policies: [makePolicy()] });
  try {
    await cache.full();
    const old = new WeakRef(cache.inventory!);
    const refreshing = gate(clients, ListTasksCommand);
    const refresh = cache.refresh([{ kind: 'ecs-service', cluster: 'prod', service: 'orders' }]);
    await refreshing.reached;
    const reading = gate(clients, ListClustersCommand);
    const full = cache.full();
    await reading.reached;
    // The refresh's own read ends while the full read is still reading: it waits for that read.
    refreshing.release();
    await new Promise((resolve) => setImmediate(resolve));

    assert.equal(await stillHeld(old), false, 'the old inventory is collectable while both wait');
    reading.release();
    const [refreshed, read] = await Promise.all([refresh, full]);
    assert.equal(refreshed, read, 'the refresh answers with what the full read read');
  } finally {
    clients.destroy();
  }
});
