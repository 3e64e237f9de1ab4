import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadPolicySet } from '../../controller/policy/load.js';
import { errors, fetched, load, NO_LIMITS, policy } from './helpers.js';

const DESIGN_EXAMPLE = `apiVersion: ecs-discovery.io/v1alpha1
kind: DiscoveryPolicy
metadata:
  name: payments-prod
  labels: { team: payments }
spec:
  mode: enforce
  suspend: false
  target:
    region: eu-west-1
    roleArn: arn:aws:iam::111122223333:role/discovery-controller
    clusters: [prod-*]
    namespaces: [internal.example.com]
    services:
      include: ["*"]
      exclude: [legacy-*]
      tags: { discovery: managed }
  rules:
    serviceConnectRefresh:
      enabled: true
      staleAfter: 0s
      dependencies:
        checkout: [orders, inventory]
      maxConcurrent: 2
      cooldown: 6h
      windows:
        - { schedule: "0 2 * * *", duration: 2h, timezone: UTC }
    cloudMapOrphans:
      enabled: true
      services: true
      instances: true
      gracePeriod: 15m
      maxDeletionsPerRun: 20
      protectTags: [{ key: keep, value: forever }]
    dnsTtl:
      enabled: true
      max: 10s
      set: 10s
    taskLimit:
      enabled: true
      warnAt: 900
`;

describe('loadPolicySet', () => {
  it('loads the DESIGN example into typed values with durations in milliseconds', () => {
    const { set, problems } = loadPolicySet(fetched({ 'payments.yaml': DESIGN_EXAMPLE }, { revision: 'abc123' }), {
      allowed: { ...NO_LIMITS, accounts: ['111122223333'] },
    });
    assert.deepEqual(problems, []);
    assert.ok(set);
    assert.equal(set.revision, 'abc123');
    const [p] = set.policies;
    assert.equal(p.name, 'payments-prod');
    assert.deepEqual(p.labels, { team: 'payments' });
    assert.deepEqual(p.origin, { file: 'payments.yaml', line: 1 });
    assert.equal(p.mode, 'enforce');
    assert.equal(p.target.account, '111122223333');
    assert.equal(p.target.region, 'eu-west-1');
    assert.deepEqual(p.target.services, { include: ['*'], exclude: ['legacy-*'], tags: { discovery: 'managed' } });
    assert.deepEqual(p.rules.serviceConnectRefresh, {
      enabled: true,
      staleAfterMs: 0,
      dependencies: { checkout: ['orders', 'inventory'] },
      maxConcurrent: 2,
      cooldownMs: 6 * 3_600_000,
      windows: [{ schedule: '0 2 * * *', durationMs: 2 * 3_600_000, timezone: 'UTC' }],
    });
    assert.deepEqual(p.rules.cloudMapOrphans, {
      enabled: true,
      services: true,
      instances: true,
      gracePeriodMs: 15 * 60_000,
      maxDeletionsPerRun: 20,
      protectTags: [{ key: 'discovery-controller/protect' }, { key: 'keep', value: 'forever' }],
      emptyServices: 'report',
    });
    assert.deepEqual(p.rules.dnsTtl, {
      enabled: true,
      maxSeconds: 10,
      setSeconds: 10,
      drainMarginSeconds: 5,
      drainBound: 'report',
    });
    assert.deepEqual(p.rules.taskLimit, { enabled: true, warnAt: 900, namespaceWarnAt: 1800 });
  });

  it('applies the documented defaults: audit mode, omitted rules disabled, a written rule block enabled', () => {
    const { set, problems } = load({
      'p.yaml': policy('minimal', 'target:\n  clusters: [prod]\n  namespaces: [ns]\nrules:\n  dnsTtl: {}'),
    });
    assert.deepEqual(errors(problems), []);
    const [p] = set!.policies;
    assert.equal(p.mode, 'audit');
    assert.equal(p.suspend, false);
    assert.equal(p.target.region, undefined);
    assert.deepEqual(p.target.services, { include: ['*'], exclude: [], tags: {} });
    assert.deepEqual(p.rules.dnsTtl, {
      enabled: true,
      maxSeconds: 10,
      setSeconds: 10,
      drainMarginSeconds: 5,
      drainBound: 'report',
    });
    assert.deepEqual(p.rules.serviceConnectRefresh, {
      enabled: false,
      staleAfterMs: 0,
      maxConcurrent: 2,
      cooldownMs: 6 * 3_600_000,
      windows: [],
    });
    assert.equal(p.rules.cloudMapOrphans.enabled, false);
    assert.equal(p.rules.cloudMapOrphans.gracePeriodMs, 15 * 60_000);
    assert.equal(p.rules.cloudMapOrphans.maxDeletionsPerRun, 20);
    assert.deepEqual(
      p.rules.cloudMapOrphans.protectTags,
      [{ key: 'discovery-controller/protect' }],
      "the operator's protect tag, always",
    );
    assert.deepEqual(p.rules.taskLimit, { enabled: false, warnAt: 900, namespaceWarnAt: 1800 });
  });

  it('stores window time zones under their canonical IANA name', () => {
    const spec =
      'target:\n  clusters: [prod]\n  namespaces: [ns]\nrules:\n  serviceConnectRefresh:\n    windows:\n      - { schedule: "30 1 * * 1-5", duration: 90m, timezone: europe/paris }';
    const { set } = load({ 'p.yaml': policy('tz', spec) });
    assert.deepEqual(set!.policies[0].rules.serviceConnectRefresh.windows, [
      { schedule: '30 1 * * 1-5', durationMs: 90 * 60_000, timezone: 'Europe/Paris' },
    ]);
  });

  it('returns a deeply frozen set', () => {
    const { set } = load({ 'p.yaml': DESIGN_EXAMPLE }, { accounts: ['111122223333'] });
    assert.ok(Object.isFrozen(set));
    assert.ok(Object.isFrozen(set!.policies[0].rules.serviceConnectRefresh.windows[0]));
    assert.throws(() => {
      (set!.policies[0].target.clusters as string[]).push('x');
    }, TypeError);
  });

  it('reads several documents of one file and records where each starts', () => {
    const { set } = load({
      'two.yaml': `${policy('first')}---\n${policy('second', 'target:\n  clusters: [dev]\n  namespaces: [ns]')}`,
    });
    assert.deepEqual(
      set!.policies.map((p) => [p.name, p.origin.line]),
      [
        ['first', 1],
        ['second', 10],
      ],
    );
  });

  it('skips documents of other kinds with a warning, and still returns the set', () => {
    const { set, problems } = load({
      'mixed.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x }\n---\n${policy('real')}`,
    });
    assert.equal(set?.policies.length, 1);
    assert.deepEqual(
      problems.map((p) => [p.severity, p.line, p.path]),
      [['warning', 2, 'kind']],
    );
    assert.match(problems[0].message, /skipped: not a DiscoveryPolicy/);
  });

  it('turns source problems into located problems, and an error there withholds the set', () => {
    const result = fetched(
      { 'ok.yaml': policy('ok') },
      {
        problems: [{ path: 'broken.yaml', message: 'cannot read file: permission denied (EACCES)', severity: 'error' }],
      },
    );
    const { set, problems } = loadPolicySet(result, { allowed: NO_LIMITS });
    assert.equal(set, undefined);
    assert.deepEqual(errors(problems), ['broken.yaml:0:0 : cannot read file: permission denied (EACCES)']);
  });

  it('rejects two policies with the same name, naming the first file', () => {
    const { set, problems } = load({
      'a.yaml': policy('same'),
      'b.yaml': policy('same', 'target:\n  clusters: [other]\n  namespaces: [ns]'),
    });
    assert.equal(set, undefined);
    assert.deepEqual(errors(problems), [
      'b.yaml:4:9 metadata.name: duplicate policy name "same": already used by a.yaml:1; names must be unique across all policy files',
    ]);
  });
});

describe('allowed scopes', () => {
  const spec = (clusters: string, namespaces: string, extra = '') =>
    `target:\n  clusters: ${clusters}\n  namespaces: ${namespaces}${extra}`;

  it('accepts patterns that lie inside the allowed globs', () => {
    const { problems } = load(
      {
        'p.yaml': policy(
          'p',
          spec('[prod-eu-*, "prod-{a,b}", "arn:aws:ecs:eu-west-1:111122223333:cluster/prod-x"]', '[a.example.com]'),
        ),
      },
      { clusters: ['prod-*'], namespaces: ['*.example.com'], accounts: ['111122223333'] },
    );
    assert.deepEqual(errors(problems), []);
  });

  it('rejects a cluster glob wider than the allowed clusters', () => {
    const { set, problems } = load(
      { 'p.yaml': policy('p', spec('[prod-a, "*"]', '[ns]')) },
      { clusters: ['prod-*', 'staging-*'] },
    );
    assert.equal(set, undefined);
    assert.deepEqual(errors(problems), [
      'p.yaml:7:24 spec.target.clusters[1]: "*" reaches outside the allowed clusters (--allowed-clusters: prod-*, staging-*)',
    ]);
  });

  it('checks containment against the union of allowed patterns, not each one alone', () => {
    const { problems } = load(
      { 'p.yaml': policy('p', spec('["prod-[ab]"]', '[ns]')) },
      { clusters: ['prod-a', 'prod-b'] },
    );
    assert.deepEqual(errors(problems), []);
  });

  it('rejects a namespace outside the allowed namespaces', () => {
    const { problems } = load(
      { 'p.yaml': policy('p', spec('[prod]', '[internal.example.com, other.example.org]')) },
      { namespaces: ['*.example.com'] },
    );
    assert.deepEqual(
      errors(problems).map((e) => e.split(': ')[0]),
      ['p.yaml:8:40 spec.target.namespaces[1]'],
    );
  });

  it('rejects a roleArn or cluster ARN in an account that is not allowed', () => {
    const target = spec(
      '["arn:aws:ecs:eu-west-1:999999999999:cluster/prod"]',
      '[ns]',
      '\n  roleArn: arn:aws:iam::444455556666:role/x',
    );
    const { problems } = load({ 'p.yaml': policy('p', target) }, { accounts: ['111122223333'] });
    const found = errors(problems);
    assert.equal(found.length, 2);
    assert.match(found.join('\n'), /spec\.target\.roleArn: account 444455556666 of roleArn is not an allowed account/);
    assert.match(found.join('\n'), /spec\.target\.clusters\[0\]: cluster ARN .* is in account 999999999999/);
  });

  it('treats empty cluster and namespace lists as no limit', () => {
    const { problems } = load({ 'p.yaml': policy('p', spec('["*"]', '["*"]')) });
    assert.deepEqual(errors(problems), []);
  });

  it("treats an empty account list as the controller's own account only: no roleArn", () => {
    const { problems } = load({
      'p.yaml': policy('p', spec('["*"]', '["*"]', '\n  roleArn: arn:aws:iam::444455556666:role/x')),
    });
    assert.deepEqual(
      errors(problems).map((e) => e.replace(/^p\.yaml:\d+:\d+ /, '')),
      [
        "spec.target.roleArn: roleArn assumes a role in account 444455556666, but no --allowed-accounts are set, which means the controller's own account only (no roleArn): list 444455556666 in --allowed-accounts to allow it",
      ],
    );
  });
});
