/**
 * Safeguards a policy cannot switch off, through the real CLI and SDK against the sandbox:
 * - the operator's floors and ceilings (grace period, hourly deletions, cooldown, concurrent redeploys, DNS TTL):
 *   validate, plan and run reject a policy beyond them, naming the operator's limit;
 * - the operator's protect tag: a policy used to replace it with a tag of its own, unprotecting every service
 *   tagged discovery-controller/protect=true; now a policy may only add protect tags.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { GetServiceCommand, ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import { run as planCommand } from '../../controller/cli/commands/plan.js';
import { run as runCommand } from '../../controller/cli/commands/run.js';
import { run as validateCommand } from '../../controller/cli/commands/validate.js';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';

const FLEET = {
  name: 'safeguards',
  account: '123456789012',
  region: 'us-east-1',
  namespaces: [{ name: 'internal.local', type: 'DNS_PRIVATE' }],
  clusters: [{ name: 'prod', services: [] }],
  cloudMap: {
    services: [
      { namespace: 'internal.local', name: 'guarded', ttl: 300, tags: { 'discovery-controller/protect': 'true' } },
      { namespace: 'internal.local', name: 'kept', ttl: 300, tags: { keep: 'forever' } },
      { namespace: 'internal.local', name: 'custom', ttl: 300, tags: { 'acme/hands-off': 'yes' } },
      { namespace: 'internal.local', name: 'plain', ttl: 300 },
    ],
  },
};

const policy = (rules: string) => `apiVersion: ecs-discovery.io/v1alpha1
kind: DiscoveryPolicy
metadata:
  name: team
spec:
  mode: enforce
  target:
    clusters: [prod]
    namespaces: [internal.local]
  rules:
${rules}`;

const GREEDY = policy(`    cloudMapOrphans: { gracePeriod: 0s, maxDeletionsPerRun: 50 }
    serviceConnectRefresh: { cooldown: 0s, maxConcurrent: 10 }
    dnsTtl: { max: 1s, set: 1s }
`);

const BOUNDS = [
  '--min-grace-period',
  '15m',
  '--max-deletions-per-hour',
  '20',
  '--min-cooldown',
  '1h',
  '--max-concurrent-redeploys',
  '2',
  '--min-dns-ttl',
  '5s',
];

const LIMIT_MESSAGES = [
  /gracePeriod 0s is below the operator's minimum grace period 15m \(--min-grace-period \/ MIN_GRACE_PERIOD\)/,
  /maxDeletionsPerRun 50 is above the operator's maximum of 20 deletions per namespace per hour \(--max-deletions-per-hour \/ MAX_DELETIONS_PER_HOUR\)/,
  /cooldown 0s is below the operator's minimum cooldown 1h \(--min-cooldown \/ MIN_COOLDOWN\)/,
  /maxConcurrent 10 is above the operator's maximum of 2 concurrent redeploys \(--max-concurrent-redeploys \/ MAX_CONCURRENT_REDEPLOYS\)/,
  /set 1s is below the operator's minimum DNS TTL 5s \(--min-dns-ttl \/ MIN_DNS_TTL\)/,
];

function capture() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  return { stream, text: () => text };
}

describe('safeguards the policy cannot switch off', () => {
  let sandbox: Sandbox;
  let dir: string;
  before(async () => {
    sandbox = await startSandbox({ port: 0, scenario: FLEET });
    Object.assign(process.env, sandbox.env());
    dir = mkdtempSync(join(tmpdir(), 'safeguards-'));
  });
  after(async () => {
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function ttl(name: string): Promise<number | undefined> {
    const id = sandbox.cloudMap.services().find((s) => s.name === name)!.id;
    const sd = new ServiceDiscoveryClient({
      endpoint: sandbox.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    try {
      return (await sd.send(new GetServiceCommand({ Id: id }))).Service?.DnsConfig?.DnsRecords?.[0]?.TTL;
    } finally {
      sd.destroy();
    }
  }

  async function runOnce(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stderr: string }> {
    const stderr = capture();
    const code = await runCommand(
      ['--once', '--policies', dir, '--log-level', 'error', '--allow-all-namespaces', ...args],
      { stdout: capture().stream, stderr: stderr.stream, env: { ...sandbox.env(), ...env } },
    );
    return { code, stderr: stderr.text() };
  }

  it("validate, plan and run reject a policy beyond the operator's floors and ceilings, naming each limit", async () => {
    writeFileSync(join(dir, 'team.yaml'), GREEDY);
    const out = capture();
    assert.equal(await validateCommand([dir, ...BOUNDS], { stdout: out.stream, stderr: capture().stream, env: {} }), 1);
    for (const message of LIMIT_MESSAGES) assert.match(out.text(), message);

    const planOut = capture();
    const planErr = capture();
    assert.equal(
      await planCommand(['--policies', dir, ...BOUNDS], {
        stdout: planOut.stream,
        stderr: planErr.stream,
        env: sandbox.env(),
      }),
      1,
    );
    for (const message of LIMIT_MESSAGES) assert.match(planOut.text() + planErr.text(), message);

    // run takes the same bounds from its environment, as the manifests set them.
    const env = {
      MIN_GRACE_PERIOD: '15m',
      MAX_DELETIONS_PER_HOUR: '20',
      MIN_COOLDOWN: '1h',
      MAX_CONCURRENT_REDEPLOYS: '2',
      MIN_DNS_TTL: '5s',
    };
    const { code, stderr } = await runOnce([], env);
    assert.equal(code, 1);
    for (const message of LIMIT_MESSAGES) assert.match(stderr, message);
    assert.equal(await ttl('plain'), 300, 'nothing is changed under a rejected policy');
  });

  it("keeps the operator's protect tag whatever the policy says, and lets the policy add its own", async () => {
    // Today's code let protectTag replace the operator's key, unprotecting "guarded".
    writeFileSync(
      join(dir, 'team.yaml'),
      policy(
        '    dnsTtl: { max: 10s, set: 10s }\n    cloudMapOrphans:\n      protectTag: { key: nothing, value: here }\n',
      ),
    );
    await runOnce([]);
    assert.equal(await ttl('guarded'), 300, "a policy cannot remove the operator's protect tag");

    writeFileSync(
      join(dir, 'team.yaml'),
      policy(
        '    dnsTtl: { max: 10s, set: 10s }\n    cloudMapOrphans:\n      gracePeriod: 1h\n      protectTags: [{ key: keep, value: forever }]\n',
      ),
    );
    const { code, stderr } = await runOnce(['--protect-tag-key', 'acme/hands-off']);
    assert.equal(code, 0, stderr);
    assert.deepEqual(
      [await ttl('custom'), await ttl('kept'), await ttl('plain')],
      [300, 300, 10],
      "the operator's key and the policy's added tag both protect",
    );
  });
});
