/** What `npm start` runs: the demo fixes every drift kind of the demo fleet, says so in plain words, and stops on Ctrl+C. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';

test('the sandbox demo finds and fixes every drift kind within a minute, touching nothing it must not', async () => {
  const child = spawn(process.execPath, ['bin/ecs-discovery-controller.js', 'sandbox', '--port', '0', '--metrics-addr', '127.0.0.1:0'], {
    env: { ...process.env, LOG_LEVEL: 'error' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const fixed = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "All drift fixed" within 60 s:\n${stdout}\n${stderr}`)), 60_000);
    child.stdout.on('data', (d) => {
      stdout += d;
      if (stdout.includes('All drift fixed')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => reject(new Error(`demo exited early (${code}):\n${stdout}\n${stderr}`)));
  });
  try {
    await fixed;
  } finally {
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    const code = await exited;
    assert.equal(code, 0, stderr);
  }
  // It names each kind of drift it found...
  assert.match(stdout, /Service Connect: .*web.* started before recommendations joined/);
  assert.match(stdout, /Cloud Map: .*reports.* left behind/);
  assert.match(stdout, /DNS: .*search \(300s\)/);
  assert.match(stdout, /Task limit: events-ingest/);
  // ...and each fix, in words.
  assert.match(stdout, /Redeployed ECS service prod\/web/);
  assert.match(stdout, /Deleted Cloud Map service reports/);
  assert.match(stdout, /Deregistered instance .* of ledger/);
  assert.match(stdout, /Lowered the DNS TTL of Cloud Map service search/);
  assert.match(stdout, /Nothing in use was deleted/);
  assert.doesNotMatch(stdout, /partner-gateway: |Deleted Cloud Map service (billing-legacy|partner-gateway|promo)/);
  assert.match(stdout, /sandbox: stopped/);
});
