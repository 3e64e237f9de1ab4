import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TokenBucket, WriteRateLimiter, type Pacer } from '../../controller/actuator/rate-limit.js';

/** A pacer whose time moves only when the limiter sleeps, recording each sleep. */
function fakePacer(): Pacer & { sleeps: number[] } {
  let now = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}

test('a 5/s bucket lets a burst of 5 through, then makes the sixth write wait 200 ms', async () => {
  const pacer = fakePacer();
  const bucket = new TokenBucket(5, 5, pacer);
  for (let i = 0; i < 5; i++) await bucket.take();
  assert.deepEqual(pacer.sleeps, []);
  await bucket.take();
  assert.deepEqual(pacer.sleeps, [200]);
});

test('each write API has its own bucket', async () => {
  const pacer = fakePacer();
  const limiter = new WriteRateLimiter(1, pacer);
  await limiter.acquire('servicediscovery:DeregisterInstance');
  await limiter.acquire('servicediscovery:DeleteService');
  assert.deepEqual(pacer.sleeps, [], 'a different API does not wait');
  await limiter.acquire('servicediscovery:DeregisterInstance');
  assert.deepEqual(pacer.sleeps, [1000]);
});

test('by default ECS writes keep to AWS service-write rate (5/s) and Cloud Map writes to 20/s', async () => {
  for (const [api, rate] of [
    ['ecs:UpdateService', 5],
    ['servicediscovery:DeregisterInstance', 20],
  ] as const) {
    const pacer = fakePacer();
    const limiter = new WriteRateLimiter(undefined, pacer);
    for (let i = 0; i < rate; i++) await limiter.acquire(api);
    assert.deepEqual(pacer.sleeps, [], `${api}: a burst of ${rate}`);
    await limiter.acquire(api);
    assert.deepEqual(pacer.sleeps, [1000 / rate], `${api}: then ${rate} a second`);
  }
});
