/** Throttling is retried by the SDK's adaptive retry inside one read; the real SDK talks to a local JSON 1.1 server. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAwsClients } from '../../controller/aws/clients.js';
import { readInventory } from '../../controller/aws/inventory-reader.js';
import { ttlOnlyPolicy } from '../fixtures/policy.js';

test('a throttled ListClusters is retried and the read completes without a read error', async () => {
  const seen: string[] = [];
  let throttlesLeft = 2;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const operation = String(req.headers['x-amz-target']).split('.')[1];
      seen.push(operation);
      res.setHeader('content-type', 'application/x-amz-json-1.1');
      if (operation === 'ListClusters' && throttlesLeft-- > 0) {
        res.statusCode = 400;
        res.end(JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' }));
        return;
      }
      const bodies: Record<string, unknown> = {
        ListClusters: { clusterArns: ['arn:aws:ecs:us-east-1:111122223333:cluster/prod'] },
        ListServices: { serviceArns: [] },
      };
      res.end(JSON.stringify(bodies[operation] ?? {}));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const clients = createAwsClients({ region: 'us-east-1', endpoint: `http://127.0.0.1:${port}` });
  process.env.AWS_ACCESS_KEY_ID ??= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
  try {
    const inventory = await readInventory(clients, [ttlOnlyPolicy({ clusters: ['prod'], namespaces: [] })]);
    assert.deepEqual(inventory.readErrors, []);
    assert.deepEqual(
      inventory.clusters.map((c) => c.name),
      ['prod'],
    );
    assert.deepEqual(seen.filter((op) => op === 'ListClusters').length, 3);
  } finally {
    clients.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
