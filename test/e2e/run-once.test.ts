import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { run } from '../../controller/cli/commands/run.js';
import { main } from '../../controller/cli/main.js';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { FLEET, policyYaml, writeCalls } from './run-harness.js';

function capture() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  return { stream, text: () => text };
}

describe('run --once', () => {
  let sandbox: Sandbox;
  let dir: string;
  before(async () => {
    sandbox = await startSandbox({ port: 0, scenario: FLEET });
    // The SDK's credential chain reads the process environment, not the command's.
    Object.assign(process.env, sandbox.env());
    dir = mkdtempSync(join(tmpdir(), 'run-once-'));
  });
  after(async () => {
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reconciles one time, prints a summary and exits 0', async () => {
    writeFileSync(join(dir, 'fleet.yaml'), policyYaml('enforce'));
    const stdout = capture();
    const stderr = capture();
    const code = await run(['--once', '--policies', dir, '--log-level', 'warn', '--allow-all-namespaces'], {
      stdout: stdout.stream,
      stderr: stderr.stream,
      env: sandbox.env(),
    });
    assert.equal(code, 0, stderr.text());
    assert.match(
      stdout.text(),
      /^reconciled revision sha256:[0-9a-f]+: \d+ finding\(s\), [1-9]\d* action\(s\) executed, 0 failed, \d+ blocked; all actionable drift fixed; .*\n$/,
    );
    assert.ok(writeCalls(sandbox)['servicediscovery:UpdateService'] >= 1, 'the TTL drift was fixed');
    assert.equal(
      writeCalls(sandbox)['servicediscovery:DeleteService'],
      0,
      'orphans wait for their grace period even in one-shot runs',
    );
  });

  it('exits 1 with the reason when no valid policy set can be loaded', async () => {
    writeFileSync(
      join(dir, 'fleet.yaml'),
      'apiVersion: ecs-discovery.io/v1alpha1\nkind: DiscoveryPolicy\nmetadata: {name: x}\nspec: {mode: loud}\n',
    );
    const stderr = capture();
    const code = await run(['--once', '--policies', dir, '--log-level', 'fatal', '--allow-all-namespaces'], {
      stdout: capture().stream,
      stderr: stderr.stream,
      env: sandbox.env(),
    });
    assert.equal(code, 1);
    assert.match(stderr.text(), /no valid policy set/);
  });

  it('reports usage mistakes with exit code 2 and prints help on request', async () => {
    const stderr = capture();
    assert.equal(
      await main(['run', '--resync', 'often'], {
        stdout: capture().stream,
        stderr: stderr.stream,
        env: { POLICIES: dir },
      }),
      2,
    );
    assert.match(stderr.text(), /invalid --resync cron expression "often"/);
    const stdout = capture();
    assert.equal(await main(['run', '--help'], { stdout: stdout.stream, stderr: capture().stream, env: {} }), 0);
    assert.match(stdout.text(), /--queue-url <value>\s+SQS queue/);
  });
});
