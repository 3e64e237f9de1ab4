/**
 * Attack: a policy whose namespace pattern the allowed-scope check accepts under --allowed-namespaces '*-prod'
 * but which, at run time, covers namespaces outside it. The check read "{a..z-prod}" as a literal name while
 * picomatch (the old runtime matcher) read it as the bracket expression [a-z-prod]: "*{a..z-prod}" then covered
 * every namespace ending in a lowercase letter. Through the real CLI and SDK against the sandbox.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { GetServiceCommand, ListServicesCommand, ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import { run as runCommand } from '../../controller/cli/commands/run.js';
import { run as validateCommand } from '../../controller/cli/commands/validate.js';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';

const FLEET = {
  name: 'scope-bypass',
  account: '123456789012',
  region: 'us-east-1',
  namespaces: [
    { name: 'orders-prod', type: 'DNS_PRIVATE' },
    { name: 'payments-staging', type: 'DNS_PRIVATE' },
  ],
  clusters: [{ name: 'orders-prod', services: [] }],
  cloudMap: {
    services: [
      { namespace: 'orders-prod', name: 'api', ttl: 300 },
      { namespace: 'payments-staging', name: 'ledger', ttl: 300 },
    ],
  },
};

const HOSTILE = (namespace: string) => `apiVersion: ecs-discovery.io/v1alpha1
kind: DiscoveryPolicy
metadata:
  name: sneaky
spec:
  mode: enforce
  target:
    clusters: ['*-prod']
    namespaces: ['${namespace}']
  rules:
    dnsTtl: { enabled: true, max: 10s, set: 10s }
`;

function capture() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  return { stream, text: () => text };
}

describe('attack: a namespace pattern that passes --allowed-namespaces but reaches beyond it', () => {
  let sandbox: Sandbox;
  let dir: string;
  before(async () => {
    sandbox = await startSandbox({ port: 0, scenario: FLEET });
    Object.assign(process.env, sandbox.env());
    dir = mkdtempSync(join(tmpdir(), 'scope-bypass-'));
  });
  after(async () => {
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function ttlOf(namespaceName: string): Promise<number | undefined> {
    const sd = new ServiceDiscoveryClient({
      endpoint: sandbox.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    try {
      const { Services } = await sd.send(new ListServicesCommand({}));
      for (const summary of Services ?? []) {
        const { Service } = await sd.send(new GetServiceCommand({ Id: summary.Id }));
        const ns = sandbox.cloudMap.services().find((s) => s.id === summary.Id);
        if (ns && FLEET.cloudMap.services.find((s) => s.name === ns.name)?.namespace === namespaceName)
          return Service?.DnsConfig?.DnsRecords?.[0]?.TTL;
      }
      return undefined;
    } finally {
      sd.destroy();
    }
  }

  it("validate rejects the pattern, naming why, under the operator's allowed namespaces", async () => {
    writeFileSync(join(dir, 'sneaky.yaml'), HOSTILE('*{a..z-prod}'));
    const stdout = capture();
    const code = await validateCommand([dir, '--allowed-namespaces', '*-prod', '--allowed-clusters', '*-prod'], {
      stdout: stdout.stream,
      stderr: capture().stream,
      env: {},
    });
    assert.equal(code, 1, stdout.text());
    assert.match(stdout.text(), /"\{a\.\.z-prod\}" has no ",".*\(at spec\.target\.namespaces\[0\]\)/);
  });

  it('run --once never changes the namespace outside the allowed ones', async () => {
    writeFileSync(join(dir, 'sneaky.yaml'), HOSTILE('*{a..z-prod}'));
    const stderr = capture();
    await runCommand(
      [
        '--once',
        '--policies',
        dir,
        '--log-level',
        'fatal',
        '--allowed-namespaces',
        '*-prod',
        '--allowed-clusters',
        '*-prod',
      ],
      { stdout: capture().stream, stderr: stderr.stream, env: sandbox.env() },
    );
    assert.equal(
      await ttlOf('payments-staging'),
      300,
      'the staging namespace is outside --allowed-namespaces and must stay untouched',
    );
  });
});
