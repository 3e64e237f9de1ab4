import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EVENT_RULES } from '../../controller/install/event-rules.js';
import { readdirSync, readFileSync } from 'node:fs';
import { mapEvent } from '../../controller/events/mapper.js';
import { Evaluator, loadTemplate } from './cloudformation.js';
import { MODULE_DIR, parseFolder } from './terraform.js';

/** Both manifests and install-events must install the same patterns, or one way of deploying misses events. */
test('Terraform installs exactly the EventBridge rules install-events installs', async () => {
  const locals = Object.values(await parseFolder(MODULE_DIR)).flatMap((file: any) => file.locals ?? []);
  const rules = locals.find((l: any) => l.event_rules)?.event_rules as Record<
    string,
    { description: string; pattern: unknown }
  >;
  assert.deepEqual(Object.keys(rules).sort(), EVENT_RULES.map((r) => r.suffix).sort());
  for (const rule of EVENT_RULES) {
    assert.deepEqual(rules[rule.suffix].pattern, rule.pattern, rule.suffix);
    assert.equal(rules[rule.suffix].description, rule.description);
  }
});

test('CloudFormation installs exactly the EventBridge rules install-events installs', () => {
  const resources = new Evaluator(loadTemplate('manifests/cloudformation/ecs-discovery-controller.yaml'), {
    ClusterArn: 'arn:aws:ecs:eu-west-1:111122223333:cluster/platform',
    SubnetIds: ['s'],
    SecurityGroupIds: ['g'],
    Image: 'i',
    Policies: 's3://p/',
    AllowedClusters: ['prod-*'],
    AllowedNamespaces: 'internal.example.com',
  }).resources();
  const rules = Object.values(resources).filter((r) => r.Type === 'AWS::Events::Rule');
  assert.equal(rules.length, EVENT_RULES.length);
  for (const rule of EVENT_RULES) {
    const found = rules.find((r) => r.Properties.Name.endsWith(`-${rule.suffix}`));
    assert.ok(found, rule.suffix);
    assert.deepEqual(found.Properties.EventPattern, rule.pattern, rule.suffix);
    assert.equal(found.Properties.Description, rule.description);
  }
});

test("the member-account module and StackSet forward exactly those patterns to the controller account's bus, with a role", async () => {
  const parsed = await parseFolder(`${MODULE_DIR}/member-account`);
  const locals = Object.values(parsed).flatMap((file: any) => file.locals ?? []);
  const rules = locals.find((l: any) => l.event_rules)?.event_rules as Record<
    string,
    { description: string; pattern: unknown }
  >;
  assert.deepEqual(Object.keys(rules).sort(), EVENT_RULES.map((r) => r.suffix).sort());
  for (const rule of EVENT_RULES)
    assert.deepEqual(
      [rules[rule.suffix].pattern, rules[rule.suffix].description],
      [rule.pattern, rule.description],
      rule.suffix,
    );
  const target = Object.values(parsed)
    .flatMap((file: any) => file.resource ?? [])
    .find((r: any) => r.aws_cloudwatch_event_target)?.aws_cloudwatch_event_target.forward[0];
  assert.equal(target.arn, '${local.controller_bus_arn}');
  assert.equal(target.role_arn, '${aws_iam_role.forward.arn}');

  const stackSet = new Evaluator(loadTemplate('manifests/cloudformation/member-account.yaml'), {
    ControllerAccountId: '111122223333',
    ControllerRegion: 'eu-west-1',
    ControllerTaskRoleArn: 'arn:aws:iam::111122223333:role/c',
    AllowedClusters: ['prod-*'],
  }).resources();
  const cfnRules = Object.values(stackSet).filter((r) => r.Type === 'AWS::Events::Rule');
  assert.equal(cfnRules.length, EVENT_RULES.length);
  for (const rule of EVENT_RULES) {
    const found = cfnRules.find((r) => r.Properties.Name.endsWith(`-${rule.suffix}`));
    assert.deepEqual(
      [found?.Properties.EventPattern, found?.Properties.Description],
      [rule.pattern, rule.description],
      rule.suffix,
    );
    assert.match(found!.Properties.Targets[0].Arn, /:events:eu-west-1:111122223333:event-bus\/default$/);
  }
});

/** The AWS-shaped sample events of the mapper's tests, keyed by what a rule pattern matches on. */
const SAMPLES = readdirSync('test/events/fixtures')
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(`test/events/fixtures/${f}`, 'utf8')));

/** True when a sample event of this kind exists and the mapper turns it into work keys. */
function mapperHandles(kind: { detailType: string; eventSource?: string; eventName?: string }): boolean {
  const samples = SAMPLES.filter(
    (e) =>
      e['detail-type'] === kind.detailType &&
      (kind.eventSource === undefined ||
        (e.detail?.eventSource === kind.eventSource && e.detail?.eventName === kind.eventName && !e.detail?.errorCode)),
  );
  return samples.length > 0 && samples.some((e) => mapEvent(e).outcome === 'keys');
}

test('every detail type and API call the rules deliver is one the event mapper understands', () => {
  for (const rule of EVENT_RULES) {
    const pattern = rule.pattern as {
      source: string[];
      'detail-type': string[];
      detail?: { eventSource: string[]; eventName: string[] };
    };
    for (const detailType of pattern['detail-type']) {
      if (detailType !== 'AWS API Call via CloudTrail') assert.ok(mapperHandles({ detailType }), detailType);
    }
    for (const eventSource of pattern.detail?.eventSource ?? []) {
      for (const eventName of pattern.detail!.eventName) {
        // ECS has no RegisterInstance/DeregisterInstance; a name matched for one source only is fine.
        if (eventSource === 'ecs.amazonaws.com' && /Instance$/.test(eventName)) continue;
        assert.ok(
          mapperHandles({ detailType: 'AWS API Call via CloudTrail', eventSource, eventName }),
          `${eventSource} ${eventName}`,
        );
      }
    }
  }
});
