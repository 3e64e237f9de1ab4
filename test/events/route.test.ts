/** Events from member accounts and other regions reach the target whose policies cover them, or none. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ReadTarget } from '../../controller/aws/targets.js';
import { mapEvent } from '../../controller/events/mapper.js';
import { queueAccount, routeEvent } from '../../controller/events/route.js';

const ROLE_B = 'arn:aws:iam::222222222222:role/discovery-controller';
const TARGETS: ReadTarget[] = [
  { key: 'us-east-1', region: 'us-east-1', isDefault: true },
  { key: 'eu-west-1', region: 'eu-west-1', isDefault: false },
  { key: `eu-west-1|${ROLE_B}`, region: 'eu-west-1', roleArn: ROLE_B, isDefault: false },
];
const OWN = { region: 'us-east-1', account: '111111111111' };

test("routes by the event's account and region", () => {
  assert.deepEqual(routeEvent({ account: '111111111111', region: 'us-east-1' }, TARGETS, OWN), {});
  assert.deepEqual(routeEvent({ account: '111111111111', region: 'eu-west-1' }, TARGETS, OWN), { target: 'eu-west-1' });
  assert.deepEqual(routeEvent({ account: '222222222222', region: 'eu-west-1' }, TARGETS, OWN), {
    target: `eu-west-1|${ROLE_B}`,
  });
});

test("an account or region no policy targets is not routed to the controller's own target", () => {
  assert.equal(routeEvent({ account: '222222222222', region: 'us-east-1' }, TARGETS, OWN), 'elsewhere');
  assert.equal(routeEvent({ account: '333333333333', region: 'eu-west-1' }, TARGETS, OWN), 'elsewhere');
  assert.equal(routeEvent({ account: '111111111111', region: 'ap-south-1' }, TARGETS, OWN), 'elsewhere');
});

test("an envelope without account and region is the controller's own", () => {
  assert.deepEqual(routeEvent(undefined, TARGETS, OWN), {});
  assert.deepEqual(routeEvent({ account: '111111111111' }, TARGETS, OWN), {});
});

test("the controller's account comes from its queue URL; the mapper keeps the envelope's account and region", () => {
  assert.equal(queueAccount('https://sqs.us-east-1.amazonaws.com/111111111111/events'), '111111111111');
  assert.equal(queueAccount('not a url'), undefined);
  const mapped = mapEvent({
    'detail-type': 'ECS Service Action',
    account: '222222222222',
    region: 'eu-west-1',
    time: '2026-01-01T00:00:00Z',
    resources: ['arn:aws:ecs:eu-west-1:222222222222:service/prod/api'],
    detail: { eventName: 'SERVICE_STEADY_STATE', clusterArn: 'arn:aws:ecs:eu-west-1:222222222222:cluster/prod' },
  });
  assert.equal(mapped.outcome, 'keys');
  assert.deepEqual(mapped.outcome === 'keys' ? mapped.source : undefined, {
    account: '222222222222',
    region: 'eu-west-1',
  });
});
