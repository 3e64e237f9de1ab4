/**
 * CloudTrail's LookupEvents as the sandbox answers it (the shape of botocore's cloudtrail-2013-11-01 model), and
 * what counts as evidence: a RegisterInstance that ECS itself made, never one that merely carries ECS attributes.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { LookupEventsCommand, type Event as TrailEvent } from '@aws-sdk/client-cloudtrail';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { createAwsClients, type AwsClients } from '../../controller/aws/clients.js';
import { evidenceFromEvent } from '../../controller/aws/cloudtrail-reader.js';
import { seeded } from './harness.js';
import { waitFor } from '../support/wait.js';
import { EventHistory } from '../../sandbox/cloudtrail/models/event-history.js';
import { VirtualClock } from '../../sandbox/core/clock.js';

const scenario = {
  name: 'cloudtrail',
  namespaces: [{ name: 'internal.local', type: 'DNS_PRIVATE', created: '-30d' }],
  clusters: [
    {
      name: 'prod',
      services: [
        {
          name: 'api',
          desiredCount: 3,
          created: '-100d',
          deployed: '-2d',
          registry: { namespace: 'internal.local', ttl: 10 },
        },
      ],
    },
  ],
};

let sandbox: Sandbox;
let clients: AwsClients;

before(async () => {
  sandbox = await startSandbox({ port: 0, scenario, random: seeded(31) });
  // CloudTrail unpaced: these tests are about the emulator's own two-per-second limit, which pacing would keep them under.
  clients = createAwsClients({
    region: sandbox.region,
    endpoint: sandbox.url,
    maxAttempts: 1,
    credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
    pacing: { cloudtrail: { rate: 0, burst: 1 } },
  });
});

after(async () => {
  clients.destroy();
  await sandbox.close();
});

/**
 * The answer to the first attempt of `call` the sandbox does not throttle: its LookupEvents limit (two a second)
 * runs on real time, so this waits for the limit to let a call through instead of pausing a guessed time.
 */
function unthrottled<T>(call: () => Promise<T>): Promise<PromiseSettledResult<T>> {
  return waitFor(
    async () => {
      const [result] = await Promise.allSettled([call()]);
      return result.status === 'rejected' && (result.reason as Error).name === 'ThrottlingException'
        ? undefined
        : result;
    },
    { what: 'a LookupEvents call the sandbox does not throttle', intervalMs: 100 },
  );
}

/** The error name of a call that must fail (once the rate limit lets it through). */
async function failureOf(call: () => Promise<unknown>): Promise<string | undefined> {
  const result = await unthrottled(call);
  return result.status === 'rejected' ? (result.reason as Error).name : undefined;
}

test('LookupEvents pages ECS registrations newest first and takes one lookup attribute', async () => {
  const first = await clients.cloudTrail.send(
    new LookupEventsCommand({
      LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'RegisterInstance' }],
      MaxResults: 2,
    }),
  );
  assert.equal(first.Events?.length, 2);
  assert.ok(first.NextToken);
  assert.ok(first.Events![0].EventTime! >= first.Events![1].EventTime!);
  const record = JSON.parse(first.Events![0].CloudTrailEvent!);
  assert.equal(record.userIdentity.invokedBy, 'ecs.amazonaws.com');
  assert.equal(record.requestParameters.attributes.ECS_SERVICE_NAME, 'api');
  assert.equal(
    await failureOf(() =>
      clients.cloudTrail.send(
        new LookupEventsCommand({
          LookupAttributes: [
            { AttributeKey: 'EventName', AttributeValue: 'RegisterInstance' },
            { AttributeKey: 'EventSource', AttributeValue: 'servicediscovery.amazonaws.com' },
          ],
        }),
      ),
    ),
    'InvalidLookupAttributesException',
  );
  assert.equal(
    await failureOf(() => clients.cloudTrail.send(new LookupEventsCommand({ MaxResults: 51 }))),
    'InvalidMaxResultsException',
  );
});

test('only a registration ECS made is evidence; ECS-looking attributes from anyone else are not', () => {
  const event = (record: Record<string, unknown>): TrailEvent => ({
    EventName: 'RegisterInstance',
    EventTime: new Date('2026-11-01T00:00:00Z'),
    CloudTrailEvent: JSON.stringify(record),
  });
  const request = {
    serviceId: 'srv-abc',
    instanceId: 't1',
    attributes: { ECS_CLUSTER_NAME: 'prod', ECS_SERVICE_NAME: 'api' },
  };
  const byEcs = evidenceFromEvent(
    event({
      eventSource: 'servicediscovery.amazonaws.com',
      userIdentity: { type: 'AssumedRole', invokedBy: 'ecs.amazonaws.com' },
      requestParameters: request,
    }),
  );
  assert.deepEqual(byEcs, {
    serviceId: 'srv-abc',
    source: 'cloudtrail',
    at: Date.parse('2026-11-01T00:00:00Z'),
    ecsServices: [{ cluster: 'prod', service: 'api' }],
  });
  assert.equal(
    evidenceFromEvent(
      event({
        eventSource: 'servicediscovery.amazonaws.com',
        userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::1:user/bob' },
        sourceIPAddress: '203.0.113.9',
        requestParameters: request,
      }),
    ),
    undefined,
  );
  assert.equal(
    evidenceFromEvent(
      event({
        eventSource: 'servicediscovery.amazonaws.com',
        userIdentity: { invokedBy: 'ecs.amazonaws.com' },
        errorCode: 'ServiceNotFound',
        requestParameters: request,
      }),
    ),
    undefined,
  );
});

test('LookupEvents allows two calls a second per account, in real time (a burst of three: the third is throttled)', () => {
  // On the model with its real-time clock injected: over HTTP on a loaded machine the calls of a burst arrive
  // far enough apart for the bucket to refill, and the test would prove nothing.
  let now = 1_000_000;
  const history = new EventHistory(
    { clock: new VirtualClock(), account: '123456789012', region: 'us-east-1', events: { publish: () => {} } },
    () => now,
  );
  history.takeLookup();
  history.takeLookup();
  assert.throws(
    () => history.takeLookup(),
    (error: Error) =>
      error.name === 'ThrottlingException' || (error as { code?: string }).code === 'ThrottlingException',
  );
  now += 500;
  history.takeLookup();
  assert.throws(() => history.takeLookup(), /Rate exceeded/);
});
