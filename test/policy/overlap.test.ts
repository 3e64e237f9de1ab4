import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareSpecificity, patternSpecificity, specificityOf } from '../../controller/policy/specificity.js';
import { errors, load, policy } from './helpers.js';

/** A policy with the taskLimit rule on (it acts on ECS services only), for the given target lines. */
function withTarget(name: string, target: string, rules = 'taskLimit: {}'): string {
  return policy(
    name,
    `target:\n${target
      .split('\n')
      .map((l) => `  ${l}`)
      .join('\n')}\nrules:\n  ${rules}`,
  );
}

describe('overlapping policies', () => {
  it('rejects two policies claiming the same services at equal specificity, naming both files', () => {
    const a = withTarget('team-a', 'clusters: ["prod-*"]\nnamespaces: [internal]\nservices: { include: ["api-*"] }');
    const b = withTarget('team-b', 'clusters: ["*-eu"]\nnamespaces: [internal]\nservices: { include: ["*-v2"] }');
    const { set, problems } = load({ 'a.yaml': a, 'b.yaml': b });
    assert.equal(set, undefined);
    const found = errors(problems);
    assert.equal(found.length, 1);
    assert.match(
      found[0],
      /^b\.yaml:\d+:\d+ spec\.target: policy "team-b" \(b\.yaml:1\) and policy "team-a" \(a\.yaml:1\) claim the same resources with equal specificity/,
    );
    assert.match(
      found[0],
      /\(services "api-\*" \/ "\*-v2" in clusters "prod-\*" \/ "\*-eu" and namespaces "internal"\): the most specific policy wins/,
    );
  });

  it('lets the more specific policy win: exact service names over globs', () => {
    const broad = withTarget('broad', 'clusters: [prod]\nnamespaces: [internal]\nservices: { include: ["*"] }');
    const narrow = withTarget('narrow', 'clusters: [prod]\nnamespaces: [internal]\nservices: { include: [orders] }');
    assert.deepEqual(errors(load({ 'a.yaml': broad, 'b.yaml': narrow }).problems), []);
  });

  it('lets required service tags make a policy more specific', () => {
    const all = withTarget('all', 'clusters: [prod]\nnamespaces: [internal]');
    const tagged = withTarget('tagged', 'clusters: [prod]\nnamespaces: [internal]\nservices: { tags: { tier: web } }');
    assert.deepEqual(errors(load({ 'a.yaml': all, 'b.yaml': tagged }).problems), []);
  });

  it('does not flag policies that cannot claim the same resource', () => {
    const base = 'clusters: ["prod-*"]\nnamespaces: [internal]';
    const cases: [string, string][] = [
      [withTarget('a', base), withTarget('b', 'clusters: ["staging-*"]\nnamespaces: [internal]')],
      [withTarget('a', base), withTarget('b', 'clusters: ["prod-*"]\nnamespaces: [public]')],
      [withTarget('a', base), withTarget('b', `${base}\nregion: us-east-1`)],
      [
        withTarget('a', `${base}\nservices: { tags: { team: x } }`),
        withTarget('b', `${base}\nservices: { tags: { team: y } }`),
      ],
      [
        withTarget('a', `${base}\nservices: { include: ["*"], exclude: [orders] }`),
        withTarget('b', `${base}\nservices: { include: ["orders"] }`),
      ],
    ];
    for (const [a, b] of cases) assert.deepEqual(errors(load({ 'a.yaml': a, 'b.yaml': b }).problems), [], b);
  });

  it('flags ties whatever the rules, mode or suspend (the plan gives each resource to one policy)', () => {
    const base = 'clusters: ["prod-*"]\nnamespaces: [internal]';
    const suspended = policy(
      'b',
      `suspend: true\ntarget:\n  clusters: ["prod-*"]\n  namespaces: [internal]\nrules:\n  dnsTtl: {}`,
    );
    for (const b of [withTarget('b', base, 'serviceConnectRefresh: {}'), suspended]) {
      assert.equal(errors(load({ 'a.yaml': withTarget('a', base), 'b.yaml': b }).problems).length, 1, b);
    }
  });

  it('flags two policies reaching one namespace at equal specificity when either runs a Cloud Map rule, whatever their clusters', () => {
    // Cloud Map services belong to a namespace: a new policy "aaa" on its own cluster must not take over, by its
    // name sorting first, the Cloud Map services another team's policy owns in a shared namespace.
    const team = withTarget('team', 'clusters: [team-a]\nnamespaces: [shared.local]', 'taskLimit: {}');
    for (const rules of ['cloudMapOrphans: { gracePeriod: 0s }', 'dnsTtl: {}']) {
      const found = errors(
        load({
          'team.yaml': team,
          'new.yaml': withTarget('aaa', 'clusters: [other]\nnamespaces: [shared.local]', rules),
        }).problems,
      );
      assert.equal(found.length, 1, rules);
      assert.match(
        found[0],
        /policy "aaa" \(new\.yaml:1\) and policy "team" \(team\.yaml:1\) claim the same resources with equal specificity \(Cloud Map services in namespaces "shared\.local", whatever their clusters, since policy "aaa" runs (cloudMapOrphans|dnsTtl)\)/,
      );
    }
    const globbed = withTarget('aaa', 'clusters: [other]\nnamespaces: ["shared.*"]', 'cloudMapOrphans: {}');
    assert.equal(
      errors(load({ 'team.yaml': team, 'new.yaml': globbed }).problems).length,
      0,
      'an exact namespace is more specific than a glob: the team keeps it',
    );
    const ecsOnly = withTarget('aaa', 'clusters: [other]\nnamespaces: [shared.local]', 'serviceConnectRefresh: {}');
    assert.equal(
      errors(load({ 'team.yaml': team, 'new.yaml': ecsOnly }).problems).length,
      0,
      'rules on ECS services split a shared namespace by cluster',
    );
  });

  it('flags identical exact targets in two files', () => {
    const target = 'clusters: [prod]\nnamespaces: [internal]\nservices: { include: [orders] }';
    const found = errors(
      load({ 'one.yaml': withTarget('one', target), 'two.yaml': withTarget('two', target) }).problems,
    );
    assert.equal(found.length, 1);
    assert.match(found[0], /policy "two" \(two\.yaml:1\) and policy "one" \(one\.yaml:1\)/);
  });

  it('stops after 50 overlapping pairs and says so', () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 12; i += 1)
      files[`p${String(i).padStart(2, '0')}.yaml`] = withTarget(
        `p${i}`,
        'clusters: ["prod-*"]\nnamespaces: [internal]',
      );
    const found = errors(load(files).problems);
    assert.equal(found.length, 51);
    assert.equal(
      found.filter((e) => e.includes('more than 50 pairs of policies overlap; the check stopped here')).length,
      1,
    );
  });
});

describe('specificity', () => {
  it('orders exact names over globs over "*"', () => {
    assert.deepEqual([patternSpecificity('orders'), patternSpecificity('ord*'), patternSpecificity('*')], [2, 1, 0]);
  });

  it('compares services first, then tags, then clusters', () => {
    const target = (tags: Record<string, string>) =>
      ({ target: { services: { include: [], exclude: [], tags } } }) as never;
    const exactService = specificityOf(target({}), { service: 'orders', cluster: '*' });
    const exactEverythingElse = specificityOf(target({ a: 'b' }), { service: 'ord*', cluster: 'prod' });
    assert.ok(compareSpecificity(exactService, exactEverythingElse) > 0);
    const arn = specificityOf(target({}), { service: '*', cluster: 'arn:aws:ecs:eu-west-1:111122223333:cluster/prod' });
    assert.deepEqual(arn, [0, 0, 2]);
  });
});
