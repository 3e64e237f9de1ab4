/** What a set of policies makes the reader read: never less than the rules need. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matches, planReadScope, readsNothing } from '../../controller/inventory/read-scope.js';
import { makePolicy, ttlOnlyPolicy } from '../fixtures/policy.js';
import { RULE_NAMES } from '../../controller/rules/index.js';

test('an orphan scan reads every cluster, because any ECS service in the account may still reference a Cloud Map service', () => {
  const scope = planReadScope([makePolicy({ target: { clusters: ['prod-*'], namespaces: ['internal.local'] } })]);
  assert.ok(matches(scope.serviceClusters, 'staging'));
  assert.ok(matches(scope.taskClusters, 'staging'));
  assert.ok(!matches(scope.coveredClusters, 'staging'));
  assert.ok(matches(scope.instanceNamespaces, 'internal.local'));
  assert.ok(!matches(scope.namespaces, 'other.local'));
});

test("TTL and task-limit rules read services of the policy's clusters only, and no tasks or instances", () => {
  const scope = planReadScope([
    ttlOnlyPolicy({ clusters: ['prod-*', 'arn:aws:ecs:us-east-1:111122223333:cluster/edge'], namespaces: ['ns-123'] }),
  ]);
  assert.ok(matches(scope.serviceClusters, 'prod-a'));
  assert.ok(matches(scope.serviceClusters, 'edge', 'arn:aws:ecs:us-east-1:111122223333:cluster/edge'));
  assert.ok(!matches(scope.serviceClusters, 'staging'));
  assert.ok(!matches(scope.taskClusters, 'prod-a'));
  assert.ok(matches(scope.namespaces, 'internal.local', 'ns-123'));
  assert.ok(!matches(scope.instanceNamespaces, 'internal.local', 'ns-123'));
});

test('suspended policies, policies with every rule off and empty target lists read nothing', () => {
  const off = makePolicy({ rules: Object.fromEntries(RULE_NAMES.map((name) => [name, { enabled: false }])) });
  assert.ok(
    readsNothing(planReadScope([makePolicy({ suspend: true }), off, ttlOnlyPolicy({ clusters: [], namespaces: [] })])),
  );
  assert.ok(!readsNothing(planReadScope([ttlOnlyPolicy({ clusters: ['a'], namespaces: [] })])));
});
