import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  InvalidEventPatternError,
  matchesEventPattern,
  parseEventPattern,
} from '../../sandbox/eventbridge/models/pattern.js';

const taskEvent = {
  version: '0',
  id: 'e1',
  'detail-type': 'ECS Task State Change',
  source: 'aws.ecs',
  account: '111122223333',
  time: '2026-11-25T09:00:00Z',
  region: 'eu-west-1',
  resources: ['arn:aws:ecs:eu-west-1:111122223333:task/prod/abc'],
  detail: {
    clusterArn: 'arn:aws:ecs:eu-west-1:111122223333:cluster/prod',
    lastStatus: 'STOPPED',
    desiredStatus: 'STOPPED',
    group: 'service:checkout',
    version: 4,
    cpu: '256',
    stoppedReason: null,
    note: '',
    containers: [
      { name: 'app', lastStatus: 'STOPPED', exitCode: 137 },
      { name: 'envoy', lastStatus: 'RUNNING' },
    ],
    tags: ['blue', 'canary'],
    sourceIp: '10.0.3.17',
    nested: { deeper: { flag: true } },
  },
};

type Case = [name: string, pattern: object, expected: boolean];

const cases: Case[] = [
  ['exact source', { source: ['aws.ecs'] }, true],
  ['exact source, other value', { source: ['aws.s3'] }, false],
  ['array values are OR', { source: ['aws.s3', 'aws.ecs'] }, true],
  ['keys are AND', { source: ['aws.ecs'], 'detail-type': ['ECS Service Action'] }, false],
  ['source and detail-type', { source: ['aws.ecs'], 'detail-type': ['ECS Task State Change'] }, true],
  ['exact match is case-sensitive', { source: ['AWS.ECS'] }, false],
  ['nested object', { detail: { lastStatus: ['STOPPED'] } }, true],
  ['deeply nested', { detail: { nested: { deeper: { flag: [true] } } } }, true],
  ['boolean is not the string', { detail: { nested: { deeper: { flag: ['true'] } } } }, false],
  ['missing field never matches a value', { detail: { missing: ['x'] } }, false],
  ['missing parent never matches a value', { nothere: { x: ['y'] } }, false],
  ['number matches number', { detail: { version: [4] } }, true],
  ['number does not match string', { detail: { version: ['4'] } }, false],
  ['string does not match number', { detail: { cpu: [256] } }, false],
  ['null matches null', { detail: { stoppedReason: [null] } }, true],
  ['null does not match empty string', { detail: { note: [null] } }, false],
  ['empty string matches empty string', { detail: { note: [''] } }, true],
  ['empty string does not match null', { detail: { stoppedReason: [''] } }, false],
  ['event array: any element', { resources: ['arn:aws:ecs:eu-west-1:111122223333:task/prod/abc'] }, true],
  ['event array of scalars', { detail: { tags: ['canary'] } }, true],
  ['event array, no element', { detail: { tags: ['green'] } }, false],
  ['array of objects: any element', { detail: { containers: { name: ['envoy'] } } }, true],
  [
    'array of objects: conditions from the same element',
    { detail: { containers: { name: ['app'], exitCode: [137] } } },
    true,
  ],
  [
    'array of objects: conditions split across elements',
    { detail: { containers: { name: ['envoy'], exitCode: [137] } } },
    false,
  ],
  ['prefix', { detail: { group: [{ prefix: 'service:' }] } }, true],
  ['prefix no match', { detail: { group: [{ prefix: 'family:' }] } }, false],
  ['prefix on a number never matches', { detail: { version: [{ prefix: '4' }] } }, false],
  ['prefix ignore case', { detail: { group: [{ prefix: { 'equals-ignore-case': 'SERVICE:' } }] } }, true],
  ['suffix', { detail: { clusterArn: [{ suffix: '/prod' }] } }, true],
  ['suffix no match', { detail: { clusterArn: [{ suffix: '/dev' }] } }, false],
  ['suffix ignore case', { detail: { clusterArn: [{ suffix: { 'equals-ignore-case': '/PROD' } }] } }, true],
  ['equals-ignore-case', { detail: { lastStatus: [{ 'equals-ignore-case': 'stopped' }] } }, true],
  ['equals-ignore-case no match', { detail: { lastStatus: [{ 'equals-ignore-case': 'running' }] } }, false],
  ['wildcard', { detail: { clusterArn: [{ wildcard: 'arn:aws:ecs:*:cluster/p*' }] } }, true],
  ['wildcard no match', { detail: { clusterArn: [{ wildcard: '*:cluster/dev' }] } }, false],
  ['wildcard escaped star is literal', { detail: { group: [{ wildcard: 'service\\*' }] } }, false],
  ['anything-but string', { detail: { lastStatus: [{ 'anything-but': 'RUNNING' }] } }, true],
  ['anything-but string, excluded', { detail: { lastStatus: [{ 'anything-but': 'STOPPED' }] } }, false],
  ['anything-but list', { detail: { lastStatus: [{ 'anything-but': ['RUNNING', 'PENDING'] }] } }, true],
  ['anything-but list, excluded', { detail: { lastStatus: [{ 'anything-but': ['RUNNING', 'STOPPED'] }] } }, false],
  ['anything-but number', { detail: { version: [{ 'anything-but': 5 }] } }, true],
  ['anything-but number, excluded', { detail: { version: [{ 'anything-but': [3, 4] }] } }, false],
  ['anything-but prefix', { detail: { group: [{ 'anything-but': { prefix: 'family:' } }] } }, true],
  ['anything-but prefix, excluded', { detail: { group: [{ 'anything-but': { prefix: 'service:' } }] } }, false],
  ['anything-but suffix, excluded', { detail: { clusterArn: [{ 'anything-but': { suffix: '/prod' } }] } }, false],
  [
    'anything-but ignore case, excluded',
    { detail: { lastStatus: [{ 'anything-but': { 'equals-ignore-case': ['stopped'] } }] } },
    false,
  ],
  ['anything-but wildcard, excluded', { detail: { clusterArn: [{ 'anything-but': { wildcard: '*/prod' } }] } }, false],
  ['anything-but needs the field', { detail: { missing: [{ 'anything-but': 'x' }] } }, false],
  ['anything-but on an array: one element differs', { detail: { tags: [{ 'anything-but': 'blue' }] } }, true],
  ['exists true', { detail: { lastStatus: [{ exists: true }] } }, true],
  ['exists true, missing', { detail: { missing: [{ exists: true }] } }, false],
  ['exists false, missing', { detail: { missing: [{ exists: false }] } }, true],
  ['exists false, present', { detail: { lastStatus: [{ exists: false }] } }, false],
  ['exists false, missing parent', { other: { missing: [{ exists: false }] } }, true],
  ['exists true on a null value', { detail: { stoppedReason: [{ exists: true }] } }, true],
  ['exists true on an object (not a leaf)', { detail: { nested: [{ exists: true }] } }, false],
  ['exists in array elements', { detail: { containers: { exitCode: [{ exists: true }] } } }, true],
  ['numeric =', { detail: { version: [{ numeric: ['=', 4] }] } }, true],
  ['numeric = other', { detail: { version: [{ numeric: ['=', 5] }] } }, false],
  ['numeric range inside', { detail: { version: [{ numeric: ['>', 0, '<=', 4] }] } }, true],
  ['numeric range outside', { detail: { version: [{ numeric: ['>', 4, '<', 10] }] } }, false],
  ['numeric >=', { detail: { version: [{ numeric: ['>=', 4] }] } }, true],
  ['numeric < fails', { detail: { version: [{ numeric: ['<', 4] }] } }, false],
  ['numeric on a numeric string never matches', { detail: { cpu: [{ numeric: ['>', 0] }] } }, false],
  ['numeric in array of objects', { detail: { containers: { exitCode: [{ numeric: ['>', 128] }] } } }, true],
  ['cidr', { detail: { sourceIp: [{ cidr: '10.0.0.0/16' }] } }, true],
  ['cidr outside', { detail: { sourceIp: [{ cidr: '10.1.0.0/16' }] } }, false],
  ['mixed OR of value and operator', { detail: { lastStatus: ['RUNNING', { prefix: 'STOP' }] } }, true],
  ['$or: one alternative matches', { $or: [{ source: ['aws.s3'] }, { detail: { lastStatus: ['STOPPED'] } }] }, true],
  ['$or: none matches', { $or: [{ source: ['aws.s3'] }, { detail: { lastStatus: ['RUNNING'] } }] }, false],
  [
    '$or nested with AND outside',
    {
      source: ['aws.ecs'],
      detail: { $or: [{ version: [{ numeric: ['>', 10] }] }, { group: [{ prefix: 'service:' }] }] },
    },
    true,
  ],
  [
    '$or nested, AND outside fails',
    { source: ['aws.s3'], detail: { $or: [{ version: [4] }, { group: ['x'] }] } },
    false,
  ],
  [
    '$or alternative with exists false',
    { $or: [{ detail: { missing: [{ exists: false }] } }, { source: ['x'] }] },
    true,
  ],
];

describe('EventBridge pattern matching', () => {
  for (const [name, pattern, expected] of cases) {
    it(`${expected ? 'matches' : 'does not match'}: ${name}`, () => {
      const parsed = parseEventPattern(JSON.stringify(pattern));
      assert.equal(matchesEventPattern(parsed, taskEvent), expected);
    });
  }

  it('a leaf pattern against an object value does not match', () => {
    assert.equal(matchesEventPattern(parseEventPattern('{"detail":["x"]}'), taskEvent), false);
  });

  it('a nested pattern against a scalar value does not match', () => {
    assert.equal(matchesEventPattern(parseEventPattern('{"source":{"x":["aws.ecs"]}}'), taskEvent), false);
  });

  it('an empty pattern object matches every event', () => {
    assert.equal(matchesEventPattern(parseEventPattern('{}'), taskEvent), true);
  });
});

const invalid: [name: string, text: string, reason: RegExp][] = [
  ['not JSON', '{source:', /not valid JSON/],
  ['top-level array', '["aws.ecs"]', /must be a JSON object/],
  ['scalar leaf', '{"source":"aws.ecs"}', /"source" must be an object or an array/],
  ['empty array', '{"source":[]}', /empty arrays/],
  ['empty nested object', '{"detail":{}}', /empty objects/],
  ['unknown operator', '{"source":[{"startswith":"aws."}]}', /unrecognized match type "startswith"/],
  ['two operators in one object', '{"source":[{"prefix":"a","suffix":"b"}]}', /exactly one key/],
  ['nested array element', '{"source":[["aws.ecs"]]}', /match values must be/],
  ['prefix not a string', '{"source":[{"prefix":5}]}', /"prefix" must be a string/],
  ['exists not boolean', '{"source":[{"exists":"yes"}]}', /"exists" must be true or false/],
  ['numeric wrong arity', '{"n":[{"numeric":[">"]}]}', /"numeric" must be/],
  ['numeric unknown operator', '{"n":[{"numeric":["!=",1]}]}', /unrecognized numeric operator/],
  ['numeric non-number bound', '{"n":[{"numeric":[">","1"]}]}', /must be a number/],
  ['numeric two lower bounds', '{"n":[{"numeric":[">",1,">=",2]}]}', /two lower bounds/],
  ['numeric empty range', '{"n":[{"numeric":[">",5,"<",1]}]}', /range is empty/],
  ['numeric = combined', '{"n":[{"numeric":["=",1,"<",5]}]}', /cannot be combined/],
  ['anything-but mixed list', '{"s":[{"anything-but":["a",1]}]}', /only strings or only numbers/],
  ['anything-but empty list', '{"s":[{"anything-but":[]}]}', /must not be empty/],
  [
    'anything-but unknown operator',
    '{"s":[{"anything-but":{"numeric":[">",1]}}]}',
    /unsupported "anything-but" operator/,
  ],
  ['anything-but boolean', '{"s":[{"anything-but":true}]}', /"anything-but" must be/],
  ['wildcard consecutive stars', '{"s":[{"wildcard":"a**b"}]}', /consecutive wildcard/],
  ['cidr not a block', '{"ip":[{"cidr":"10.0.0.300/8"}]}', /"cidr" must be/],
  ['$or with one alternative', '{"$or":[{"source":["a"]}]}', /at least two/],
  ['$or with a non-object', '{"$or":[{"source":["a"]},["b"]]}', /non-empty objects/],
  ['invalid inside $or', '{"$or":[{"source":["a"]},{"source":"b"}]}', /must be an object or an array/],
];

describe('EventBridge pattern validation', () => {
  for (const [name, text, reason] of invalid) {
    it(`rejects ${name}`, () => {
      assert.throws(
        () => parseEventPattern(text),
        (error: unknown) =>
          error instanceof InvalidEventPatternError &&
          reason.test(error.message) &&
          error.message.startsWith('Event pattern is not valid. Reason: '),
      );
    });
  }

  it('names the offending path', () => {
    assert.throws(
      () => parseEventPattern('{"detail":{"containers":{"exitCode":[{"numeric":[">"]}]}}}'),
      /detail\.containers\.exitCode\[0\]/,
    );
  });
});
