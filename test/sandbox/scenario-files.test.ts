import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { startSandbox } from '../../sandbox/index.js';

const DIR = fileURLToPath(new URL('../../sandbox/scenarios/', import.meta.url));

test('every shipped scenario file loads', async () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml'));
  assert.ok(files.includes('demo.yaml'));
  for (const file of files) {
    const sandbox = await startSandbox({ port: 0, scenario: `${DIR}${file}` });
    try {
      assert.ok(sandbox.ecs.state.clusters.size > 0, file);
    } finally {
      await sandbox.close();
    }
  }
});

test('five-hour.yaml: only the client that started more than 5 h before the endpoint is broken', async () => {
  const sandbox = await startSandbox({ port: 0, scenario: `${DIR}five-hour.yaml` });
  try {
    assert.deepEqual(
      sandbox.truth().brokenPairs.map((p) => `${p.client}->${p.endpoint}`),
      ['batch->api'],
    );
  } finally {
    await sandbox.close();
  }
});

test('orphans.yaml: the retired service is an orphan with a stale instance; the VM-backed one is not', async () => {
  const sandbox = await startSandbox({ port: 0, scenario: `${DIR}orphans.yaml` });
  try {
    const truth = sandbox.truth();
    const name = (id: string) => sandbox.cloudMap.serviceById(id)!.name;
    assert.deepEqual(
      truth.orphanServices.map((s) => s.name),
      ['retired'],
    );
    assert.deepEqual(
      truth.orphanInstances.map((i) => name(i.serviceId)),
      ['retired'],
    );
    const api = sandbox.cloudMap.services().find((s) => s.name === 'api')!;
    assert.equal(truth.ttlByService[api.id], 120);
  } finally {
    await sandbox.close();
  }
});
