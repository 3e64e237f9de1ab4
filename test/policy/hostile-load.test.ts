/**
 * A small hostile revision must not stall the controller: the operator's per-revision limits refuse it at once,
 * naming the limit, and whatever gets past them is loaded off the event loop with a time limit, so /healthz
 * keeps answering while it loads (fixtures/brace-bomb.yaml: under 1 KB, minutes of overlap checking before).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPolicySet } from '../../controller/policy/load.js';
import { braceAlternatives, patternComplexity } from '../../controller/policy/revision-limits.js';
import { DirectorySource } from '../../controller/sources/directory.js';
import { PolicyWatcher } from '../../controller/runtime/policy-watcher.js';
import { ControllerMetrics } from '../../controller/telemetry/metrics.js';
import { silentLogger } from '../../controller/telemetry/logger.js';
import { startTelemetryServer } from '../../controller/telemetry/server.js';
import { runCli } from '../cli/run-cli.js';
import { policyYaml } from '../sources/policy-text.js';

const FIXTURE = 'test/policy/fixtures/brace-bomb.yaml';
const HOSTILE = readFileSync(FIXTURE, 'utf8');
const allowed = { clusters: [], namespaces: [], accounts: [] };
const scratch = mkdtempSync(join(tmpdir(), 'hostile-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const revision = (content: string, path = 'p.yaml') => ({
  revision: 'r1',
  documents: [{ path, content }],
  warnings: [],
});

test('the hostile revision is refused by the pattern-complexity limit, each pattern located and the limit named', () => {
  assert.ok(Buffer.byteLength(HOSTILE) < 1300);
  const { set, problems } = loadPolicySet(revision(HOSTILE), { allowed });
  assert.equal(set, undefined);
  assert.ok(problems.length >= 6);
  for (const p of problems) {
    assert.match(p.message, /over the operator's limit of 2048 \(MAX_PATTERN_COMPLEXITY\)/);
    assert.match(p.path, /^spec\.target\.(clusters|namespaces)\[0\]$/);
    assert.ok(p.line > 0);
  }
  assert.equal(braceAlternatives('{a,b}'.repeat(8)), 256);
  assert.equal(braceAlternatives('x{a,{b,c}d}{1,2,3}'), 9);
  assert.equal(braceAlternatives('{a,b}'.repeat(200), 10_000), 10_000, 'counted without expanding, capped');
  assert.equal(patternComplexity('prod-*'), 6);
});

test('documents, patterns and bytes per revision are limited, each refusal naming its variable', () => {
  const many = Array.from({ length: 4 }, (_, i) => policyYaml(`p${i}`)).join('\n---\n');
  const docs = loadPolicySet(revision(many), { allowed, limits: { maxPolicyDocuments: 3 } });
  assert.match(
    docs.problems[0].message,
    /holds 4 YAML documents, over the operator's limit of 3 \(MAX_POLICY_DOCUMENTS\)/,
  );
  const patterns = loadPolicySet(revision(many), { allowed, limits: { maxPolicyPatterns: 7 } });
  assert.match(
    patterns.problems[0].message,
    /holds 8 target patterns, over the operator's limit of 7 \(MAX_POLICY_PATTERNS\)/,
  );
  const bytes = loadPolicySet(revision(many), { allowed, limits: { maxRevisionBytes: 100 } });
  assert.match(bytes.problems[0].message, /over the operator's limit of 100 \(MAX_REVISION_BYTES\)/);
  assert.ok(loadPolicySet(revision(many), { allowed }).set, 'within the defaults it loads');
});

test("validate rejects the hostile file with the operator's limit in the message, and honours a raised limit variable", async () => {
  const dir = join(scratch, 'validate');
  rmSync(dir, { recursive: true, force: true });
  (await import('node:fs')).mkdirSync(dir);
  writeFileSync(join(dir, 'bomb.yaml'), HOSTILE);
  const refused = await runCli(['validate', dir], {});
  assert.equal(refused.code, 1, refused.stdout + refused.stderr);
  assert.match(refused.stdout + refused.stderr, /MAX_PATTERN_COMPLEXITY/);
  const tooMany = await runCli(['validate', 'manifests/examples'], { MAX_POLICY_DOCUMENTS: '1' });
  assert.equal(tooMany.code, 1);
  assert.match(tooMany.stdout + tooMany.stderr, /MAX_POLICY_DOCUMENTS/);
});

test('/healthz answers while a slow revision loads, and the load is stopped at POLICY_LOAD_TIMEOUT_MS', async () => {
  // Two of the fixture's policies, with the complexity limit lifted: seconds of CPU for the overlap check.
  const slow = HOSTILE.split(/^---$/m).slice(0, 3).join('---');
  const dir = join(scratch, 'slow');
  (await import('node:fs')).mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'slow.yaml'), slow);
  const watcher = new PolicyWatcher({
    source: new DirectorySource(dir),
    allowed,
    logger: silentLogger(),
    pollIntervalMs: 60_000,
    limits: { maxPatternComplexity: 100_000_000, policyLoadTimeoutMs: 1_000 },
  });
  const server = await startTelemetryServer({
    address: '127.0.0.1:0',
    metrics: new ControllerMetrics({ defaultMetrics: false }),
    logger: silentLogger(),
    readiness: () => ({ ready: true }),
    status: () => watcher.status(),
  });
  try {
    let settled = false;
    const polling = watcher.poll().finally(() => {
      settled = true;
    });
    const health = await fetch(`${server.url}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(settled, false, '/healthz answered while the revision was still loading');
    const outcome = await polling;
    assert.equal(outcome.kind, 'invalid');
    assert.match(JSON.stringify(outcome), /longer than the operator's limit of 1000 ms \(POLICY_LOAD_TIMEOUT_MS\)/);
    assert.equal(watcher.current(), undefined, 'nothing was loaded from it');
    // The stopped loader is replaced: the next revision loads normally.
    writeFileSync(join(dir, 'slow.yaml'), policyYaml('fixed'));
    const fixed = await watcher.poll();
    assert.equal(fixed.kind, 'updated');
    assert.deepEqual(
      watcher.current()!.policies.map((p) => p.name),
      ['fixed'],
    );
    assert.ok(
      Object.isFrozen(watcher.current()!.policies[0].target),
      'the set from the thread is frozen like a local one',
    );
  } finally {
    await server.close();
  }
});

test(
  'the runtime matcher cannot backtrack catastrophically on a many-star pattern (ReDoS)',
  { timeout: 20_000 },
  async () => {
    const { compileGlob, globMatches } = await import('../../controller/policy/glob.js');
    // As plain [\s\S]* groups, "*a*a*a*a*a*a*b" took 18 s against 60 "a"s, and each star more multiplies it.
    const glob = compileGlob(`${'*a'.repeat(12)}*b`, 'cluster').glob!;
    assert.equal(glob.regex.test('a'.repeat(200)), false);
    assert.equal(glob.regex.test(`${'a'.repeat(200)}b`), true);
    const dashes = compileGlob('*-*-*-*-*-*-*-*-*-x', 'cluster').glob!;
    assert.equal(dashes.regex.test('prod-eu-west-1-payments-api-v2-blue-green-canary-'.repeat(4)), false);
    // Same answers as the automaton the allowed-scope check reasons with.
    for (const [pattern, names] of [
      ['a*b*c', ['abc', 'aXbYc', 'acb', 'abcbc', 'ab', 'abbc']],
      ['*ab*ab', ['abab', 'aabab', 'abaab', 'ab', 'ababab', 'abba']],
      ['{x*y,*z*}q', ['xyq', 'xAyq', 'zq', 'AzBq', 'xq', 'yq']],
      ['[ab]*[^a]*a', ['bca', 'aba', 'aaa', 'abba', 'bxya']],
    ] as const) {
      const g = compileGlob(pattern, 'namespace').glob!;
      for (const name of names) assert.equal(g.regex.test(name), globMatches(g, name), `${pattern} vs ${name}`);
    }
  },
);

test('run takes the per-revision limits from the environment like validate does', async () => {
  const dir = join(scratch, 'run');
  (await import('node:fs')).mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'two.yaml'), `${policyYaml('one')}\n---\n${policyYaml('two')}`);
  const env = {
    MAX_POLICY_DOCUMENTS: '1',
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    AWS_ACCESS_KEY_ID: 'x',
    AWS_SECRET_ACCESS_KEY: 'x',
  };
  const result = await runCli(
    [
      'run',
      '--once',
      '--policies',
      dir,
      '--allow-all-namespaces',
      '--metrics-addr',
      '127.0.0.1:0',
      '--log-level',
      'error',
    ],
    env,
  );
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, /over the operator's limit of 1 \(MAX_POLICY_DOCUMENTS\)/);
});
