/** `ecs-discovery-controller plan` end to end: a spawned CLI process against the sandbox, scored against its ground truth. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSandbox, type SandboxTruth } from '../../sandbox/index.js';
import { policyYaml } from '../fixtures/policy.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NODE = join(ROOT, 'node_modules/.bin/node');
const MAIN = join(ROOT, 'controller/cli/main.ts');
const DEMO = join(ROOT, 'sandbox/scenarios/demo.yaml');

const SHOP = {
  name: 'shop',
  target: { clusters: ['prod'], namespaces: ['shop.local', 'internal.example.com'] },
  rules: {
    serviceConnectRefresh: { enabled: true },
    cloudMapOrphans: { enabled: true },
    dnsTtl: { enabled: true, max: '10s', set: '10s' },
    taskLimit: { enabled: true, warnAt: 900 },
  },
};
const POLICY = policyYaml({ ...SHOP, mode: 'enforce' });

async function policyDir(content: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'plan-test-'));
  await writeFile(join(dir, 'shop.yaml'), content);
  return dir;
}

function runPlan(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, ['--import', 'tsx', MAIN, 'plan', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

interface JsonFinding {
  rule: string;
  resource: { kind: string; id?: string; serviceId?: string; instanceId?: string; cluster?: string; name?: string };
  action: unknown;
  blocked: { reason: string } | null;
}

function findingId(f: JsonFinding): string {
  const r = f.resource;
  if (r.kind === 'ecs-service') return `${f.rule} ecs-service ${r.cluster}/${r.name}`;
  if (r.kind === 'cloudmap-service') return `${f.rule} cloudmap-service ${r.id}`;
  if (r.kind === 'cloudmap-namespace') return `${f.rule} cloudmap-namespace ${r.id}`;
  return `${f.rule} cloudmap-instance ${r.serviceId}/${r.instanceId}`;
}

/** What a plan of the demo under POLICY must contain, derived from the sandbox's ground truth. */
function expectedFromTruth(truth: SandboxTruth): string[] {
  return [
    ...truth.brokenPairs.map((p) => `serviceConnectRefresh ecs-service ${p.clientCluster}/${p.client}`),
    ...[...truth.orphanServices, ...truth.unprovenServices, ...truth.protectedServices].map(
      (s) => `cloudMapOrphans cloudmap-service ${s.id}`,
    ),
    ...truth.orphanInstances.map((i) => `cloudMapOrphans cloudmap-instance ${i.serviceId}/${i.instanceId}`),
    ...Object.entries(truth.ttlByService)
      .filter(([, ttl]) => ttl > 10)
      .map(([id]) => `dnsTtl cloudmap-service ${id}`),
    // drainBound report (the default): TTLs that outlive the drain bound once max (10 s) is enforced, no action.
    ...truth.ttlExceedsDrain
      .filter((d) => Math.min(d.ttl, 10) > d.boundSeconds)
      .map((d) => `dnsTtl cloudmap-service ${d.serviceId}`),
    ...truth.nearInstanceQuota.map((s) => `taskLimit cloudmap-service ${s.id}`),
    ...truth.namespacesNearQuota.map((n) => `taskLimit cloudmap-namespace ${n.id}`),
  ];
}

// Each test has its own sandbox and policy directory, and a plan of the demo fleet spends most of its time waiting
// for CloudTrail's two lookups a second (the sandbox keeps that limit in real time): the tests run side by side.
describe('plan', { concurrency: true }, () => {
  test('plan against the demo fleet prints every drift of the ground truth and nothing else, and exits 2', async () => {
    const sandbox = await startSandbox({ port: 0, scenario: DEMO });
    const dir = await policyDir(POLICY);
    try {
      const { code, stdout, stderr } = await runPlan(['--policies', dir, '--output', 'json'], sandbox.env());

      assert.equal(code, 2, stderr);
      const plan = JSON.parse(stdout) as { findings: JsonFinding[]; readErrors: unknown[] };
      assert.deepEqual(plan.readErrors, []);
      // Service Connect created these Cloud Map services: reported, never pruned (docs/ARCHITECTURE.md, safety contract), so not drift to fix.
      const scManaged = plan.findings.filter(
        (f) => f.blocked?.reason === 'service-connect-managed' && f.rule === 'cloudMapOrphans',
      );
      assert.ok(scManaged.every((f) => f.action === null));
      const found = plan.findings
        .filter((f) => !scManaged.includes(f))
        .map(findingId)
        .sort();
      assert.deepEqual(found, expectedFromTruth(sandbox.truth()).sort());
      // clickstream runs 12 tasks; only its Application Auto Scaling maximum (1,200) reaches warnAt.
      const clickstream = sandbox.cloudMap.services().find((s) => s.name === 'clickstream')!;
      assert.ok(found.includes(`taskLimit cloudmap-service ${clickstream.id}`), 'the autoscaling maximum is read');
    } finally {
      await rm(dir, { recursive: true, force: true });
      await sandbox.close();
    }
  });

  test('plan as text names each drifted resource and its remedy', async () => {
    const sandbox = await startSandbox({ port: 0, scenario: DEMO });
    const dir = await policyDir(POLICY);
    try {
      const { code, stdout } = await runPlan(['--policies', dir], sandbox.env());

      assert.equal(code, 2);
      assert.match(stdout, /serviceConnectRefresh\s+ecs-service prod\/checkout/);
      assert.match(stdout, /dnsTtl\s+cloudmap-service search .*\n.*A ttl 300s/);
      assert.match(stdout, /protected: tagged discovery-controller\/protect=true/);
      assert.doesNotMatch(stdout, /\x1b\[/, 'no colour when stdout is not a terminal');
    } finally {
      await rm(dir, { recursive: true, force: true });
      await sandbox.close();
    }
  });

  test('plan against a clean fleet exits 0', async () => {
    const sandbox = await startSandbox({
      port: 0,
      scenario: {
        name: 'clean',
        namespaces: [{ name: 'internal.example.com' }, { name: 'shop.local', type: 'HTTP' }],
        clusters: [
          {
            name: 'prod',
            services: [
              { name: 'api', desiredCount: 2, registry: { namespace: 'internal.example.com', ttl: 10 } },
              { name: 'web', desiredCount: 2, serviceConnect: { namespace: 'shop.local', endpoints: ['web'] } },
            ],
          },
        ],
      },
    });
    const dir = await policyDir(POLICY);
    try {
      const { code, stdout, stderr } = await runPlan(['--policies', dir], sandbox.env());

      assert.equal(code, 0, `${stdout}\n${stderr}`);
      assert.match(stdout, /0 findings/);
    } finally {
      await rm(dir, { recursive: true, force: true });
      await sandbox.close();
    }
  });

  test('invalid policies are reported like validate does and nothing is read (exit 1)', async () => {
    const sandbox = await startSandbox({ port: 0, scenario: DEMO });
    const dir = await policyDir(policyYaml({ ...SHOP, mode: 'sometimes' }));
    try {
      await fetch(`${sandbox.url}/_sandbox/calls`, { method: 'DELETE' });
      const { code, stderr } = await runPlan(['--policies', dir], sandbox.env());

      assert.equal(code, 1);
      assert.match(stderr, /shop\.yaml:\d+:\d+: error: .*\(at spec\.mode\)/);
      const calls = (await (await fetch(`${sandbox.url}/_sandbox/calls`)).json()) as Record<string, number>;
      assert.deepEqual(calls, {});
    } finally {
      await rm(dir, { recursive: true, force: true });
      await sandbox.close();
    }
  });

  test('a part of the fleet that cannot be read makes the plan fail (exit 1) and says where', async () => {
    const sandbox = await startSandbox({ port: 0, scenario: DEMO });
    const dir = await policyDir(POLICY);
    try {
      sandbox.faults.add({ operation: 'servicediscovery:ListInstances', errorCode: 'AccessDeniedException' });
      const { code, stderr } = await runPlan(['--policies', dir], sandbox.env());

      assert.equal(code, 1);
      assert.match(stderr, /read error\(s\); the plan is incomplete/);
      assert.match(stderr, /cloudmap-service srv-\S+: AccessDeniedException/);
    } finally {
      await rm(dir, { recursive: true, force: true });
      await sandbox.close();
    }
  });

  test('--help prints the options and exits 0; a missing --policies is a usage error', async () => {
    const help = await runPlan(['--help'], {});
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--policies SOURCE/);
    const missing = await runPlan([], {});
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--policies is required/);
  });

  const CLEAN_FLEET = {
    name: 'clean',
    namespaces: [{ name: 'internal.example.com' }, { name: 'shop.local', type: 'HTTP' as const }],
    clusters: [
      {
        name: 'prod',
        services: [
          { name: 'api', desiredCount: 2, registry: { namespace: 'internal.example.com', ttl: 10 } },
          { name: 'web', desiredCount: 2, serviceConnect: { namespace: 'shop.local', endpoints: ['web'] } },
        ],
      },
    ],
  };

  test('a policy whose fleet could not be read completely says "incomplete: N read errors", never "no drift" (text and JSON)', async () => {
    const sandbox = await startSandbox({ port: 0, scenario: CLEAN_FLEET });
    const dir = await policyDir(POLICY);
    try {
      sandbox.faults.add({ operation: 'ecs:ListServices', errorCode: 'AccessDeniedException' });
      const text = await runPlan(['--policies', dir], sandbox.env());
      assert.equal(text.code, 1, text.stderr);
      assert.match(text.stdout, /^policy shop \(enforce\)\n  incomplete: 1 read error \(listed on stderr\)/m);
      assert.doesNotMatch(text.stdout, /^\s*no drift$/m);
      assert.match(text.stdout, /\nincomplete \(read errors in 1 policy\): no drift found in what could be read\n$/);
      const json = await runPlan(['--policies', dir, '--output', 'json'], sandbox.env());
      assert.equal(json.code, 1);
      const doc = JSON.parse(json.stdout) as { policies: { name: string; complete: boolean; readErrors: number }[] };
      assert.deepEqual(
        doc.policies.map((p) => [p.name, p.complete, p.readErrors]),
        [['shop', false, 1]],
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
      await sandbox.close();
    }
  });

  test('--fail-on actionable exits 0 when only accepted findings remain (audit mode) and 2 when enforce mode would act', async () => {
    const audit = await policyDir(policyYaml({ ...SHOP, mode: 'audit' }));
    const enforce = await policyDir(POLICY);
    // A demo sandbox per plan: the three plans run side by side, none waiting for another's CloudTrail lookups.
    const sandboxes = await Promise.all([1, 2, 3].map(() => startSandbox({ port: 0, scenario: DEMO })));
    try {
      const [accepted, auditAny, enforceActionable, bad] = await Promise.all([
        runPlan(['--policies', audit, '--fail-on', 'actionable'], sandboxes[0].env()),
        runPlan(['--policies', audit], sandboxes[1].env()),
        runPlan(['--policies', enforce, '--fail-on', 'actionable'], sandboxes[2].env()),
        runPlan(['--policies', audit, '--fail-on', 'some'], sandboxes[0].env()),
      ]);
      assert.equal(accepted.code, 0, accepted.stdout + accepted.stderr);
      assert.match(accepted.stdout, /\nall actionable drift fixed; \d+ findings accepted \(audit-mode ×\d+, .*\)\n$/);
      assert.equal(auditAny.code, 2, 'the default, --fail-on any, fails on any finding');
      assert.equal(enforceActionable.code, 2);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--fail-on must be actionable or any, not "some"/);
    } finally {
      await rm(audit, { recursive: true, force: true });
      await rm(enforce, { recursive: true, force: true });
      await Promise.all(sandboxes.map((sandbox) => sandbox.close()));
    }
  });
});
