/**
 * The sandbox against AWS's own API models: test/judges/conformance/drive.py drives every operation the sandbox
 * implements through botocore and holds each raw response against botocore's service model (members, types, enums,
 * required members, paginators), and sends requests the model forbids expecting the documented error. On the demo
 * fleet and on a generated fleet of 1,000 ECS services.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { requirePython, runJudgeAsync } from './tools.js';

const DRIVER = 'test/judges/conformance/drive.py';

interface Report {
  calls: Record<string, number>;
  violations: string[];
  errors: string[];
}

/** Every operation the sandbox serves, as botocore names it ("ecs:ListServices"). */
function implemented(sandbox: Sandbox): string[] {
  const services = [
    sandbox.ecs.service,
    sandbox.cloudMap.service,
    sandbox.sqs.service,
    sandbox.eventBridge.service,
    sandbox.autoScaling.service,
  ];
  return services.flatMap((s) => Object.keys(s.operations).map((op) => `${s.name}:${op}`)).sort();
}

async function judge(scenario: string | object): Promise<{ report: Report; operations: string[] }> {
  requirePython('botocore');
  const sandbox = await startSandbox({ port: 0, scenario });
  try {
    const result = await runJudgeAsync('python3', [DRIVER, sandbox.url, sandbox.region]);
    assert.equal(result.status, 0, `conformance driver failed:\n${result.stderr}`);
    return { report: JSON.parse(result.stdout), operations: implemented(sandbox) };
  } finally {
    await sandbox.close();
  }
}

function assertConforms({ report, operations }: { report: Report; operations: string[] }): void {
  assert.deepEqual(report.violations, [], 'responses the service model does not allow');
  assert.deepEqual(report.errors, [], 'forbidden requests not refused with the documented error');
  const driven = new Set(Object.keys(report.calls));
  assert.deepEqual(
    operations.filter((op) => !driven.has(op)),
    [],
    'operations the sandbox implements but the judge never called',
  );
}

test("every sandbox operation answers the demo fleet as botocore's service models define", async () => {
  assertConforms(await judge('sandbox/scenarios/demo.yaml'));
});

test('every sandbox operation answers a generated 1,000-service fleet as the models define, pages included', async () => {
  const result = await judge({
    name: 'conformance-1000',
    generate: { clusters: 2, servicesPerCluster: 500, tasksPerService: 2, cloudMapServices: 1000 },
  });
  assertConforms(result);
  assert.ok(result.report.calls['ecs:DescribeServices'] >= 100, 'all 1,000 ECS services described');
  assert.ok(result.report.calls['servicediscovery:ListServices'] >= 10, 'Cloud Map services read in pages');
});

test('the model check itself catches unknown and null members, wrong types, enums, missing required members and bad timestamps', async () => {
  requirePython('botocore');
  const result = await runJudgeAsync('python3', ['test/judges/conformance/model_check.py']);
  assert.equal(result.status, 0, result.stderr);
  const found: string[] = JSON.parse(result.stdout);
  for (const expected of [
    'Instance.Bogus: member not in the model',
    'AWS_INSTANCE_IPV4]: null',
    'CreatedByAccount: int where the model has a string',
    "'BOGUS' is not one of ServiceType's values",
    'TTL: required member missing',
    "InstanceCount: '3' where the model has an integer",
    'is not a unixTimestamp timestamp',
  ]) {
    assert.ok(
      found.some((f) => f.includes(expected)),
      `${expected} in ${found.join(' | ')}`,
    );
  }
});
