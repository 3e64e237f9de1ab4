/**
 * Attacks on the git source: a pushed tag that shadows the branch, the host's or user's git configuration, hooks,
 * other transports, a token over plain http and unpinned SSH host keys. Real git against a served repository.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GitSource } from '../../controller/sources/git.js';
import { fullRef, parseGitUrl } from '../../controller/sources/git-url.js';
import { PolicySourceError } from '../../controller/sources/types.js';
import { startGitRepo, type GitTestRepo } from './git-server.js';
import { policyYaml } from './policy-text.js';

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

function scratch(prefix = 'githard-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function repo(): Promise<GitTestRepo> {
  const r = await startGitRepo();
  cleanups.push(() => r.close());
  return r;
}

test('ref=main is the branch even when someone pushes a tag named main; a tag needs refs/tags/, a commit its full id', async () => {
  const r = await repo();
  const branch = r.commit({ 'p/good.yaml': policyYaml('good') });
  // An attacker who may push tags (often unprotected) but not to main points a tag "main" at their own commit.
  r.commit({ 'p/good.yaml': null, 'p/evil.yaml': policyYaml('evil') }, 'evil', 'scratch');
  r.tag('main');
  r.commit({ 'p/good.yaml': policyYaml('good'), 'p/evil.yaml': null }, 'restore main', 'main');
  const byBranch = await new GitSource(`${r.httpUrl}?ref=main&path=p`, { cacheDir: scratch(), env: {} }).fetch();
  assert.deepEqual(
    byBranch.documents.map((d) => d.path),
    ['good.yaml'],
  );
  assert.notEqual(byBranch.revision, branch, 'the branch moved on with "restore main"');
  const byTag = await new GitSource(`${r.httpUrl}?ref=refs/tags/main&path=p`, { cacheDir: scratch(), env: {} }).fetch();
  assert.deepEqual(
    byTag.documents.map((d) => d.path),
    ['evil.yaml'],
    'the tag is reachable when written in full',
  );
  // A short tag name is not a branch: it fails with a hint instead of silently following the tag.
  r.tag('v1');
  await assert.rejects(
    new GitSource(`${r.httpUrl}?ref=v1`, { cacheDir: scratch(), env: {} }).fetch(),
    (e: unknown) => e instanceof PolicySourceError && /refs\/tags\/<name>/.test(e.message),
  );
  assert.equal(fullRef('main'), 'refs/heads/main');
  assert.equal(fullRef('refs/tags/v1'), 'refs/tags/v1');
  assert.equal(fullRef('a'.repeat(40)), 'a'.repeat(40));
  assert.equal(fullRef('abc1234'), 'refs/heads/abc1234', 'an abbreviated commit id is not a commit');
  assert.throws(() => parseGitUrl('git+https://host/repo.git?ref=refs/pull/1/head'), /neither a branch/);
});

test("the user's global git config (url.insteadOf, hooksPath) does not apply to the policy fetch", async () => {
  const real = await repo();
  real.commit({ 'p/good.yaml': policyYaml('good') });
  const evil = await repo();
  evil.commit({ 'p/evil.yaml': policyYaml('evil') });
  const home = scratch('githome-');
  const hooks = join(home, 'hooks');
  const marker = join(home, 'hook-ran');
  mkdirSync(hooks);
  for (const hook of ['reference-transaction', 'post-checkout', 'post-merge', 'pre-auto-gc']) {
    writeFileSync(join(hooks, hook), `#!/bin/sh\ntouch '${marker}'\n`);
    chmodSync(join(hooks, hook), 0o755);
  }
  const realRemote = real.httpUrl.slice('git+'.length);
  writeFileSync(
    join(home, '.gitconfig'),
    `[url "${evil.httpUrl.slice('git+'.length)}"]\n\tinsteadOf = ${realRemote}\n[core]\n\thooksPath = ${hooks}\n`,
  );
  const result = await new GitSource(`${real.httpUrl}?ref=main&path=p`, {
    cacheDir: scratch(),
    env: { HOME: home },
  }).fetch();
  assert.deepEqual(
    result.documents.map((d) => d.path),
    ['good.yaml'],
    'the URL was not rewritten by ~/.gitconfig',
  );
  assert.equal(existsSync(marker), false, 'no hook ran');
});

test('hooks planted in the cache repository never run', async () => {
  const r = await repo();
  const first = r.commit({ 'p/a.yaml': policyYaml('a') });
  r.commit({ 'p/b.yaml': policyYaml('b') });
  const cache = scratch();
  const source = new GitSource(`${r.httpUrl}?ref=${first}&path=p`, { cacheDir: cache, env: {} });
  await source.fetch();
  // Whoever can write the cache volume drops a hook in; the next fetch (full fallback updates refs) must not run it.
  const marker = join(cache, 'hook-ran');
  const gitDirs = join(cache, 'git');
  for (const dir of (await import('node:fs')).readdirSync(gitDirs)) {
    mkdirSync(join(gitDirs, dir, 'hooks'), { recursive: true });
    writeFileSync(join(gitDirs, dir, 'hooks', 'reference-transaction'), `#!/bin/sh\ntouch '${marker}'\n`);
    chmodSync(join(gitDirs, dir, 'hooks', 'reference-transaction'), 0o755);
  }
  const branch = new GitSource(`${r.httpUrl}?ref=main&path=p`, { cacheDir: cache, env: {} });
  await branch.fetch();
  // Force the ref-updating path: git update-ref through the source's own environment.
  await (branch as unknown as { git(args: string[], what: string): Promise<unknown> }).git(
    ['update-ref', 'refs/heads/probe', first],
    'probe',
  );
  assert.equal(existsSync(marker), false);
});

test("only the URL's own transport is allowed (no ext::, fd::, file:// from an https source)", async () => {
  const r = await repo();
  r.commit({ 'p/a.yaml': policyYaml('a') });
  const source = new GitSource(`${r.httpUrl}?ref=main&path=p`, { cacheDir: scratch(), env: {} });
  await source.fetch();
  const run = (
    source as unknown as {
      git(
        args: string[],
        what: string,
        signal?: AbortSignal,
        allowFailure?: boolean,
      ): Promise<{ code: number; stderr: string }>;
    }
  ).git;
  const other = await run.call(
    source,
    ['fetch', '--quiet', `file://${r.barePath}`, 'refs/heads/main'],
    'probe',
    undefined,
    true,
  );
  assert.notEqual(other.code, 0);
  assert.match(other.stderr, /transport 'file' not allowed/);
  const ext = await run.call(
    source,
    ['fetch', '--quiet', 'ext::sh -c touch% /tmp/pwned-by-ext', 'refs/heads/main'],
    'probe',
    undefined,
    true,
  );
  assert.notEqual(ext.code, 0);
  assert.match(ext.stderr, /transport 'ext' not allowed/);
});

test('a token is never sent over plain http://; git+ssh needs pinned host keys (no accept-new)', () => {
  assert.throws(
    () =>
      new GitSource('git+http://git.example.com/org/repo.git?ref=main', {
        cacheDir: scratch(),
        env: { GIT_TOKEN: 'ghp_abcdefabcdef' },
      }),
    (e: unknown) =>
      e instanceof PolicySourceError && /plain http/.test(e.message) && !e.message.includes('ghp_abcdefabcdef'),
  );
  assert.throws(
    () =>
      new GitSource('git+http://user:ghp_inline1234@git.example.com/org/repo.git', { cacheDir: scratch(), env: {} }),
    (e: unknown) =>
      e instanceof PolicySourceError && /plain http/.test(e.message) && !e.message.includes('ghp_inline1234'),
  );
  // Without a token plain http stays usable (a public mirror inside the VPC).
  assert.doesNotThrow(() => new GitSource('git+http://git.example.com/org/repo.git', { cacheDir: scratch(), env: {} }));
  assert.throws(
    () => new GitSource('git+ssh://git@git.example.com/org/repo.git', { cacheDir: scratch(), env: {} }),
    (e: unknown) => e instanceof PolicySourceError && /GIT_SSH_KNOWN_HOSTS/.test(e.message),
  );
  const pinned = new GitSource('git+ssh://git@git.example.com/org/repo.git', {
    cacheDir: scratch(),
    env: { GIT_SSH_KNOWN_HOSTS: '/etc/known_hosts' },
  });
  const command = (pinned as unknown as { gitEnv: NodeJS.ProcessEnv }).gitEnv.GIT_SSH_COMMAND ?? '';
  assert.match(command, /StrictHostKeyChecking=yes/);
  assert.doesNotMatch(command, /accept-new/);
});

test('a committed symlink is refused, never followed or quoted', async () => {
  const r = await repo();
  r.commit({ 'p/a.yaml': policyYaml('a') });
  const { symlinkSync } = await import('node:fs');
  const { execFileSync } = await import('node:child_process');
  const work = join(r.root, 'work');
  symlinkSync('/etc/passwd', join(work, 'p', 'link.yaml'));
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: 't',
    GIT_AUTHOR_EMAIL: 't@e',
    GIT_COMMITTER_NAME: 't',
    GIT_COMMITTER_EMAIL: 't@e',
  };
  execFileSync('git', ['add', '-A'], { cwd: work, env });
  execFileSync('git', ['commit', '-qm', 'link'], { cwd: work, env });
  execFileSync('git', ['push', '-q', 'origin', 'HEAD:refs/heads/main'], { cwd: work, env });
  const result = await new GitSource(`${r.httpUrl}?ref=main&path=p`, { cacheDir: scratch(), env: {} }).fetch();
  assert.deepEqual(
    result.documents.map((d) => d.path),
    ['a.yaml'],
  );
  assert.deepEqual(
    result.problems?.map((p) => [p.path, p.severity]),
    [['link.yaml', 'error']],
  );
  assert.ok(!JSON.stringify(result).includes('/etc/passwd'));
});
