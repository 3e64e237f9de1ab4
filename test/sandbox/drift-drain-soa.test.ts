/**
 * The drift kinds of issue #15 in the sandbox's truth and drift API: `ttl-exceeds-drain` (a Cloud Map service whose
 * DNS TTL exceeds the shortest stopTimeout, minus 5 s, of the task definitions registering into it) and
 * `namespace-soa-ttl` (a DNS namespace whose SOA TTL, the negative-caching time, is above 60 s). Real SDK over HTTP.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  GetNamespaceCommand,
  GetOperationCommand,
  GetServiceCommand,
  ServiceDiscoveryClient,
  UpdatePrivateDnsNamespaceCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-servicediscovery';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';

const DEMO = fileURLToPath(new URL('../../sandbox/scenarios/demo.yaml', import.meta.url));

const scenario = {
  name: 'drain',
  namespaces: [
    { name: 'internal.local', type: 'DNS_PRIVATE', created: '-30d' },
    { name: 'slow-negative.local', type: 'DNS_PRIVATE', created: '-30d', soaTtl: 900 },
    { name: 'mesh.local', type: 'HTTP', created: '-30d' },
  ],
  clusters: [
    {
      name: 'prod',
      services: [
        {
          name: 'quick',
          desiredCount: 1,
          created: '-2d',
          stopTimeout: 10,
          registry: { namespace: 'internal.local', ttl: 30 },
        },
        { name: 'default-stop', desiredCount: 1, created: '-2d', registry: { namespace: 'internal.local', ttl: 25 } },
      ],
    },
  ],
};

async function post(sandbox: Sandbox, body: object): Promise<{ status: number; json: any }> {
  const response = await fetch(`${sandbox.url}/_sandbox/drift`, { method: 'POST', body: JSON.stringify(body) });
  return { status: response.status, json: await response.json() };
}

describe('drain-bound and SOA TTL drift', () => {
  let sandbox: Sandbox;
  let cloudMap: ServiceDiscoveryClient;
  before(async () => {
    sandbox = await startSandbox({ port: 0, scenario });
    cloudMap = new ServiceDiscoveryClient({
      endpoint: sandbox.url,
      region: sandbox.region,
      credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
    });
  });
  after(async () => {
    cloudMap.destroy();
    await sandbox.close();
  });

  test('truth lists a TTL above the drain bound with the task definition and container that set it', () => {
    const [drift, ...rest] = sandbox.truth().ttlExceedsDrain;
    assert.deepEqual(rest, [], 'default-stop: TTL 25 is within 30 s - 5 s');
    assert.equal(drift.name, 'quick');
    assert.deepEqual([drift.ttl, drift.stopTimeoutSeconds, drift.boundSeconds, drift.container], [30, 10, 5, 'app']);
    assert.match(drift.taskDefinition, /:task-definition\/quick:1$/);
    assert.deepEqual(drift.ecsServices, ['prod/quick']);
  });

  test('truth lists DNS namespaces with their SOA TTL and those above 60 s; HTTP namespaces have none', () => {
    const truth = sandbox.truth();
    const byName = new Map(sandbox.cloudMap.namespaces().map((ns) => [ns.name, ns.id]));
    assert.equal(truth.soaTtlByNamespace[byName.get('slow-negative.local')!], 900);
    assert.equal(truth.soaTtlByNamespace[byName.get('internal.local')!], 15);
    assert.equal(truth.soaTtlByNamespace[byName.get('mesh.local')!], undefined);
    assert.deepEqual(
      truth.namespaceSoaTtl.map((n) => [n.name, n.soaTtl]),
      [['slow-negative.local', 900]],
    );
  });

  test('fixing the drift through the API clears it from truth', async () => {
    const quick = sandbox.truth().ttlExceedsDrain[0].serviceId;
    const update = await cloudMap.send(
      new UpdateServiceCommand({ Id: quick, Service: { DnsConfig: { DnsRecords: [{ Type: 'A', TTL: 5 }] } } }),
    );
    const namespaceId = sandbox.truth().namespaceSoaTtl[0].namespaceId;
    const soa = await cloudMap.send(
      new UpdatePrivateDnsNamespaceCommand({
        Id: namespaceId,
        Namespace: { Properties: { DnsProperties: { SOA: { TTL: 30 } } } },
      }),
    );
    for (const OperationId of [update.OperationId, soa.OperationId]) {
      for (let poll = 0; poll < 3; poll++) await cloudMap.send(new GetOperationCommand({ OperationId }));
    }
    assert.deepEqual(sandbox.truth().ttlExceedsDrain, []);
    assert.deepEqual(sandbox.truth().namespaceSoaTtl, []);
  });

  test('POST /_sandbox/drift injects both kinds; GetService and GetNamespace show the injected values', async () => {
    const drain = await post(sandbox, { kind: 'ttl-exceeds-drain', cluster: 'prod', ecsService: 'default-stop' });
    assert.equal(drain.status, 200, JSON.stringify(drain.json));
    assert.deepEqual([drain.json.ttl, drain.json.boundSeconds], [60, 25], 'default stopTimeout 30 s: ttl 30 + 30');
    assert.equal(
      (await cloudMap.send(new GetServiceCommand({ Id: drain.json.serviceId }))).Service!.DnsConfig!.DnsRecords![0].TTL,
      60,
    );
    assert.deepEqual(
      sandbox.truth().ttlExceedsDrain.map((d) => d.name),
      ['default-stop'],
    );

    const soa = await post(sandbox, { kind: 'namespace-soa-ttl', namespace: 'internal.local', ttl: 7200 });
    assert.equal(soa.status, 200, JSON.stringify(soa.json));
    assert.equal(
      (await cloudMap.send(new GetNamespaceCommand({ Id: soa.json.namespaceId }))).Namespace!.Properties!.DnsProperties!
        .SOA!.TTL,
      7200,
    );
    assert.deepEqual(
      sandbox.truth().namespaceSoaTtl.map((n) => n.name),
      ['internal.local'],
    );
  });

  test('the drift API refuses a TTL within the bound, an HTTP namespace and a missing namespace', async () => {
    assert.equal(
      (await post(sandbox, { kind: 'ttl-exceeds-drain', cluster: 'prod', ecsService: 'quick', ttl: 5 })).status,
      400,
    );
    assert.equal((await post(sandbox, { kind: 'namespace-soa-ttl', namespace: 'mesh.local' })).status, 400);
    assert.equal((await post(sandbox, { kind: 'namespace-soa-ttl' })).status, 400);
  });
});

test('the demo fleet has a ttl-exceeds-drain drift of its own and a namespace-soa-ttl drift', async () => {
  const sandbox = await startSandbox({ port: 0, scenario: DEMO });
  try {
    const truth = sandbox.truth();
    // payments-api: TTL 10 is within the demo's 10 s max, but above its 5 s drain bound (the demo policy's drainBound
    // enforce lowers it). search (TTL 300, default stopTimeout) is the demo's long-TTL drift, over the bound too.
    assert.deepEqual(
      truth.ttlExceedsDrain.map((d) => [d.name, d.ttl, d.boundSeconds]),
      [
        ['payments-api', 10, 5],
        ['search', 300, 25],
      ],
    );
    assert.deepEqual(
      truth.namespaceSoaTtl.map((n) => [n.name, n.soaTtl]),
      [['internal.example.com', 300]],
    );
  } finally {
    await sandbox.close();
  }
});
