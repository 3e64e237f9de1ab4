import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { readFileSync } from 'node:fs';
import { CRD_PATH } from '../../crds/generate.js';
import { configOf, RULE_NAMES, RULES } from '../../controller/rules/index.js';
import { errors, load, policy } from '../policy/helpers.js';

const target = 'target:\n  clusters: [prod]\n  namespaces: [internal.example.com]';

describe('rule registry', () => {
  it("lists every rule of the CRD, in the CRD's order, and no other", () => {
    const crd = parse(readFileSync(CRD_PATH, 'utf8'));
    const rules = crd.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.rules.properties;
    assert.deepEqual(Object.keys(rules), [...RULE_NAMES]);
  });

  for (const rule of RULES) {
    it(`${rule.name}: its defaults are what the loader makes of the block written empty (the CRD's defaults)`, () => {
      const loaded = load({ 'p.yaml': policy('p', `${target}\nrules:\n  ${rule.name}: {}`) });
      assert.deepEqual(errors(loaded.problems), []);
      assert.deepEqual(configOf(loaded.set!.policies[0], rule), rule.defaults);
    });

    it(`${rule.name}: omitted, it is off (a new rule never acts by surprise)`, () => {
      const loaded = load({ 'p.yaml': policy('p', target) });
      assert.deepEqual(errors(loaded.problems), []);
      assert.equal(configOf(loaded.set!.policies[0], rule).enabled, false);
    });
  }
});
