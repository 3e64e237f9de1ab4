/**
 * `plan --state dynamodb://TABLE` counts grace periods from the running controller's first sighting (read from
 * its state table), so it shows what the controller will do; without it every grace period starts now.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createStateStore } from '../../controller/state/resolve.js';
import { startSandbox } from '../../sandbox/index.js';
import { policyYaml } from '../fixtures/policy.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

test('plan --state reads the grace clocks of the running controller; without it grace periods start now', async () => {
  const sandbox = await startSandbox({
    port: 0,
    scenario: join(ROOT, 'sandbox/scenarios/demo.yaml'),
    stateTable: 'controller-state',
  });
  const dir = await mkdtemp(join(tmpdir(), 'plan-state-'));
  const store = createStateStore('dynamodb://controller-state', {
    endpoint: sandbox.url,
    region: sandbox.region,
    credentials: { accessKeyId: 't', secretAccessKey: 't' },
  });
  try {
    await writeFile(
      join(dir, 'p.yaml'),
      policyYaml({
        name: 'shop',
        mode: 'enforce',
        target: { clusters: ['prod'], namespaces: ['shop.local', 'internal.example.com'] },
        rules: { cloudMapOrphans: { gracePeriod: '15m' } },
      }),
    );
    const orphan = sandbox.truth().orphanServices[0];
    await store.updateGraceClocks(
      sandbox.region,
      new Map([[`cloudMapOrphans/service/${orphan.id}`, sandbox.clock.now() - 3_600_000]]),
      [],
    );
    const decision = async (extra: string[]) => {
      const out = await run(
        join(ROOT, 'node_modules/.bin/node'),
        [
          '--import',
          'tsx',
          join(ROOT, 'controller/cli/main.ts'),
          'plan',
          '--policies',
          dir,
          '--output',
          'json',
          ...extra,
        ],
        {
          cwd: ROOT,
          env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...sandbox.env() },
        },
      ).catch((error: { stdout: string }) => error);
      const plan = JSON.parse(out.stdout) as {
        actions: { action: { type: string; serviceId?: string }; decision: string; blockedBy: string | null }[];
      };
      const action = plan.actions.find(
        (a) => a.action.type === 'cloudmap:DeleteService' && a.action.serviceId === orphan.id,
      )!;
      return [action.decision, action.blockedBy];
    };
    assert.deepEqual(await decision([]), ['blocked', 'grace-period']);
    assert.deepEqual(await decision(['--state', 'dynamodb://controller-state']), ['execute', null]);
  } finally {
    store.close();
    await rm(dir, { recursive: true, force: true });
    await sandbox.close();
  }
});
