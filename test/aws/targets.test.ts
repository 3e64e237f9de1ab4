/** Policies with their own region or role are read with their own clients; assumed-role credentials refresh before expiry. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { STSClient } from '@aws-sdk/client-sts';
import { createAwsClients } from '../../controller/aws/clients.js';
import { assumeRoleCredentials, groupByTarget, readInventories } from '../../controller/aws/targets.js';
import { ttlOnlyPolicy } from '../fixtures/policy.js';

const ROLE = 'arn:aws:iam::222233334444:role/discovery-controller';

/** One local endpoint answering STS AssumeRole (query protocol, XML) and ECS / Cloud Map list calls (JSON). */
async function startFakeAws(expiresInMs: number) {
  const seen: { target: string; accessKey: string; region: string }[] = [];
  let assumeCalls = 0;
  const server = createServer(async (req: IncomingMessage, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const auth = String(req.headers.authorization ?? '');
    const accessKey = /Credential=([^/]+)\//.exec(auth)?.[1] ?? '';
    const region = /Credential=[^/]+\/\d+\/([^/]+)\//.exec(auth)?.[1] ?? '';
    if (body.includes('Action=AssumeRole')) {
      assumeCalls++;
      const expiration = new Date(Date.now() + expiresInMs).toISOString();
      res.setHeader('content-type', 'text/xml');
      res.end(
        `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials><AccessKeyId>ASIAASSUMED${assumeCalls}</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken><Expiration>${expiration}</Expiration></Credentials><AssumedRoleUser><Arn>${ROLE}/x</Arn><AssumedRoleId>AROA:x</AssumedRoleId></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></AssumeRoleResponse>`,
      );
      return;
    }
    const target = String(req.headers['x-amz-target']).split('.')[1];
    seen.push({ target, accessKey, region });
    const account = accessKey.startsWith('ASIAASSUMED') ? '222233334444' : '111122223333';
    res.setHeader('content-type', 'application/x-amz-json-1.1');
    const bodies: Record<string, unknown> = {
      ListClusters: { clusterArns: [`arn:aws:ecs:${region}:${account}:cluster/prod`] },
      ListServices: { serviceArns: [] },
      ListNamespaces: { Namespaces: [] },
    };
    res.end(JSON.stringify(bodies[target] ?? {}));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    seen,
    assumeCalls: () => assumeCalls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

test("policies are grouped by target, the controller's own first", () => {
  const groups = groupByTarget(
    [
      ttlOnlyPolicy({ region: 'eu-west-1', roleArn: ROLE, clusters: ['*'] }),
      ttlOnlyPolicy({ clusters: ['a'] }),
      ttlOnlyPolicy({ region: 'us-east-1', clusters: ['b'] }),
    ],
    'us-east-1',
  );
  assert.deepEqual(
    groups.map((g) => [g.target.key, g.target.isDefault, g.policies.length]),
    [
      ['us-east-1', true, 2],
      [`eu-west-1|${ROLE}`, false, 1],
    ],
  );
});

test('a cross-account policy is read with assumed-role credentials in its own region', async () => {
  // The controller's own credentials (the standard chain) are what call STS.
  process.env.AWS_ACCESS_KEY_ID = 'AKIADEFAULT';
  process.env.AWS_SECRET_ACCESS_KEY = 's';
  const aws = await startFakeAws(3600_000);
  const defaults = createAwsClients({
    region: 'us-east-1',
    endpoint: aws.url,
    credentials: { accessKeyId: 'AKIADEFAULT', secretAccessKey: 's' },
  });
  try {
    const inventories = await readInventories(
      defaults,
      [
        ttlOnlyPolicy({ clusters: ['prod'], namespaces: [] }),
        ttlOnlyPolicy({ region: 'eu-west-1', roleArn: ROLE, clusters: ['prod'], namespaces: [] }),
      ],
      { clientOptions: { endpoint: aws.url } },
    );

    assert.deepEqual(
      inventories.flatMap((i) => i.inventory.readErrors),
      [],
    );
    assert.deepEqual(
      inventories.map((i) => [i.target.key, i.inventory.account, i.inventory.region]),
      [
        ['us-east-1', '111122223333', 'us-east-1'],
        [`eu-west-1|${ROLE}`, '222233334444', 'eu-west-1'],
      ],
    );
    const listClusters = aws.seen.filter((c) => c.target === 'ListClusters').map((c) => [c.accessKey, c.region]);
    assert.deepEqual(listClusters, [
      ['AKIADEFAULT', 'us-east-1'],
      ['ASIAASSUMED1', 'eu-west-1'],
    ]);
    assert.equal(aws.assumeCalls(), 1, 'one AssumeRole serves every call of the read');
  } finally {
    defaults.destroy();
    await aws.close();
  }
});

test('assumed-role credentials are fetched again once they come within five minutes of expiry', async () => {
  const aws = await startFakeAws(3600_000);
  let now = Date.now();
  const sts = new STSClient({
    region: 'us-east-1',
    endpoint: aws.url,
    credentials: { accessKeyId: 'AKIADEFAULT', secretAccessKey: 's' },
  });
  try {
    const provider = assumeRoleCredentials(ROLE, { region: 'us-east-1', sts, now: () => now }) as () => Promise<{
      accessKeyId: string;
    }>;
    const [a, b] = await Promise.all([provider(), provider()]);
    assert.equal(a.accessKeyId, 'ASIAASSUMED1');
    assert.equal(b.accessKeyId, 'ASIAASSUMED1');
    now += 50 * 60_000;
    assert.equal((await provider()).accessKeyId, 'ASIAASSUMED1', 'still 10 minutes left: reused');
    now += 6 * 60_000;
    assert.equal((await provider()).accessKeyId, 'ASIAASSUMED2', '4 minutes left: refreshed');
    assert.equal(aws.assumeCalls(), 2);
  } finally {
    sts.destroy();
    await aws.close();
  }
});
