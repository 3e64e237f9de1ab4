import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PolicyProblem } from '../../controller/policy/types.js';
import { load, policy } from './helpers.js';

const HEADER = 'apiVersion: ecs-discovery.io/v1alpha1\nkind: DiscoveryPolicy\nmetadata:\n  name: bad\n';

/** Loads one file and returns its only error, failing when there is not exactly one. */
function onlyError(content: string, maxDocumentBytes?: number): PolicyProblem {
  const { set, problems } = load({ 'bad.yaml': content }, {}, maxDocumentBytes);
  assert.equal(set, undefined, 'an invalid file must withhold the whole set');
  const found = problems.filter((p) => p.severity === 'error');
  assert.equal(found.length, 1, `expected one error, got: ${JSON.stringify(found, null, 1)}`);
  assert.equal(found[0].file, 'bad.yaml');
  return found[0];
}

function expectError(problem: PolicyProblem, line: number, path: string, message: RegExp): void {
  assert.deepEqual({ line: problem.line, path: problem.path }, { line, path }, problem.message);
  assert.match(problem.message, message);
}

/** A policy whose spec has the given extra lines (indented under spec:). */
function withSpec(lines: string): string {
  return policy('bad', `target:\n  clusters: [prod]\n  namespaces: [ns]\n${lines}`);
}

describe('invalid YAML', () => {
  it('reports tab indentation at its line', () => {
    expectError(onlyError(`${HEADER}spec:\n\ttarget: {}\n`), 6, '', /invalid YAML: tab character used for indentation/);
  });

  it('reports an unclosed quote where the string opens', () => {
    const problem = onlyError(`${HEADER}spec:\n  mode: "enforce\n  suspend: false\n`);
    expectError(problem, 6, '', /invalid YAML: the string opened with " here is never closed/);
    assert.equal(problem.column, 9);
  });

  it('reports a duplicate key by name and line', () => {
    const problem = onlyError(
      `${HEADER}spec:\n  mode: audit\n  mode: enforce\n  target: { clusters: [a], namespaces: [b] }\n`,
    );
    expectError(problem, 7, '', /duplicate key "mode"/);
    assert.equal(problem.column, 3);
  });

  it('reports a text file that is not YAML mappings', () => {
    expectError(
      onlyError('This folder holds our ECS policies.\nSee the wiki.\n'),
      1,
      '',
      /not a policy document: expected a mapping .* found a string/,
    );
  });

  it('reports a binary file', () => {
    expectError(onlyError('\x89PNG\r\n\x1a\n\0\0\0\rIHDR'), 0, '', /not a YAML file: it holds binary data/);
  });

  it('reports an empty file as an error, and a comment-only file as a warning', () => {
    expectError(onlyError(''), 0, '', /file is empty/);
    expectError(onlyError('  \n\n'), 0, '', /file is empty/);
    const { set, problems } = load({ 'c.yaml': '# policy retired, see PR 42\n' });
    assert.deepEqual(set?.policies, []);
    assert.deepEqual(
      problems.map((p) => [p.severity, p.message]),
      [['warning', 'file holds only comments, no YAML document']],
    );
  });
});

describe('wrong apiVersion or kind', () => {
  it('rejects a DiscoveryPolicy with an unsupported apiVersion', () => {
    const content = policy('bad').replace('ecs-discovery.io/v1alpha1', 'ecs-discovery.io/v1');
    expectError(
      onlyError(content),
      1,
      'apiVersion',
      /unsupported apiVersion "ecs-discovery.io\/v1" for kind DiscoveryPolicy: use ecs-discovery.io\/v1alpha1/,
    );
  });

  it('rejects a misspelt kind in our group rather than skipping the policy', () => {
    const content = policy('bad').replace('kind: DiscoveryPolicy', 'kind: DiscoveryPolicies');
    expectError(
      onlyError(content),
      2,
      'kind',
      /unknown kind "DiscoveryPolicies": the ecs-discovery.io group defines only kind DiscoveryPolicy/,
    );
  });

  it('rejects a policy that lost its apiVersion and kind, but only warns about other YAML', () => {
    expectError(onlyError('metadata: { name: x }\nspec: {}\n'), 1, '', /missing kind/);
    const { set, problems } = load({ 'docker-compose.yml': 'services:\n  web: { image: nginx }\n' });
    assert.deepEqual(set?.policies, []);
    assert.deepEqual(
      problems.map((p) => [p.severity, p.message]),
      [['warning', 'skipped: not a DiscoveryPolicy (no apiVersion or kind)']],
    );
  });
});

describe('schema violations', () => {
  it('names an unknown field at its key, with a suggestion', () => {
    const problem = onlyError(withSpec('rules:\n  dnsTtl:\n    maximum: 10s'));
    expectError(
      problem,
      11,
      'spec.rules.dnsTtl.maximum',
      /unknown field "maximum" in spec.rules.dnsTtl; did you mean "max"\?/,
    );
    assert.equal(problem.column, 7);
  });

  it('names an unknown top-level field and lists the allowed ones', () => {
    expectError(
      onlyError(`${policy('bad')}status: {}\n`),
      9,
      'status',
      /unknown field "status" in the document \(allowed: apiVersion, kind, metadata, spec\)/,
    );
  });

  it('reports wrong types with what was found', () => {
    const { problems } = load({
      'bad.yaml': policy(
        'bad',
        'suspend: "yes"\ntarget:\n  clusters: prod\n  namespaces: [ns]\nrules:\n  serviceConnectRefresh:\n    maxConcurrent: two',
      ),
    });
    assert.deepEqual(
      problems.map((p) => [p.line, p.path, p.message]),
      [
        [6, 'spec.suspend', 'expected a boolean, got the string "yes"'],
        [8, 'spec.target.clusters', 'expected a list (array), got the string "prod"'],
        [12, 'spec.rules.serviceConnectRefresh.maxConcurrent', 'expected an integer, got the string "two"'],
      ],
    );
  });

  it('reports a mode outside the enum', () => {
    expectError(
      onlyError(policy('bad', 'mode: enforcing\ntarget: { clusters: [a], namespaces: [b] }')),
      6,
      'spec.mode',
      /must be one of "audit", "enforce"; got the string "enforcing"/,
    );
  });

  it('reports a missing required field at its parent', () => {
    expectError(onlyError(policy('bad', 'mode: enforce')), 5, 'spec', /missing required field "target" in spec/);
  });

  it('reports bad durations with the expected format', () => {
    for (const bad of ['15 minutes', '-1h', '1.5h', '10', 'PT15M']) {
      expectError(
        onlyError(withSpec(`rules:\n  cloudMapOrphans:\n    gracePeriod: "${bad}"`)),
        11,
        'spec.rules.cloudMapOrphans.gracePeriod',
        /is not a valid duration: use a Go-style duration such as 90s, 15m, 5h or 1h30m/,
      );
    }
  });

  it('reports negative or zero budgets', () => {
    expectError(
      onlyError(withSpec('rules:\n  cloudMapOrphans:\n    maxDeletionsPerRun: -1')),
      11,
      'spec.rules.cloudMapOrphans.maxDeletionsPerRun',
      /must be at least 0; got -1/,
    );
    expectError(
      onlyError(withSpec('rules:\n  serviceConnectRefresh:\n    maxConcurrent: 0')),
      11,
      'spec.rules.serviceConnectRefresh.maxConcurrent',
      /must be at least 1; got 0/,
    );
    expectError(
      onlyError(withSpec('rules:\n  taskLimit:\n    warnAt: 5000')),
      11,
      'spec.rules.taskLimit.warnAt',
      /must be at most 1000; got 5000/,
    );
  });

  it('reports an invalid policy name', () => {
    expectError(onlyError(policy('Payments_Prod')), 4, 'metadata.name', /"Payments_Prod" is not a valid policy name/);
  });
});

describe('semantic checks', () => {
  const window = (w: string) => withSpec(`rules:\n  serviceConnectRefresh:\n    windows:\n      - ${w}`);

  it('reports an invalid cron expression', () => {
    expectError(
      onlyError(window('{ schedule: "61 2 * * *", duration: 1h }')),
      12,
      'spec.rules.serviceConnectRefresh.windows[0].schedule',
      /not a valid cron expression: .*61/,
    );
    expectError(
      onlyError(window('{ schedule: "0 2 * *", duration: 1h }')),
      12,
      'spec.rules.serviceConnectRefresh.windows[0].schedule',
      /not a five-field cron expression.*4 field/,
    );
    expectError(
      onlyError(window('{ schedule: "0 0 2 * * *", duration: 1h }')),
      12,
      'spec.rules.serviceConnectRefresh.windows[0].schedule',
      /not a five-field cron expression.*6 field/,
    );
  });

  it('reports an unknown time zone and an empty window', () => {
    expectError(
      onlyError(window('{ schedule: "0 2 * * *", duration: 1h, timezone: Europe/Pariss }')),
      12,
      'spec.rules.serviceConnectRefresh.windows[0].timezone',
      /"Europe\/Pariss" is not an IANA time zone/,
    );
    expectError(
      onlyError(window('{ schedule: "0 2 * * *", duration: 0s }')),
      12,
      'spec.rules.serviceConnectRefresh.windows[0].duration',
      /must be more than 0s/,
    );
  });

  it('reports a dnsTtl set above max and a TTL that is not whole seconds', () => {
    expectError(
      onlyError(withSpec('rules:\n  dnsTtl: { max: 5s, set: 30s }')),
      10,
      'spec.rules.dnsTtl.set',
      /set \(30s\) is above max \(5s\)/,
    );
    expectError(
      onlyError(withSpec('rules:\n  dnsTtl: { max: 1500ms, set: 1s }')),
      10,
      'spec.rules.dnsTtl.max',
      /not a whole number of seconds/,
    );
  });

  it('reports globs that can match no valid name', () => {
    const cases: [string, string, RegExp][] = [
      [
        'clusters: ["prod.eu-*"]',
        'spec.target.clusters[0]',
        /is not an ECS cluster name, cluster ARN or glob .*: "\." is not allowed/,
      ],
      [
        'clusters: ["web/*"]',
        'spec.target.clusters[0]',
        /"web\/\*" can never match an ECS cluster name .*: it contains "\/"/,
      ],
      ['clusters: ["prod-[^A-Za-z0-9_-]"]', 'spec.target.clusters[0]', /character class .* holds no character/],
      ['clusters: ["prod-[ab"]', 'spec.target.clusters[0]', /"\[" is never closed/],
      ['clusters: ["!prod"]', 'spec.target.clusters[0]', /negated pattern/],
      ['clusters: ["{a,b"]', 'spec.target.clusters[0]', /"\{" is never closed/],
      [
        'clusters: ["arn:aws:ecs:eu-west-1:111122223333:service/x"]',
        'spec.target.clusters[0]',
        /not an ECS cluster ARN/,
      ],
      [`clusters: ["${'x'.repeat(256)}*"]`, 'spec.target.clusters[0]', /needs at least 256 characters/],
      ['namespaces: ["internal example"]', 'spec.target.namespaces[0]', /" " is not allowed/],
    ];
    for (const [line, path, message] of cases) {
      const target = line.startsWith('clusters')
        ? `target:\n  ${line}\n  namespaces: [ns]`
        : `target:\n  clusters: [prod]\n  ${line}`;
      const problem = onlyError(policy('bad', target));
      assert.equal(problem.path, path, line);
      assert.match(problem.message, message, line);
    }
    const services = load({
      'bad.yaml': policy(
        'bad',
        'target:\n  clusters: [prod]\n  namespaces: [ns]\n  services:\n    include: ["api.v2"]',
      ),
    }).problems;
    assert.match(services[0].message, /"api.v2" is not an ECS service name or glob .*"\." is not allowed/);
  });

  it('reports semantic problems together with schema problems of the same document', () => {
    const spec =
      'rules:\n  serviceConnectRefresh:\n    cooldwn: 1h\n    staleAfter: 5 hours\n    windows:\n      - { schedule: "0 25 * * *", duration: 1h }';
    const { problems } = load({ 'bad.yaml': withSpec(spec) });
    assert.deepEqual(
      problems.map((p) => p.path),
      [
        'spec.rules.serviceConnectRefresh.cooldwn',
        'spec.rules.serviceConnectRefresh.staleAfter',
        'spec.rules.serviceConnectRefresh.windows[0].schedule',
      ],
    );
    assert.match(problems[1].message, /not a valid duration/);
    assert.match(problems[2].message, /not a valid cron expression/);
  });

  it('rejects a document over the size limit, 1 MiB by default', () => {
    const big = `${policy('big')}# ${'x'.repeat(1024 * 1024)}\n`;
    expectError(onlyError(big), 1, '', /document is over the 1048576-byte limit for one policy; split it/);
    expectError(onlyError(policy('small'), 64), 1, '', /over the 64-byte limit/);
  });
});
