import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GitSource } from '../../controller/sources/git.js';
import { parseGitUrl, redactUrl } from '../../controller/sources/git-url.js';
import { PolicySourceError } from '../../controller/sources/types.js';
import { startGitRepo, type GitTestRepo } from './git-server.js';
import { policyYaml } from './policy-text.js';

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

function cacheDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gitcache-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function repo(options: { token?: string; tls?: boolean } = {}): Promise<GitTestRepo> {
  const r = await startGitRepo(options);
  cleanups.push(() => r.close());
  return r;
}

test('fetches a branch over smart HTTP; revision is the commit SHA; only the path is read', async () => {
  const r = await repo();
  const sha = r.commit({
    'policies/payments.yaml': policyYaml('payments'),
    'policies/team/orders.yml': policyYaml('orders'),
    'README.md': '# docs',
    'other/x.yaml': policyYaml('x'),
  });
  const source = new GitSource(`${r.httpUrl}?ref=main&path=policies/`, { cacheDir: cacheDir(), env: {} });
  const result = await source.fetch();
  assert.equal(result.revision, sha);
  assert.deepEqual(
    result.documents.map((d) => d.path),
    ['payments.yaml', 'team/orders.yml'],
  );
  assert.match(result.documents[0].content, /name: payments/);
  assert.equal(source.name, `${r.httpUrl}?ref=main&path=policies`);
});

test('a new commit is picked up on the next fetch; a force-pushed branch simply moves', async () => {
  const r = await repo();
  r.commit({ 'policies/a.yaml': policyYaml('a') });
  const source = new GitSource(`${r.httpUrl}?ref=main&path=policies`, { cacheDir: cacheDir(), env: {} });
  await source.fetch();
  const second = r.commit({ 'policies/b.yaml': policyYaml('b') });
  const afterCommit = await source.fetch();
  assert.equal(afterCommit.revision, second);
  assert.deepEqual(
    afterCommit.documents.map((d) => d.path),
    ['a.yaml', 'b.yaml'],
  );
  const rewritten = r.forcePush({ 'policies/c.yaml': policyYaml('c') });
  const afterForce = await source.fetch();
  assert.equal(afterForce.revision, rewritten);
  assert.deepEqual(
    afterForce.documents.map((d) => d.path),
    ['c.yaml'],
  );
});

test('tags and commit ids work as refs, from a bare repository path too', async () => {
  const r = await repo();
  const first = r.commit({ 'p/a.yaml': policyYaml('a') });
  r.tag('v1');
  r.commit({ 'p/b.yaml': policyYaml('b') });
  const byTag = await new GitSource(`${r.httpUrl}?ref=refs/tags/v1&path=p`, { cacheDir: cacheDir(), env: {} }).fetch();
  assert.equal(byTag.revision, first);
  assert.deepEqual(
    byTag.documents.map((d) => d.path),
    ['a.yaml'],
  );
  const byCommit = await new GitSource(`git+file://${r.barePath}?ref=${first}&path=p`, {
    cacheDir: cacheDir(),
    env: {},
  }).fetch();
  assert.equal(byCommit.revision, first);
  const byDefaultBranch = await new GitSource(`git+file://${r.barePath}?path=p`, {
    cacheDir: cacheDir(),
    env: {},
  }).fetch();
  assert.deepEqual(
    byDefaultBranch.documents.map((d) => d.path),
    ['a.yaml', 'b.yaml'],
  );
});

test('a wrong ref, a missing path and a missing repository each fail with a clear hint', async () => {
  const r = await repo();
  r.commit({ 'policies/a.yaml': policyYaml('a') });
  await assert.rejects(
    new GitSource(`${r.httpUrl}?ref=no-such-branch`, { cacheDir: cacheDir(), env: {} }).fetch(),
    (e: unknown) => e instanceof PolicySourceError && /no branch, tag or commit "no-such-branch"/.test(e.message),
  );
  await assert.rejects(
    new GitSource(`${r.httpUrl}?ref=main&path=nowhere`, { cacheDir: cacheDir(), env: {} }).fetch(),
    (e: unknown) => e instanceof PolicySourceError && /has no "nowhere" at commit/.test(e.message),
  );
  await assert.rejects(
    new GitSource(`${r.httpUrl.replace('policies.git', 'missing.git')}?ref=main`, {
      cacheDir: cacheDir(),
      env: {},
    }).fetch(),
    (e: unknown) => e instanceof PolicySourceError && /cannot fetch main/.test(e.message),
  );
});

test('an unreachable host fails fast with a hint', async () => {
  await assert.rejects(
    new GitSource('git+http://127.0.0.1:9/policies.git?ref=main', { cacheDir: cacheDir(), env: {} }).fetch(),
    (e: unknown) => e instanceof PolicySourceError && /unreachable/.test(e.message),
  );
});

test('a token from the environment authenticates; a wrong one fails; neither ever appears in an error', async () => {
  const token = 'ghp_s3cr3tT0kenValue1234567890';
  const r = await repo({ token, tls: true });
  const tlsEnv = { GIT_SSL_CAINFO: r.caFile };
  r.commit({ 'policies/a.yaml': policyYaml('a') });
  const ok = await new GitSource(`${r.httpUrl}?ref=main&path=policies`, {
    cacheDir: cacheDir(),
    env: { ...tlsEnv, GIT_TOKEN: token },
  }).fetch();
  assert.equal(ok.documents.length, 1);
  const wrong = 'ghp_wrongTokenValue0987654321';
  await assert.rejects(
    new GitSource(`${r.httpUrl}?ref=main`, { cacheDir: cacheDir(), env: { ...tlsEnv, GIT_TOKEN: wrong } }).fetch(),
    (e: unknown) => {
      assert.ok(e instanceof PolicySourceError);
      assert.match(e.message, /refused the credentials/);
      assert.ok(
        !e.message.includes(wrong) && !e.message.includes(Buffer.from(`x-access-token:${wrong}`).toString('base64')),
      );
      return true;
    },
  );
  // Credentials written into the URL work too, and stay out of the source's name and errors.
  const inline = new GitSource(`${r.httpUrl.replace('//', `//x-access-token:${token}@`)}?ref=main&path=policies`, {
    cacheDir: cacheDir(),
    env: tlsEnv,
  });
  assert.ok(!inline.name.includes(token));
  assert.equal((await inline.fetch()).documents.length, 1);
});

test('unchanged blobs are not read again between revisions', async () => {
  const r = await repo();
  r.commit({ 'policies/a.yaml': policyYaml('a') });
  const source = new GitSource(`${r.httpUrl}?ref=main&path=policies`, { cacheDir: cacheDir(), env: {} });
  const first = await source.fetch();
  r.commit({ 'policies/b.yaml': policyYaml('b') });
  const second = await source.fetch();
  // The very same document object is reused for a.yaml: it was not read or decoded again.
  assert.equal(
    second.documents.find((d) => d.path === 'a.yaml'),
    first.documents.find((d) => d.path === 'a.yaml'),
  );
});

test('URL parsing: transports, ref and path, and credentials kept out of names', () => {
  assert.deepEqual(parseGitUrl('git+https://git.example.com/org/repo.git?ref=main&path=/policies/'), {
    remote: 'https://git.example.com/org/repo.git',
    transport: 'https',
    ref: 'main',
    path: 'policies',
    inlineCredentials: undefined,
  });
  assert.equal(
    parseGitUrl('git+ssh://git@git.example.com/org/repo.git?ref=refs/tags/v1.2').remote,
    'ssh://git@git.example.com/org/repo.git',
  );
  assert.throws(() => parseGitUrl('git+ftp://host/repo'), /unsupported transport/);
  assert.throws(() => parseGitUrl('git+https://host/repo?ref=--upload-pack=evil'), /not a valid branch/);
  assert.throws(() => parseGitUrl('git+https://host/repo?path=../../etc'), /may not leave the repository/);
  assert.equal(redactUrl('fetch https://user:tok@host/x failed'), 'fetch https://host/x failed');
});
