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

/** A demo sandbox whose state table holds a running controller's grace clock: its first orphan seen an hour ago. */
async function sandboxWithGraceClock() {
  const sandbox = await startSandbox({
    port: 0,
    scenario: join(ROOT, 'sandbox/scenarios/demo.yaml'),
    stateTable: 'controller-state',
  });
  const store = createStateStore('dynamodb://controller-state', {
    endpoint: sandbox.url,
    region: sandbox.region,
    credentials: { accessKeyId: 't', secretAccessKey: 't' },
  });
  const orphan = sandbox.truth().orphanServices[0];
  try {
    await store.updateGraceClocks(
      sandbox.region,
      new Map([[`cloudMapOrphans/service/${orphan.id}`, sandbox.clock.now() - 3_600_000]]),
      [],
    );
  } finally {
    store.close();
  }
  return { sandbox, orphan };
}

test('plan --state reads the grace clocks of the running controller; without it grace periods start now', async () => {
  // One sandbox per plan, both with the clock in their table, so the two plans run side by side: each walks the
  // demo fleet's CloudTrail history at CloudTrail's two lookups a second, which the sandbox keeps per account.
  const fleets = await Promise.all([sandboxWithGraceClock(), sandboxWithGraceClock()]);
  const dir = await mkdtemp(join(tmpdir(), 'plan-state-'));
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
    const decision = async ({ sandbox, orphan }: (typeof fleets)[number], extra: string[]) => {
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
    const [withoutState, withState] = await Promise.all([
      decision(fleets[0], []),
      decision(fleets[1], ['--state', 'dynamodb://controller-state']),
    ]);
    assert.deepEqual(withoutState, ['blocked', 'grace-period']);
    assert.deepEqual(withState, ['execute', null]);
  } finally {
    await rm(dir, { recursive: true, force: true });
    await Promise.all(fleets.map(({ sandbox }) => sandbox.close()));
  }
});
