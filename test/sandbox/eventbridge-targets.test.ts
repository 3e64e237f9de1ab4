import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EventBridgeEvent } from '../../sandbox/core/types.js';
import { parseJsonPath, renderTargetInput } from '../../sandbox/eventbridge/models/targets.js';
import { validateTarget } from '../../sandbox/eventbridge/responses/targets.js';

const event: EventBridgeEvent = {
  version: '0',
  id: 'evt-1',
  'detail-type': 'ECS Task State Change',
  source: 'aws.ecs',
  account: '111122223333',
  time: '2026-11-25T09:00:00Z',
  region: 'eu-west-1',
  resources: ['arn:aws:ecs:eu-west-1:111122223333:task/prod/abc'],
  detail: { lastStatus: 'STOPPED', version: 7, containers: [{ name: 'app', 'exit-code': 137 }], note: 'say "hi"' },
};
const rule = { name: 'tasks', arn: 'arn:aws:events:eu-west-1:111122223333:rule/tasks' };
const queue = 'arn:aws:sqs:eu-west-1:111122223333:events';

describe('EventBridge target input', () => {
  it('parses the JSONPath forms targets use', () => {
    assert.deepEqual(parseJsonPath('$'), []);
    assert.deepEqual(parseJsonPath('$.detail.lastStatus'), ['detail', 'lastStatus']);
    assert.deepEqual(parseJsonPath("$.detail.containers[0]['exit-code']"), ['detail', 'containers', 0, 'exit-code']);
    assert.deepEqual(parseJsonPath('$.detail-type'), ['detail-type']);
    assert.equal(parseJsonPath('detail.lastStatus'), undefined);
    assert.equal(parseJsonPath('$..x'), undefined);
  });

  it('sends the whole event by default', () => {
    assert.deepEqual(JSON.parse(renderTargetInput(validateTarget({ Id: 'a', Arn: queue }), event, rule)), event);
  });

  it('sends the constant Input verbatim', () => {
    assert.equal(
      renderTargetInput(validateTarget({ Id: 'a', Arn: queue, Input: '{"k": 1}' }), event, rule),
      '{"k": 1}',
    );
  });

  it('sends the InputPath selection: JSON for objects and numbers, the text for strings', () => {
    assert.deepEqual(
      JSON.parse(
        renderTargetInput(validateTarget({ Id: 'a', Arn: queue, InputPath: '$.detail.containers[0]' }), event, rule),
      ),
      { name: 'app', 'exit-code': 137 },
    );
    assert.equal(
      renderTargetInput(validateTarget({ Id: 'a', Arn: queue, InputPath: '$.detail.version' }), event, rule),
      '7',
    );
    assert.equal(
      renderTargetInput(validateTarget({ Id: 'a', Arn: queue, InputPath: '$.detail.lastStatus' }), event, rule),
      'STOPPED',
    );
  });

  it('fills an InputTransformer template, escaping strings inside JSON templates', () => {
    const target = validateTarget({
      Id: 'a',
      Arn: queue,
      InputTransformer: {
        InputPathsMap: {
          status: '$.detail.lastStatus',
          version: '$.detail.version',
          note: '$.detail.note',
          missing: '$.detail.nothing',
        },
        InputTemplate:
          '{"status": "<status>", "version": <version>, "note": "<note>", "rule": "<aws.events.rule-name>", "missing": <missing>}',
      },
    });
    assert.deepEqual(JSON.parse(renderTargetInput(target, event, rule)), {
      status: 'STOPPED',
      version: 7,
      note: 'say "hi"',
      rule: 'tasks',
      missing: null,
    });
    const text = validateTarget({
      Id: 'b',
      Arn: queue,
      InputTransformer: { InputPathsMap: { s: '$.detail.lastStatus' }, InputTemplate: 'task is <s>' },
    });
    assert.equal(renderTargetInput(text, event, rule), 'task is STOPPED');
  });

  it('rejects targets AWS rejects', () => {
    assert.throws(() => validateTarget({ Id: 'bad id!', Arn: queue }), /Target Id/);
    assert.throws(() => validateTarget({ Id: 'a', Arn: 'not-an-arn' }), /Arn/);
    assert.throws(() => validateTarget({ Id: 'a', Arn: queue, Input: '{not json' }), /Input is not valid JSON/);
    assert.throws(() => validateTarget({ Id: 'a', Arn: queue, Input: '{}', InputPath: '$.detail' }), /only one of/);
    assert.throws(() => validateTarget({ Id: 'a', Arn: queue, InputPath: 'detail' }), /not a valid JSON path/);
    assert.throws(
      () => validateTarget({ Id: 'a', Arn: queue, InputTransformer: { InputPathsMap: {} } }),
      /InputTemplate/,
    );
  });
});
