import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { mapEvent, mapEventBody } from '../../controller/events/mapper.js';
import { clusterNameFrom, parseServiceArn } from '../../controller/events/arn.js';

const fixtureDir = fileURLToPath(new URL('./fixtures/', import.meta.url));
const fixture = (name: string): string => readFileSync(`${fixtureDir}${name}`, 'utf8');
const fixtureJson = (name: string): Record<string, any> => JSON.parse(fixture(name));

describe('mapEventBody: ECS events', () => {
  it('maps a stopped service task to that task, with the task version for dedup', () => {
    const mapped = mapEventBody(fixture('task-state-change-service-stopped.json'));
    assert.equal(mapped.outcome, 'keys');
    assert.ok(mapped.outcome === 'keys');
    assert.deepEqual(mapped.keys, [
      {
        kind: 'ecs-task',
        cluster: 'FargateCluster',
        service: 'sample-fargate-service',
        task: 'c13b4cb40f1f4fe4a2971f76ae5a47ad',
      },
    ]);
    assert.deepEqual(mapped.taskVersion, {
      taskArn: 'arn:aws:ecs:us-west-2:111122223333:task/FargateCluster/c13b4cb40f1f4fe4a2971f76ae5a47ad',
      version: 6,
    });
    assert.equal(mapped.eventTime, Date.parse('2020-01-23T18:30:01Z'));
    assert.equal(mapped.detailType, 'ECS Task State Change');
  });

  it('ignores a task that starts or runs (a replacement changes nothing a rule acts on until it stops)', () => {
    for (const lastStatus of ['PROVISIONING', 'PENDING', 'ACTIVATING', 'RUNNING', 'DEACTIVATING', 'STOPPING']) {
      const event = fixtureJson('task-state-change-service.json');
      event.detail.lastStatus = lastStatus;
      const mapped = mapEvent(event);
      assert.equal(mapped.outcome, 'ignored', lastStatus);
    }
  });

  it('maps a service task event without lastStatus to its ECS service (read whole, as before)', () => {
    const event = fixtureJson('task-state-change-service.json');
    delete event.detail.lastStatus;
    const mapped = mapEvent(event);
    assert.ok(mapped.outcome === 'keys');
    assert.deepEqual(mapped.keys, [
      { kind: 'ecs-service', cluster: 'FargateCluster', service: 'sample-fargate-service' },
    ]);
  });

  it('ignores a standalone task (the AWS documentation example), which no service owns', () => {
    const mapped = mapEventBody(fixture('task-state-change-standalone.aws-doc.json'));
    assert.equal(mapped.outcome, 'ignored');
  });

  it('maps service action events (AWS documentation examples) to the service named in resources', () => {
    for (const name of ['service-action-steady-state.aws-doc.json', 'service-action-placement-failure.aws-doc.json']) {
      const mapped = mapEventBody(fixture(name));
      assert.ok(mapped.outcome === 'keys', name);
      assert.deepEqual(mapped.keys, [{ kind: 'ecs-service', cluster: 'default', service: 'servicetest' }]);
      assert.equal(mapped.taskVersion, undefined, 'service actions have no version');
    }
  });

  it('takes the cluster from detail.clusterArn when the service ARN is in the old format', () => {
    const mapped = mapEventBody(fixture('service-action-old-arn.json'));
    assert.ok(mapped.outcome === 'keys');
    assert.deepEqual(mapped.keys, [{ kind: 'ecs-service', cluster: 'legacy', service: 'servicetest' }]);
  });

  it('reports an old-format service ARN without a clusterArn as malformed, naming why', () => {
    const event = fixtureJson('service-action-old-arn.json');
    delete event.detail.clusterArn;
    assert.deepEqual(mapEvent(event), {
      outcome: 'malformed',
      detailType: 'ECS Service Action',
      reason: 'service-arn-without-cluster',
    });
  });

  it('maps an old-format service ARN without a clusterArn through the cluster of the known service with that ARN', () => {
    const event = fixtureJson('service-action-old-arn.json');
    delete event.detail.clusterArn;
    const arn = event.resources[0];
    const known = { clustersOfService: (a: string) => (a === arn ? ['legacy', 'batch', 'legacy'] : []) };
    const mapped = mapEvent(event, known);
    assert.ok(mapped.outcome === 'keys');
    assert.deepEqual(
      mapped.keys,
      [
        { kind: 'ecs-service', cluster: 'batch', service: 'servicetest' },
        { kind: 'ecs-service', cluster: 'legacy', service: 'servicetest' },
      ],
      'every cluster whose service carries that ARN',
    );
  });

  it('maps a deployment state change (AWS documentation example) although it carries no clusterArn', () => {
    const mapped = mapEventBody(fixture('deployment-completed.aws-doc.json'));
    assert.ok(mapped.outcome === 'keys');
    assert.deepEqual(mapped.keys, [{ kind: 'ecs-service', cluster: 'default', service: 'servicetest' }]);
  });

  it('ignores detail types it does not handle, such as container instance changes', () => {
    const mapped = mapEventBody(fixture('container-instance-state-change.aws-doc.json'));
    assert.equal(mapped.outcome, 'ignored');
    assert.equal(mapped.detailType, 'ECS Container Instance State Change');
  });

  it('ignores fields AWS may add later', () => {
    const event = fixtureJson('service-action-steady-state.aws-doc.json');
    event.detail.someFutureField = { nested: [1, 2, 3] };
    event.newEnvelopeField = 'x';
    const mapped = mapEvent(event);
    assert.ok(mapped.outcome === 'keys');
    assert.deepEqual(mapped.keys, [{ kind: 'ecs-service', cluster: 'default', service: 'servicetest' }]);
  });
});

describe('mapEventBody: CloudTrail API calls', () => {
  it('maps ECS CreateService to the service and the Cloud Map services it registers into', () => {
    const mapped = mapEventBody(fixture('cloudtrail-ecs-create-service.json'));
    assert.ok(mapped.outcome === 'keys');
    assert.deepEqual(mapped.keys, [
      { kind: 'ecs-service', cluster: 'prod', service: 'orders' },
      { kind: 'cloudmap-service', serviceId: 'srv-orders0000000001' },
    ]);
  });

  it('maps ECS DeleteService to the deleted service and the Cloud Map service it leaves behind', () => {
    const mapped = mapEventBody(fixture('cloudtrail-ecs-delete-service.json'));
    assert.ok(mapped.outcome === 'keys');
    assert.deepEqual(mapped.keys, [
      { kind: 'ecs-service', cluster: 'prod', service: 'orders' },
      { kind: 'cloudmap-service', serviceId: 'srv-orders0000000001' },
    ]);
  });

  it('reads the cluster from a service ARN in the request when there is no response', () => {
    const mapped = mapEventBody(fixture('cloudtrail-ecs-update-service-request-only.json'));
    assert.ok(mapped.outcome === 'keys');
    assert.deepEqual(mapped.keys, [{ kind: 'ecs-service', cluster: 'prod', service: 'checkout' }]);
  });

  it('uses the cluster named "default" when a call names none, as ECS does', () => {
    const event = fixtureJson('cloudtrail-ecs-update-service-request-only.json');
    event.detail.requestParameters = { service: 'checkout' };
    const mapped = mapEvent(event);
    assert.ok(mapped.outcome === 'keys');
    assert.deepEqual(mapped.keys, [{ kind: 'ecs-service', cluster: 'default', service: 'checkout' }]);
  });

  it('ignores failed calls and ECS calls that do not change services', () => {
    assert.equal(mapEventBody(fixture('cloudtrail-ecs-update-service-denied.json')).outcome, 'ignored');
    assert.equal(mapEventBody(fixture('cloudtrail-ecs-run-task.json')).outcome, 'ignored');
  });

  it('maps Cloud Map CreateService to the new service and its namespace', () => {
    const mapped = mapEventBody(fixture('cloudtrail-cloudmap-create-service.json'));
    assert.ok(mapped.outcome === 'keys');
    assert.deepEqual(mapped.keys, [
      { kind: 'cloudmap-service', serviceId: 'srv-orders0000000001' },
      { kind: 'namespace', namespace: 'ns-abcdefgh12345678' },
    ]);
  });

  it('maps Cloud Map DeleteService, UpdateService (a TTL changed by hand), RegisterInstance and DeregisterInstance to the Cloud Map service', () => {
    for (const name of [
      'cloudtrail-cloudmap-delete-service.json',
      'cloudtrail-cloudmap-update-service.json',
      'cloudtrail-cloudmap-register-instance.json',
      'cloudtrail-cloudmap-deregister-instance.json',
    ]) {
      const mapped = mapEventBody(fixture(name));
      assert.ok(mapped.outcome === 'keys', name);
      assert.deepEqual(mapped.keys, [{ kind: 'cloudmap-service', serviceId: 'srv-orders0000000001' }], name);
    }
  });

  it('reports a Cloud Map instance call without a service id as malformed', () => {
    const event = fixtureJson('cloudtrail-cloudmap-register-instance.json');
    delete event.detail.requestParameters.serviceId;
    assert.deepEqual(mapEvent(event), {
      outcome: 'malformed',
      detailType: 'AWS API Call via CloudTrail',
      reason: 'missing-cloudmap-service',
    });
  });
});

describe('mapEventBody: malformed bodies never throw', () => {
  const cases: [string, string, string][] = [
    ['not JSON', '{"detail-type": ', 'invalid-json'],
    ['a JSON array', '[1,2]', 'not-an-object'],
    ['JSON null', 'null', 'not-an-object'],
    ['no detail-type', '{"source":"aws.ecs","detail":{}}', 'missing-detail-type'],
    ['detail not an object', '{"detail-type":"ECS Service Action","detail":"x"}', 'missing-detail'],
    ['service action without resources', '{"detail-type":"ECS Service Action","detail":{}}', 'missing-service'],
    [
      'task event without cluster',
      '{"detail-type":"ECS Task State Change","detail":{"group":"service:a"}}',
      'missing-cluster',
    ],
    [
      'task event with empty service group',
      '{"detail-type":"ECS Task State Change","detail":{"clusterArn":"arn:aws:ecs:r:1:cluster/c","group":"service:"}}',
      'missing-service',
    ],
    [
      'ECS API call without service',
      '{"detail-type":"AWS API Call via CloudTrail","detail":{"eventSource":"ecs.amazonaws.com","eventName":"DeleteService","requestParameters":{}}}',
      'missing-service',
    ],
  ];
  for (const [what, body, reason] of cases) {
    it(`reports ${what} as malformed (${reason})`, () => {
      const mapped = mapEventBody(body);
      assert.equal(mapped.outcome, 'malformed');
      assert.equal(mapped.outcome === 'malformed' && mapped.reason, reason);
    });
  }

  it('keeps the task key but skips dedup when the version is not a number', () => {
    const event = fixtureJson('task-state-change-service-stopped.json');
    event.detail.version = '6';
    const mapped = mapEvent(event);
    assert.ok(mapped.outcome === 'keys');
    assert.equal(mapped.taskVersion, undefined);
  });
});

describe('ECS ARN helpers', () => {
  it('parses both service ARN formats and rejects other resources', () => {
    assert.deepEqual(parseServiceArn('arn:aws:ecs:eu-west-1:1:service/prod/orders'), {
      cluster: 'prod',
      service: 'orders',
    });
    assert.deepEqual(parseServiceArn('arn:aws:ecs:eu-west-1:1:service/orders'), { service: 'orders' });
    assert.equal(parseServiceArn('arn:aws:ecs:eu-west-1:1:task/prod/abc'), undefined);
    assert.equal(parseServiceArn('orders'), undefined);
    assert.equal(parseServiceArn('arn:aws:ecs:eu-west-1:1:service/prod/'), undefined);
  });

  it('reads cluster names from ARNs and passes plain names through', () => {
    assert.equal(clusterNameFrom('arn:aws-cn:ecs:cn-north-1:1:cluster/prod'), 'prod');
    assert.equal(clusterNameFrom('prod'), 'prod');
    assert.equal(clusterNameFrom('arn:aws:ecs:r:1:service/prod/x'), undefined);
    assert.equal(clusterNameFrom(''), undefined);
  });
});
