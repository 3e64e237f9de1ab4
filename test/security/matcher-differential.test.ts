/**
 * Differential property test of the one matcher: for seeded random patterns, allowed scopes and names, the
 * allowed-scope check's verdict (checkAllowed, as validate and the loader run it) and what the policy covers at
 * run time (rules/scope.ts) agree: a pattern the check accepts never covers a name the allowed patterns do not.
 * Also: the executed regular expression and the automaton the check reasons with accept the same names.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { globMatches } from '../../controller/policy/glob.js';
import { compilePattern, compileTarget } from '../../controller/policy/match.js';
import { checkAllowed, compileAllowed } from '../../controller/policy/scopes.js';
import { coversCluster, coversNamespace } from '../../controller/rules/scope.js';
import { cluster, namespace, policy } from '../rules/fixtures.js';

/** mulberry32: small, seeded, reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PATTERN_PIECES = [
  'a',
  'b',
  'p',
  'd',
  '-',
  '.',
  '_',
  'A',
  '0',
  '*',
  '?',
  '[a-c]',
  '[^a]',
  '[ab]',
  '[-a]',
  '{a,b}',
  '{a..c}',
  '{,x}',
  '[',
  ']',
  '{',
  '}',
  ',',
  '^',
  '!',
  '\\',
  '[[:alpha:]]',
  '[!a]',
  '[A-z]',
  '[a-]',
  '-prod',
  'prod-',
];
const NAME_CHARS = 'abcdpxzAZ09-._';

function randomPattern(rnd: () => number): string {
  const n = 1 + Math.floor(rnd() * 5);
  let out = '';
  for (let i = 0; i < n; i += 1) out += PATTERN_PIECES[Math.floor(rnd() * PATTERN_PIECES.length)];
  return out;
}

/** A name the compiled pattern matches (a random walk through one alternative), or a random name. */
function randomName(rnd: () => number, source?: string, kind: 'cluster' | 'namespace' = 'namespace'): string {
  const compiled = source === undefined ? undefined : compilePattern(source, kind).pattern;
  if (compiled && rnd() < 0.7) {
    const alternatives = compiled.glob.alternatives;
    const tokens = alternatives[Math.floor(rnd() * alternatives.length)];
    let name = '';
    for (const token of tokens) {
      if (token.type === 'star')
        for (let k = Math.floor(rnd() * 4); k > 0; k -= 1) name += NAME_CHARS[Math.floor(rnd() * NAME_CHARS.length)];
      else {
        const members = [...token.chars];
        name += members[Math.floor(rnd() * members.length)];
      }
    }
    if (name.length > 0) return name;
  }
  let name = '';
  for (let k = 1 + Math.floor(rnd() * 8); k > 0; k -= 1) name += NAME_CHARS[Math.floor(rnd() * NAME_CHARS.length)];
  return name;
}

describe('one matcher: the allowed-scope verdict and the runtime match agree', () => {
  it('on >= 10,000 seeded random cases of patterns, allowed scopes and names', () => {
    const rnd = prng(20261202);
    let cases = 0;
    let accepted = 0;
    let acceptedMatches = 0;
    while (cases < 12_000) {
      const kind = rnd() < 0.5 ? 'namespace' : 'cluster';
      const allowedPattern = randomPattern(rnd);
      const { allowed, errors } = compileAllowed({
        clusters: kind === 'cluster' ? [allowedPattern] : [],
        namespaces: kind === 'namespace' ? [allowedPattern] : [],
        accounts: [],
      });
      if (errors.length > 0) continue;
      // Half the policy patterns refine the allowed one, so accepted verdicts are frequent.
      const policyPattern = rnd() < 0.5 ? allowedPattern.replace('*', randomPattern(rnd)) : randomPattern(rnd);
      const p = policy({
        target: kind === 'cluster' ? { clusters: [policyPattern] } : { namespaces: [policyPattern] },
      });
      const { matcher, errors: patternErrors } = compileTarget(p.target);
      const verdict = patternErrors.length === 0 && checkAllowed(p, matcher, allowed).length === 0;
      for (let k = 0; k < 4; k += 1) {
        const name = randomName(rnd, rnd() < 0.5 ? policyPattern : allowedPattern, kind);
        const covered = kind === 'cluster' ? coversCluster(p, cluster(name)) : coversNamespace(p, namespace(name));
        const allowedCovers = allowed[kind === 'cluster' ? 'clusters' : 'namespaces'].some((g) => g.regex.test(name));
        cases += 1;
        if (patternErrors.length > 0)
          assert.equal(covered, false, `"${policyPattern}" was rejected by validation, yet covers ${name}`);
        if (verdict) {
          accepted += 1;
          if (covered) acceptedMatches += 1;
          assert.ok(
            !covered || allowedCovers,
            `"${policyPattern}" passes the allowed ${kind} "${allowedPattern}" but covers ${kind} ${name} at run time`,
          );
        }
        const compiled = compilePattern(policyPattern, kind).pattern;
        if (compiled && !compiled.arnFields)
          assert.equal(
            compiled.glob.regex.test(name),
            globMatches(compiled.glob, name),
            `regex and automaton disagree on "${policyPattern}" vs ${name}`,
          );
      }
    }
    assert.ok(cases >= 10_000);
    // The property is only meaningful if the check accepted, and the runtime matched, often enough.
    assert.ok(accepted > 1_000, `only ${accepted} accepted cases`);
    assert.ok(acceptedMatches > 500, `only ${acceptedMatches} accepted cases that matched`);
  });

  it('a pattern that fails to compile covers nothing, even in a policy that skipped validation', () => {
    const hostile = policy({ target: { clusters: ['*'], namespaces: ['*{a..z-prod}'] } });
    assert.equal(coversNamespace(hostile, namespace('payments-staging')), false);
    assert.equal(coversCluster(policy({ target: { clusters: ['*-pro[\\d]'] } }), cluster('orders-pro1')), false);
  });
});
