/**
 * Attacks on ownership, through the real CLI and SDK against the sandbox:
 * - a new policy on its own cluster that names another team's namespace took over the team's Cloud Map services
 *   (the tie went to the name that sorts first) and pruned them with its own settings;
 * - a policy owning only an ECS service's registry namespace redeployed it for Service Connect, although the
 *   policy owning its Service Connect namespace does not enable serviceConnectRefresh.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { run as runCommand } from '../../controller/cli/commands/run.js';
import { run as validateCommand } from '../../controller/cli/commands/validate.js';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';

const FLEET = {
  name: 'ownership',
  account: '123456789012',
  region: 'us-east-1',
  resolveGrace: '0s',
  namespaces: [
    { name: 'shared.local', type: 'DNS_PRIVATE', created: '-90d' },
    { name: 'reg.local', type: 'DNS_PRIVATE', created: '-90d' },
    { name: 'mesh.local', type: 'HTTP', created: '-90d' },
  ],
  clusters: [
    { name: 'team-a', services: [] },
    {
      name: 'prod',
      services: [
        // Registry in reg.local (policy "apps"), Service Connect in mesh.local (policy "mesh", refresh off).
        {
          name: 'web',
          desiredCount: 1,
          created: '-9h',
          registry: { namespace: 'reg.local', ttl: 10 },
          serviceConnect: { namespace: 'mesh.local' },
        },
        {
          name: 'recommendations',
          desiredCount: 1,
          created: '-2h',
          serviceConnect: { namespace: 'mesh.local', endpoints: ['recommendations'] },
        },
      ],
    },
  ],
  // The team's Cloud Map service, unreferenced for now: the team keeps it (its policy prunes nothing).
  cloudMap: { services: [{ namespace: 'shared.local', name: 'warm-standby', ttl: 10, created: '-30d' }] },
};

const doc = (name: string, spec: string) =>
  `apiVersion: ecs-discovery.io/v1alpha1\nkind: DiscoveryPolicy\nmetadata:\n  name: ${name}\nspec:\n  mode: enforce\n${spec}`;

function capture() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  return { stream, text: () => text };
}

describe('attack: taking over resources another policy owns', () => {
  let sandbox: Sandbox;
  let dir: string;
  before(async () => {
    sandbox = await startSandbox({ port: 0, scenario: FLEET });
    Object.assign(process.env, sandbox.env());
  });
  after(async () => {
    await sandbox.close();
  });

  async function runOnce(files: Record<string, string>): Promise<{ code: number; stderr: string }> {
    dir = mkdtempSync(join(tmpdir(), 'ownership-'));
    for (const [file, content] of Object.entries(files)) writeFileSync(join(dir, file), content);
    const stderr = capture();
    try {
      const code = await runCommand(['--once', '--policies', dir, '--log-level', 'fatal', '--allow-all-namespaces'], {
        stdout: capture().stream,
        stderr: stderr.stream,
        env: sandbox.env(),
      });
      return { code, stderr: stderr.text() };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  const writes = (op: string) => (sandbox.calls.snapshot() as Record<string, number>)[op] ?? 0;

  it("a new policy on another cluster cannot take over a shared namespace's Cloud Map services", async () => {
    const files = {
      'team.yaml': doc(
        'team',
        '  target:\n    clusters: [team-a]\n    namespaces: [shared.local]\n  rules:\n    taskLimit: {}\n',
      ),
      'new.yaml': doc(
        'aaa',
        '  target:\n    clusters: [prod]\n    namespaces: [shared.local]\n  rules:\n    cloudMapOrphans: { gracePeriod: 0s }\n',
      ),
    };
    const stdout = capture();
    const dirForValidate = mkdtempSync(join(tmpdir(), 'ownership-validate-'));
    for (const [file, content] of Object.entries(files)) writeFileSync(join(dirForValidate, file), content);
    assert.equal(
      await validateCommand([dirForValidate], { stdout: stdout.stream, stderr: capture().stream, env: {} }),
      1,
    );
    rmSync(dirForValidate, { recursive: true, force: true });
    assert.match(
      stdout.text(),
      /Cloud Map services in namespaces "shared\.local", whatever their clusters, since policy "aaa" runs cloudMapOrphans/,
    );
    await runOnce(files);
    assert.equal(writes('servicediscovery:DeleteService'), 0, "the team's warm-standby service must survive");
  });

  it('the owner of a registry namespace does not redeploy a client for Service Connect', async () => {
    const before = writes('ecs:UpdateService');
    const { code, stderr } = await runOnce({
      'registry.yaml': doc(
        'apps',
        '  target:\n    clusters: [prod]\n    namespaces: [reg.local]\n  rules:\n    serviceConnectRefresh: { staleAfter: 0s, cooldown: 0s }\n',
      ),
      'mesh.yaml': doc(
        'mesh',
        '  target:\n    clusters: [prod]\n    namespaces: [mesh.local]\n  rules:\n    taskLimit: {}\n',
      ),
    });
    assert.equal(code, 0, stderr);
    assert.equal(
      writes('ecs:UpdateService') - before,
      0,
      'web is redeployed for Service Connect only if the mesh.local policy enables serviceConnectRefresh',
    );
    const { code: code2 } = await runOnce({
      'registry.yaml': doc(
        'apps',
        '  target:\n    clusters: [prod]\n    namespaces: [reg.local]\n  rules:\n    taskLimit: {}\n',
      ),
      'mesh.yaml': doc(
        'mesh',
        '  target:\n    clusters: [prod]\n    namespaces: [mesh.local]\n  rules:\n    serviceConnectRefresh: { staleAfter: 0s, cooldown: 0s }\n',
      ),
    });
    assert.equal(code2, 0);
    assert.equal(writes('ecs:UpdateService') - before, 1, 'the mesh.local policy does redeploy the stale client');
  });
});
