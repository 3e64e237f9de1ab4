import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { blocks, MODULE_DIR, parseFolder, policyStatements } from './terraform.js';

const source = (
  await Promise.all(
    ['main.tf', 'iam.tf', 'events.tf', 'outputs.tf', 'state.tf'].map((f) => readFileSync(`${MODULE_DIR}/${f}`, 'utf8')),
  )
).join('\n');

test('every module variable is typed, described and used; every reference names a declared variable', async () => {
  const variables = blocks(await parseFolder(MODULE_DIR), 'variable');
  assert.ok(Object.keys(variables).length >= 15);
  for (const [name, [v]] of Object.entries<any>(variables)) {
    assert.ok(v.type, `variable ${name} has no type`);
    assert.ok(v.description && v.description.length > 15, `variable ${name} has no description`);
    assert.ok(source.includes(`var.${name}`), `variable ${name} is declared but never used`);
  }
  for (const [, name] of source.matchAll(/var\.([a-z_]+)/g)) assert.ok(variables[name], `var.${name} is not declared`);
});

test('every output is described and points at a resource the module creates', async () => {
  const parsed = await parseFolder(MODULE_DIR);
  const outputs = blocks(parsed, 'output');
  const resources = blocks(parsed, 'resource');
  assert.deepEqual(Object.keys(outputs).sort(), [
    'dead_letter_queue_url',
    'event_rule_arns',
    'log_group_name',
    'queue_url',
    'service_arn',
    'state_table_name',
    'task_role_arn',
  ]);
  for (const [name, [o]] of Object.entries<any>(outputs)) {
    assert.ok(o.description, `output ${name} has no description`);
    for (const [, type, logical] of String(JSON.stringify(o.value)).matchAll(/(aws_[a-z_0-9]+)\.([a-z_0-9]+)/g)) {
      assert.ok(resources[type]?.[logical], `output ${name} refers to missing ${type}.${logical}`);
    }
  }
});

test('the example passes only variables the module declares, and every required one', async () => {
  const variables = blocks(await parseFolder(MODULE_DIR), 'variable');
  const example = await parseFolder(`${MODULE_DIR}/examples/basic`);
  const [call] = blocks(example, 'module').ecs_discovery_controller;
  const passed = Object.keys(call).filter((k) => k !== 'source');
  for (const name of passed) assert.ok(variables[name], `the example passes unknown variable ${name}`);
  const required = Object.entries<any>(variables)
    .filter(([, [v]]) => !('default' in v))
    .map(([n]) => n);
  for (const name of required) assert.ok(passed.includes(name), `the example omits required variable ${name}`);
});

test('the ECS service runs var.replicas tasks (default 1) that may overlap, sharing the DynamoDB state table, and the task is non-root with a read-only root filesystem', async () => {
  const module = await parseFolder(MODULE_DIR);
  const resources = blocks(module, 'resource');
  const [service] = resources.aws_ecs_service.controller;
  assert.equal(service.desired_count, '${var.replicas}');
  assert.equal(blocks(module, 'variable').replicas[0].default, 1);
  assert.equal(service.deployment_maximum_percent, 200);
  assert.equal(service.deployment_minimum_healthy_percent, 100);
  const [table] = resources.aws_dynamodb_table.state;
  assert.equal(table.billing_mode, 'PAY_PER_REQUEST');
  assert.deepEqual([table.hash_key, table.range_key], ['pk', 'sk']);
  assert.equal(table.point_in_time_recovery[0].enabled, true);
  assert.deepEqual(table.ttl[0], { attribute_name: 'ttl', enabled: true });
  assert.match(source, /name = "STATE", value = "dynamodb:\/\/\$\{aws_dynamodb_table\.state\.name\}"/);
  assert.match(source, /readonlyRootFilesystem = true/);
  assert.match(source, /user\s+= "1000:1000"/);
});

test('Cloud Map writes are denied on Service Connect-managed and protected services', async () => {
  const statements = policyStatements(await parseFolder(MODULE_DIR));
  const cloudMapDenies = statements.filter(
    (s) => s.effect === 'Deny' && s.actions.some((a) => a.startsWith('servicediscovery:')),
  );
  assert.deepEqual(cloudMapDenies.map((s) => s.sid).sort(), [
    'NeverTouchEcsManagedCloudMap',
    'NeverTouchProtectedCloudMap',
  ]);
  const writes = [
    'servicediscovery:DeleteService',
    'servicediscovery:DeregisterInstance',
    'servicediscovery:UpdateService',
  ];
  for (const s of cloudMapDenies) assert.deepEqual([...s.actions].sort(), writes);
});

test('the member-account role protects the same tag key as the controller (protect_tag_key), not a fixed one', async () => {
  for (const dir of [MODULE_DIR, `${MODULE_DIR}/member-account`]) {
    const parsed = await parseFolder(dir);
    assert.ok(blocks(parsed, 'variable').protect_tag_key, `${dir} declares protect_tag_key`);
    const documents = Object.values<any>(blocks(parsed, 'data').aws_iam_policy_document ?? {}).flatMap(
      (bodies) => bodies,
    );
    const protect = documents
      .flatMap((d: any) => d.statement ?? [])
      .find((s: any) => s.sid === 'NeverTouchProtectedCloudMap');
    assert.ok(protect, `${dir} has the NeverTouchProtectedCloudMap Deny`);
    assert.equal(protect.condition[0].variable, 'aws:ResourceTag/${var.protect_tag_key}', dir);
  }
});
