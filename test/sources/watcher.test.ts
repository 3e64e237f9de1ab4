import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DirectorySource } from '../../controller/sources/directory.js';
import { PolicyWatcher, type PollOutcome } from '../../controller/runtime/policy-watcher.js';
import type { FetchResult, PolicySource } from '../../controller/sources/types.js';
import { silentLogger } from '../../controller/telemetry/logger.js';
import { policyYaml } from './policy-text.js';

const allowed = { clusters: [], namespaces: [], accounts: [] };

function watcherOn(source: PolicySource, failures: PollOutcome[] = []) {
  return new PolicyWatcher({
    source,
    allowed,
    logger: silentLogger(),
    pollIntervalMs: 60_000,
    onFailure: (o) => failures.push(o),
  });
}

test('a valid revision replaces the set; an invalid one keeps the last good set and is reported with file and field', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'watch-'));
  try {
    writeFileSync(join(dir, 'a.yaml'), policyYaml('alpha'));
    const failures: PollOutcome[] = [];
    const watcher = watcherOn(new DirectorySource(dir), failures);
    const first = await watcher.poll();
    assert.equal(first.kind, 'updated');
    assert.deepEqual(
      watcher.current()!.policies.map((p) => p.name),
      ['alpha'],
    );

    writeFileSync(
      join(dir, 'a.yaml'),
      policyYaml('alpha', { dnsTtl: { enabled: true, max: 'ten seconds', set: '10s' } }),
    );
    const broken = await watcher.poll();
    assert.equal(broken.kind, 'invalid');
    assert.equal(
      watcher.current()!.revision,
      (first as { set: { revision: string } }).set.revision,
      'the last good set stays in force',
    );
    const status = watcher.status();
    assert.equal(status.revision, watcher.current()!.revision);
    assert.equal(status.lastError!.problems![0].file, 'a.yaml');
    assert.match(status.lastError!.problems![0].path, /spec\.rules\.dnsTtl\.max/);
    assert.equal(failures.length, 1);

    // The same broken revision is reported again on every poll (the metric keeps counting).
    assert.equal((await watcher.poll()).kind, 'invalid');
    assert.equal(failures.length, 2);

    writeFileSync(join(dir, 'a.yaml'), policyYaml('beta'));
    assert.equal((await watcher.poll()).kind, 'updated');
    assert.deepEqual(
      watcher.current()!.policies.map((p) => p.name),
      ['beta'],
    );
    assert.equal(watcher.status().lastError, undefined);
    assert.equal((await watcher.poll()).kind, 'unchanged');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a failed fetch keeps the last good set and clears once the source answers again', async () => {
  let fail = false;
  const good: FetchResult = {
    revision: 'r1',
    documents: [{ path: 'p.yaml', content: policyYaml('gamma') }],
    warnings: [],
  };
  const source: PolicySource = {
    name: 'flaky',
    async fetch() {
      if (fail) throw new Error('flaky: host unreachable');
      return good;
    },
  };
  const failures: PollOutcome[] = [];
  const watcher = watcherOn(source, failures);
  await watcher.poll();
  fail = true;
  const outcome = await watcher.poll();
  assert.deepEqual(outcome, { kind: 'fetch-failed', message: 'flaky: host unreachable' });
  assert.deepEqual(
    watcher.current()!.policies.map((p) => p.name),
    ['gamma'],
  );
  assert.match(watcher.status().lastError!.message, /unreachable/);
  fail = false;
  assert.equal((await watcher.poll()).kind, 'unchanged');
  assert.equal(watcher.status().lastError, undefined);
  assert.equal(failures.length, 1);
});

test('a file that cannot be read invalidates the revision instead of silently dropping its policy', async () => {
  const source: PolicySource = {
    name: 'partial',
    async fetch() {
      return {
        revision: 'r2',
        documents: [{ path: 'a.yaml', content: policyYaml('alpha') }],
        warnings: [],
        problems: [{ path: 'b.yaml', severity: 'error', message: 'cannot read file: permission denied (EACCES)' }],
      };
    },
  };
  const watcher = watcherOn(source);
  const outcome = await watcher.poll();
  assert.equal(outcome.kind, 'invalid');
  assert.equal(watcher.current(), undefined, 'no set rather than a set missing a policy');
});

test('start polls at once and stop ends polling', async () => {
  let fetches = 0;
  const source: PolicySource = {
    name: 'count',
    async fetch() {
      fetches++;
      return { revision: 'r', documents: [{ path: 'a.yaml', content: policyYaml('alpha') }], warnings: [] };
    },
  };
  let resolveUpdated: () => void = () => undefined;
  const updated = new Promise<void>((resolve) => (resolveUpdated = resolve));
  const watcher = new PolicyWatcher({
    source,
    allowed,
    logger: silentLogger(),
    pollIntervalMs: 60_000,
    onUpdate: () => resolveUpdated(),
  });
  watcher.start();
  await updated;
  await watcher.stop();
  assert.equal(fetches, 1);
});
