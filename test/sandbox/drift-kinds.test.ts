import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DRIFT_KINDS } from '../../sandbox/control/drift.js';
import { startSandbox } from '../../sandbox/index.js';

test('an unknown drift kind is refused with every accepted kind listed, and each listed kind is accepted', async () => {
  const sandbox = await startSandbox({ port: 0 });
  try {
    const post = (body: object) =>
      fetch(`${sandbox.url}/_sandbox/drift`, { method: 'POST', body: JSON.stringify(body) }).then(async (r) => ({
        status: r.status,
        text: await r.text(),
      }));
    const unknown = await post({ kind: 'bogus' });
    assert.equal(unknown.status, 400);
    assert.match(
      unknown.text,
      /unknown drift kind \\?"bogus\\?": use stale-instance, ttl, failed-registration, ttl-exceeds-drain, namespace-soa-ttl, hide-services, show-services\./,
    );
    for (const kind of DRIFT_KINDS) {
      const result = await post({ kind, cluster: 'prod' });
      assert.doesNotMatch(result.text, /unknown drift kind/, kind);
    }
  } finally {
    await sandbox.close();
  }
});
