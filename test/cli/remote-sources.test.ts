/** `plan` and `validate` with --policies from S3 (s3rver) and git (a repository served over HTTP): issue "GitOps sources". */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox } from '../../sandbox/index.js';
import { startGitRepo, type GitTestRepo } from '../sources/git-server.js';
import { startS3, type S3TestServer } from '../sources/s3-server.js';
import { awsEnv, runCli } from './run-cli.js';
import { policyYaml } from '../fixtures/policy.js';

const SHOP = { name: 'shop', target: { clusters: ['prod'], namespaces: ['shop.local', 'internal.example.com'] } };
// The orphan rule off: it would walk the demo fleet's CloudTrail history at two lookups a second (about
// 12 s a plan), which says nothing about where the policies came from.
const POLICY = policyYaml({
  ...SHOP,
  rules: { dnsTtl: { enabled: true, max: '10s', set: '10s' }, cloudMapOrphans: { enabled: false } },
});

let sandbox: Awaited<ReturnType<typeof startSandbox>>;
let s3: S3TestServer;
let repo: GitTestRepo;
let env: Record<string, string>;

before(async () => {
  sandbox = await startSandbox({ port: 0, scenario: 'sandbox/scenarios/demo.yaml' });
  s3 = await startS3(['policies']);
  repo = await startGitRepo();
  // The sandbox answers every AWS service but S3; s3rver checks signatures made with its fixed keys.
  env = {
    ...awsEnv(sandbox.url),
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
  };
});

after(async () => {
  await repo?.close();
  await s3?.close();
  await sandbox?.close();
});

test('plan --policies s3://… reads the policies from the bucket and reports the drift they define', async () => {
  await s3.put('policies/prod/shop.yaml', POLICY);
  const result = await runCli(['plan', '--policies', 's3://policies/prod/', '--output', 'json'], env);
  assert.equal(result.code, 2, result.stderr);
  const plan = JSON.parse(result.stdout);
  assert.deepEqual(
    plan.policies.map((p: { name: string }) => p.name),
    ['shop'],
  );
  assert.ok(
    plan.findings.some((f: { rule: string }) => f.rule === 'dnsTtl'),
    'the demo fleet has a long TTL',
  );
  assert.match(plan.revision, /^sha256:/);
});

test('plan --policies git+http://… reads a branch of a served repository; revision is the commit', async () => {
  const sha = repo.commit({ 'policies/shop.yaml': POLICY });
  const result = await runCli(['plan', '--policies', `${repo.httpUrl}?ref=main&path=policies`, '--output', 'json'], {
    ...env,
    CACHE_DIR: repo.root,
  });
  assert.equal(result.code, 2, result.stderr);
  const plan = JSON.parse(result.stdout);
  assert.equal(plan.revision, sha);
  assert.deepEqual(
    plan.policies.map((p: { name: string }) => p.name),
    ['shop'],
  );
});

test('validate accepts the same URLs, and a broken policy in the bucket fails with its object path and field', async () => {
  await s3.put(
    'policies/broken/shop.yaml',
    policyYaml({ ...SHOP, rules: { dnsTtl: { enabled: true, max: 'ten', set: '10s' } } }),
  );
  const result = await runCli(['validate', 's3://policies/broken/'], env);
  assert.equal(result.code, 1, result.stderr);
  assert.match(
    result.stdout,
    /^s3:\/\/policies\/broken\/shop\.yaml:\d+:\d+: error: .*\(at spec\.rules\.dnsTtl\.max\)/m,
  );
  const git = await runCli(['validate', `${repo.httpUrl}?ref=main&path=policies`], { ...env, CACHE_DIR: repo.root });
  assert.equal(git.code, 0, git.stdout + git.stderr);
  assert.match(git.stdout, /1 file, 1 policy: all valid/);
});

test('a source that cannot be read is an error naming it, not a crash', async () => {
  const result = await runCli(['validate', `${repo.httpUrl}?ref=no-such-branch`], { ...env, CACHE_DIR: repo.root });
  assert.equal(result.code, 1);
  assert.match(result.stdout, /no branch, tag or commit "no-such-branch"/);
  assert.doesNotMatch(result.stderr, /at .*\.ts:\d+/, 'no stack trace');
});
