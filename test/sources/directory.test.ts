import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadPolicySet } from '../../controller/policy/load.js';
import { DirectorySource } from '../../controller/sources/directory.js';
import { PolicySourceError } from '../../controller/sources/types.js';
import { policyYaml } from '../fixtures/policy.js';

const scratch = mkdtempSync(join(tmpdir(), 'directory-source-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

let counter = 0;
/** A fresh directory holding the given files (paths with / create subdirectories). */
function tree(files: Record<string, string | Buffer>): string {
  const dir = join(scratch, `t${counter++}`);
  mkdirSync(dir);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

describe('DirectorySource', () => {
  it('reads *.yaml and *.yml files recursively in a stable order, skipping hidden entries and other files', async () => {
    const dir = tree({
      'b.yaml': 'b',
      'a.yml': 'a',
      'sub/c.YAML': 'c',
      'sub/deeper/d.yaml': 'd',
      'README.md': '#',
      'notes.txt': 'x',
      '.git/config.yaml': 'hidden',
      '.hidden.yaml': 'hidden',
    });
    const result = await new DirectorySource(dir).fetch();
    assert.deepEqual(
      result.documents.map((d) => [d.path, d.content]),
      [
        ['a.yml', 'a'],
        ['b.yaml', 'b'],
        ['sub/c.YAML', 'c'],
        ['sub/deeper/d.yaml', 'd'],
      ],
    );
    assert.deepEqual(result.problems, []);
    assert.equal(new DirectorySource(dir).name, `dir:${dir}`);
  });

  it('derives the revision from paths and contents', async () => {
    const dir = tree({ 'a.yaml': 'one', 'b.yaml': 'two' });
    const source = new DirectorySource(dir);
    const first = await source.fetch();
    assert.match(first.revision, /^sha256:[0-9a-f]{64}$/);
    assert.equal((await source.fetch()).revision, first.revision);
    writeFileSync(join(dir, 'b.yaml'), 'changed');
    const changed = await source.fetch();
    assert.notEqual(changed.revision, first.revision);
    writeFileSync(join(dir, 'b.yaml'), 'two');
    assert.equal((await source.fetch()).revision, first.revision);
    const renamed = tree({ 'a.yaml': 'one', 'c.yaml': 'two' });
    assert.notEqual((await new DirectorySource(renamed).fetch()).revision, first.revision);
  });

  it('reads a single file given as the root, whatever its extension', async () => {
    const dir = tree({ 'policy.txt': 'x: 1' });
    const result = await new DirectorySource(join(dir, 'policy.txt')).fetch();
    assert.deepEqual(result.documents, [{ path: 'policy.txt', content: 'x: 1' }]);
  });

  it('reads a directory named like a policy file as a directory', async () => {
    const dir = tree({ 'x.yaml/inner.yaml': 'inner' });
    assert.deepEqual(
      (await new DirectorySource(dir).fetch()).documents.map((d) => d.path),
      ['x.yaml/inner.yaml'],
    );
  });

  it('detects a symbolic link loop, warns, and reads every file once', async () => {
    const dir = tree({ 'a.yaml': 'a', 'sub/b.yaml': 'b' });
    symlinkSync('..', join(dir, 'sub', 'loop'));
    symlinkSync(join(dir, 'sub'), join(dir, 'sub-again'));
    const result = await new DirectorySource(dir).fetch();
    assert.deepEqual(
      result.documents.map((d) => d.path),
      ['a.yaml', 'sub/b.yaml'],
    );
    assert.deepEqual(
      result.problems?.map((p) => [p.path, p.severity]),
      [
        ['sub-again', 'warning'],
        ['sub/loop', 'warning'],
      ],
    );
    assert.match(result.problems![0].message, /already read through another path/);
    assert.match(result.problems![1].message, /symbolic link loop: points back to .*; not followed/);
    assert.equal(result.warnings.length, 2);
  });

  it('reports files it cannot read as errors instead of dropping them', async () => {
    const dir = tree({
      'ok.yaml': 'ok',
      'big.yaml': 'x'.repeat(2048),
      'binary.yaml': Buffer.from([0xff, 0xfe, 0x00, 0x41]),
    });
    symlinkSync(join(dir, 'missing-target.yaml'), join(dir, 'dangling.yaml'));
    symlinkSync(join(dir, 'missing-dir'), join(dir, 'team-b'));
    execFileSync('mkfifo', [join(dir, 'pipe.yaml')]);
    const result = await new DirectorySource(dir, { maxFileBytes: 1024 }).fetch();
    assert.deepEqual(
      result.documents.map((d) => d.path),
      ['ok.yaml'],
    );
    assert.deepEqual(
      result.problems?.map((p) => [p.path, p.severity, p.message]),
      [
        ['big.yaml', 'error', 'file is 2048 bytes, over the 1024-byte limit; split it into smaller files'],
        ['binary.yaml', 'error', 'not a text file: content is not valid UTF-8 (binary file?)'],
        ['dangling.yaml', 'error', 'broken symbolic link: no such file or directory (ENOENT)'],
        ['pipe.yaml', 'error', 'cannot read: not a regular file (a named pipe)'],
        ['team-b', 'warning', 'broken symbolic link skipped: no such file or directory (ENOENT)'],
      ],
    );
  });

  it('makes the whole policy set invalid when one file cannot be read, so the last good set stays', async () => {
    const dir = tree({ 'a.yaml': policyYaml({ name: 'a', target: { clusters: ['c'], namespaces: ['n'] } }) });
    symlinkSync(join(dir, 'gone.yaml'), join(dir, 'b.yaml'));
    const { set, problems } = loadPolicySet(await new DirectorySource(dir).fetch(), {
      allowed: { clusters: [], namespaces: [], accounts: [] },
    });
    assert.equal(set, undefined);
    assert.deepEqual(
      problems.map((p) => [p.file, p.severity]),
      [['b.yaml', 'error']],
    );
  });

  it('applies the 1 MiB default limit', async () => {
    const dir = tree({ 'huge.yaml': 'x'.repeat(1024 * 1024 + 1), 'fine.yaml': 'x'.repeat(1024 * 1024) });
    const result = await new DirectorySource(dir).fetch();
    assert.deepEqual(
      result.documents.map((d) => d.path),
      ['fine.yaml'],
    );
    assert.match(result.problems![0].message, /over the 1048576-byte limit/);
  });

  it('fails the whole fetch with a PolicySourceError when the root does not exist', async () => {
    const missing = join(scratch, 'nope');
    await assert.rejects(new DirectorySource(missing).fetch(), (error: unknown) => {
      assert.ok(error instanceof PolicySourceError);
      assert.match(
        error.message,
        new RegExp(`^dir:${missing}: cannot read the policy path: no such file or directory`),
      );
      return true;
    });
  });

  it('stops when aborted', async () => {
    const dir = tree({ 'a.yaml': 'a' });
    await assert.rejects(new DirectorySource(dir).fetch(AbortSignal.abort()), { name: 'AbortError' });
  });
});
