/**
 * The hourly deletion budget in the state store: a restarted controller (a new ledger over the same table) and
 * the next owner of a target's lease see the deletions of the last hour. Against `--state memory` and the
 * sandbox's DynamoDB through the real SDK.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { StoreDeletionLedger } from '../../controller/runtime/deletion-ledger.js';
import { createStateStore } from '../../controller/state/resolve.js';
import type { StateStore } from '../../controller/state/types.js';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';

const T0 = Date.parse('2026-11-25T10:03:00Z');
const MINUTE = 60_000;

let sandbox: Sandbox;
before(async () => {
  sandbox = await startSandbox({ port: 0, stateTable: 'ledger-state' });
});
after(async () => sandbox.close());

for (const kind of ['memory', 'dynamodb'] as const) {
  describe(`deletion ledger in the state store: ${kind}`, () => {
    test('survives a restart, forgets after an hour, and is per target and namespace', async () => {
      let memory: StateStore | undefined;
      const open = () =>
        kind === 'memory'
          ? (memory ??= createStateStore('memory'))
          : createStateStore('dynamodb://ledger-state', {
              endpoint: sandbox.url,
              region: 'us-east-1',
              credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
            });
      const before = new StoreDeletionLedger(open(), 'us-east-1');
      await before.record('ns-a', 'instances', 2, T0);
      await before.record('ns-a', 'services', 1, T0 + 5 * MINUTE);
      await before.record('ns-b', 'instances', 4, T0);

      const restarted = new StoreDeletionLedger(open(), 'us-east-1');
      const seen = await restarted.recent(['ns-a', 'ns-b', 'ns-c'], T0 + 30 * MINUTE);
      assert.deepEqual(seen.get('ns-a'), { services: 1, instances: 2 });
      assert.deepEqual(seen.get('ns-b'), { services: 0, instances: 4 });
      assert.equal(seen.get('ns-c'), undefined);
      assert.equal(
        (await new StoreDeletionLedger(open(), 'eu-west-1').recent(['ns-a'], T0 + 30 * MINUTE)).get('ns-a'),
        undefined,
        'another target',
      );
      assert.equal(
        (await new StoreDeletionLedger(open(), 'us-east-1').recent(['ns-a'], T0 + 90 * MINUTE)).get('ns-a'),
        undefined,
        'more than an hour later',
      );
    });
  });
}
