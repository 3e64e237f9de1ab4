/**
 * Decisions run on AWS's clock (the Date header of AWS responses), not the container's: a controller whose own
 * clock is an hour off decides exactly as one on time, and a separate `run` process follows the sandbox's
 * virtual clock (POST /_sandbox/clock) with no flag.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeServicesCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { createAwsClients } from '../../controller/aws/clients.js';
import { startSandbox } from '../../sandbox/index.js';
import { spawnRun, terminate } from './reliability-process.js';
import { eventually, installEventRouting, startHarness } from './run-harness.js';
import { policyYaml } from '../fixtures/policy.js';

const HOUR = 3_600_000;

/** Two stale Service Connect clients: web's cooldown (6 h) ends in 30 min, checkout's ended 30 min ago. */
const FLEET = {
  name: 'aws-clock',
  account: '123456789012',
  region: 'us-east-1',
  namespaces: [{ name: 'shop.local', type: 'HTTP', created: '-30d' }],
  clusters: [
    {
      name: 'prod',
      services: [
        {
          name: 'web',
          desiredCount: 1,
          created: '-9h',
          deployed: '-330m',
          serviceConnect: { namespace: 'shop.local' },
        },
        {
          name: 'checkout',
          desiredCount: 1,
          created: '-9h',
          deployed: '-390m',
          serviceConnect: { namespace: 'shop.local' },
        },
        {
          name: 'orders',
          desiredCount: 1,
          created: '-9h',
          serviceConnect: { namespace: 'shop.local', endpoints: ['orders'] },
        },
        {
          name: 'recommendations',
          desiredCount: 1,
          created: '-2h',
          serviceConnect: { namespace: 'shop.local', endpoints: ['recommendations'] },
        },
      ],
    },
  ],
};

const POLICY = policyYaml({
  name: 'shop',
  mode: 'enforce',
  target: { clusters: ['prod'], namespaces: ['shop.local'] },
  rules: { serviceConnectRefresh: { staleAfter: '0s', maxConcurrent: 5, cooldown: '6h' } },
});

describe('decisions run on AWS time', () => {
  it('a controller whose own clock is an hour ahead or behind decides as one on time', async () => {
    const decisions: Record<string, string[]> = {};
    for (const skew of [0, HOUR, -HOUR]) {
      const h = await startHarness({
        mode: 'enforce',
        dryRun: true,
        scenario: FLEET,
        policyText: POLICY,
        clockSkewMs: skew,
      });
      try {
        await h.settle();
        const plan = h.controller.plan();
        decisions[String(skew)] = (plan?.actions ?? [])
          .map((a) => `${a.finding.key}:${a.blockedBy ?? 'execute'}`)
          .sort();
      } finally {
        await h.close();
      }
    }
    assert.deepEqual(decisions['0'], [
      'serviceConnectRefresh/prod/checkout:dry-run',
      'serviceConnectRefresh/prod/orders:dry-run',
      'serviceConnectRefresh/prod/web:cooldown',
    ]);
    assert.deepEqual(decisions[String(HOUR)], decisions['0'], 'an hour ahead: web is still in its cooldown');
    assert.deepEqual(decisions[String(-HOUR)], decisions['0'], 'an hour behind: checkout is out of its cooldown');
  });

  it('a separate run process follows POST /_sandbox/clock without any flag', async () => {
    const sandbox = await startSandbox({ port: 0, scenario: FLEET });
    const clients = createAwsClients({ region: sandbox.region, endpoint: sandbox.url, maxAttempts: 1 });
    const policyDir = mkdtempSync(join(tmpdir(), 'aws-clock-'));
    writeFileSync(join(policyDir, 'shop.yaml'), POLICY);
    const run = spawnRun(
      [
        '--policies',
        policyDir,
        '--queue-url',
        await installEventRouting(clients),
        '--metrics-addr',
        '127.0.0.1:0',
        '--allow-all-namespaces',
      ],
      sandbox.env(),
    );
    const deployments = async (name: string) =>
      (await clients.ecs.send(new DescribeServicesCommand({ cluster: 'prod', services: [name] }))).services![0]
        .deployments!.length;
    try {
      // First reconcile: checkout is redeployed, web waits for its cooldown.
      await eventually(
        () => deployments('checkout'),
        (n) => n === 2,
        'checkout to be redeployed',
        400,
      );
      assert.equal(await deployments('web'), 1);
      await eventually(
        () => run.logs.filter((l) => l.msg === 'reconciled').length,
        (n) => n >= 1,
        'a finished reconcile',
        400,
      );

      const moved = await fetch(`${sandbox.url}/_sandbox/clock`, {
        method: 'POST',
        body: JSON.stringify({ advance: '1h' }),
      });
      assert.equal(moved.status, 200);
      // Any ECS event makes the controller look again; by AWS's time web's cooldown is over.
      await clients.ecs.send(new UpdateServiceCommand({ cluster: 'prod', service: 'orders', desiredCount: 2 }));
      await eventually(
        () => deployments('web'),
        (n) => n === 2,
        'web to be redeployed once AWS time passed its cooldown',
        400,
      );
    } finally {
      await terminate(run, 10_000);
      clients.destroy();
      await sandbox.close();
      rmSync(policyDir, { recursive: true, force: true });
    }
  });
});
