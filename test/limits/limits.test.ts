import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { UsageError } from '../../controller/cli/io.js';
import { DEFAULT_LIMITS, LIMIT_SETTINGS, limitsTableMarkdown, parseLimits } from '../../controller/limits/limits.js';
import { runCli } from '../cli/run-cli.js';
import { policyYaml } from '../fixtures/policy.js';

const scratch = mkdtempSync(join(tmpdir(), 'limits-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

// A valid policy; the comment only pads it past the byte limit the test sets.
const POLICY = `${policyYaml({ name: 'big' })}# padding padding padding padding padding padding padding padding padding padding padding padding\n`;

describe('limits', () => {
  it('parses each limit once, with defaults, and rejects a bad value naming the variable and its range', () => {
    assert.deepEqual(parseLimits({}), DEFAULT_LIMITS);
    assert.equal(parseLimits({ MAX_POLICY_BYTES: '2048' }).maxPolicyBytes, 2048);
    for (const bad of ['lots', '0', '-1', '1.5', '1e3', '99999999999999']) {
      assert.throws(
        () => parseLimits({ MAX_POLICY_BYTES: bad }),
        (error: unknown) =>
          error instanceof UsageError &&
          error.message.startsWith(`MAX_POLICY_BYTES="${bad}" is not a positive whole number of bytes from 1 to`),
        bad,
      );
    }
  });

  it('lists every limit in the README configuration table', () => {
    const readme = readFileSync('README.md', 'utf8');
    for (const row of limitsTableMarkdown().split('\n'))
      assert.ok(readme.includes(row), `README.md lacks the row: ${row}`);
    assert.ok(LIMIT_SETTINGS.length > 0);
  });

  it('validate, plan and run reject the same bad value with the same message and exit 2', async () => {
    const env = {
      MAX_POLICY_BYTES: 'lots',
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
      AWS_ACCESS_KEY_ID: 'x',
      AWS_SECRET_ACCESS_KEY: 'x',
    };
    const results = await Promise.all([
      runCli(['validate', 'manifests/examples'], env),
      runCli(['plan', '--policies', 'manifests/examples'], env),
      runCli(
        ['run', '--policies', 'manifests/examples', '--metrics-addr', '127.0.0.1:0', '--allow-all-namespaces'],
        env,
      ),
    ]);
    const first = (stderr: string) => stderr.split('\n')[0];
    for (const result of results) {
      assert.equal(result.code, 2, result.stderr);
      assert.equal(first(result.stderr), first(results[0].stderr));
      assert.match(first(result.stderr), /^error: MAX_POLICY_BYTES="lots" is not a positive whole number of bytes/);
    }
  });

  it('validate refuses a local file over MAX_POLICY_BYTES as plan and run do', async () => {
    const file = join(scratch, 'big.yaml');
    writeFileSync(file, POLICY);
    const limit = String(Buffer.byteLength(POLICY) - 10);
    const validate = await runCli(['validate', file], { MAX_POLICY_BYTES: limit });
    assert.equal(validate.code, 1, validate.stdout + validate.stderr);
    assert.match(validate.stdout, new RegExp(`over the ${limit}-byte limit`));
    const plan = await runCli(['plan', '--policies', file], {
      MAX_POLICY_BYTES: limit,
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    });
    assert.equal(plan.code, 1);
    assert.match(plan.stderr, new RegExp(`over the ${limit}-byte limit`));
    assert.equal((await runCli(['validate', file], {})).code, 0, 'within the default limit it is valid');
  });
});
