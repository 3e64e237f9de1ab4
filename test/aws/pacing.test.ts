/** The token bucket behind client-side pacing, on a manual clock: no real time passes in these tests. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_PACING, Pacer, parsePacing, PACING_SETTINGS, TokenBucket } from '../../controller/aws/pacing.js';
import { ManualClock, manualSleep } from '../../controller/util/clock.js';

test('a full bucket lets the burst through at once, then one call per 1/rate seconds', async () => {
  const clock = new ManualClock();
  const start = clock.now();
  const bucket = new TokenBucket({ rate: 20, burst: 5 }, clock, manualSleep(clock));
  const waits: number[] = [];
  for (let i = 0; i < 25; i++) waits.push(await bucket.take());

  assert.deepEqual(waits.slice(0, 5), [0, 0, 0, 0, 0]);
  // Every later call waits exactly one refill interval (50 ms at 20/s) after the one before it.
  assert.ok(
    waits.slice(5).every((ms) => Math.abs(ms - 50) < 1e-6),
    `waits: ${waits.slice(5).join(', ')}`,
  );
  // 25 calls = 5 burst + 20 refilled at 20/s: one second of the clock's time.
  assert.equal(clock.now() - start, 1000);
  assert.deepEqual(bucket.stats(), { calls: 25, waited: 20, waitedMs: 1000 });
});

test('concurrent callers queue in order and never exceed burst + rate × elapsed', async () => {
  const clock = new ManualClock();
  const start = clock.now();
  const bucket = new TokenBucket({ rate: 10, burst: 3 }, clock, manualSleep(clock));
  const finished: { i: number; at: number }[] = [];
  await Promise.all(
    Array.from({ length: 13 }, (_, i) => bucket.take().then(() => finished.push({ i, at: clock.now() - start }))),
  );

  assert.deepEqual(
    finished.map((f) => f.i),
    Array.from({ length: 13 }, (_, i) => i),
  );
  for (const [n, f] of finished.entries())
    assert.ok(n + 1 <= 3 + (10 * f.at) / 1000 + 1e-9, `call ${n + 1} at ${f.at} ms`);
  assert.equal(finished.at(-1)!.at, 1000);
});

test('a quiet spell refills the bucket, but never beyond its burst', async () => {
  const clock = new ManualClock();
  const bucket = new TokenBucket({ rate: 2, burst: 4 }, clock, manualSleep(clock));
  for (let i = 0; i < 4; i++) assert.equal(await bucket.take(), 0);
  assert.equal(bucket.delay(), 500);
  clock.advance(60_000);
  for (let i = 0; i < 4; i++) assert.equal(await bucket.take(), 0);
  assert.equal(await bucket.take(), 500);
});

test('rate 0 is unpaced', async () => {
  const clock = new ManualClock();
  const bucket = new TokenBucket({ rate: 0, burst: 1 }, clock, () => Promise.reject(new Error('must not wait')));
  for (let i = 0; i < 100; i++) assert.equal(await bucket.take(), 0);
  assert.equal(bucket.stats().calls, 100);
});

test('a pacer has one bucket per paced service with the defaults below the quotas', () => {
  const pacer = new Pacer({ ecs: { rate: 19, burst: 30 } });
  assert.deepEqual(pacer.bucket('ecs')?.limit, { rate: 19, burst: 30 });
  assert.deepEqual(pacer.bucket('servicediscovery')?.limit, DEFAULT_PACING.servicediscovery);
  assert.equal(pacer.bucket('sqs'), undefined);
  // ECS reads refill at 20/s with a burst of at least 50 (the ECS API Reference's throttling table).
  assert.ok(DEFAULT_PACING.ecs.rate < 20 && DEFAULT_PACING.ecs.burst < 50);
  // CloudTrail LookupEvents: two per second per account and Region.
  assert.ok(DEFAULT_PACING.cloudtrail.rate < 2 && DEFAULT_PACING.cloudtrail.burst <= 2);
});

test('flags and variables set rates; bad values name the flag and the variable', () => {
  const given: Record<string, string> = { 'ecs-rate': '12.5', 'cloudmap-burst': '7', 'autoscaling-rate': '0' };
  const config = parsePacing((s) => given[s.flag]);
  assert.deepEqual(config.ecs, { rate: 12.5, burst: DEFAULT_PACING.ecs.burst });
  assert.deepEqual(config.servicediscovery, { rate: DEFAULT_PACING.servicediscovery.rate, burst: 7 });
  assert.equal(config['application-autoscaling'].rate, 0);
  assert.equal(PACING_SETTINGS.length, 8);
  assert.throws(() => parsePacing((s) => (s.flag === 'ecs-burst' ? '0' : undefined)), /--ecs-burst \/ ECS_BURST: "0"/);
  assert.throws(
    () => parsePacing((s) => (s.flag === 'cloudmap-rate' ? 'fast' : undefined)),
    /--cloudmap-rate \/ CLOUDMAP_RATE/,
  );
});

test('a read pays one token per attempt: the first before it queues for a slot, each retry its own', async () => {
  const { createServer } = await import('node:http');
  const { createAwsClients } = await import('../../controller/aws/clients.js');
  const { ReadContext } = await import('../../controller/aws/read-context.js');
  const { ListClustersCommand } = await import('@aws-sdk/client-ecs');
  let attempts = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      attempts += 1;
      res.setHeader('content-type', 'application/x-amz-json-1.1');
      // The first attempt is throttled, the retry answers.
      if (attempts === 1) {
        res.statusCode = 400;
        res.end(JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' }));
      } else res.end(JSON.stringify({ clusterArns: [] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const clock = new ManualClock();
  const pacer = new Pacer({ ecs: { rate: 1, burst: 10 } }, clock, manualSleep(clock));
  const { port } = server.address() as { port: number };
  const clients = createAwsClients({
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${port}`,
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    pacer,
  });
  try {
    const ctx = new ReadContext(clients, { concurrency: 1 });
    const out = await ctx.call({ kind: 'account' }, 'ecs:ListClusters', () =>
      clients.ecs.send(new ListClustersCommand({})),
    );
    assert.deepEqual(out?.clusterArns, []);
    assert.equal(attempts, 2);
    assert.equal(pacer.stats().ecs.calls, 2);
  } finally {
    clients.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
