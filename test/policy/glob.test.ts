import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import picomatch from 'picomatch';
import type { CompiledGlob, NameKind } from '../../controller/policy/glob.js';
import { compileGlob, globIncludedIn, globMatches, globsIntersect } from '../../controller/policy/glob.js';

function glob(pattern: string, kind: NameKind = 'cluster'): CompiledGlob {
  const { glob: compiled, error } = compileGlob(pattern, kind);
  assert.ok(compiled, error);
  return compiled;
}

describe('policy globs', () => {
  it('match the names picomatch matches on the unambiguous syntax they accept (policies written for other tools mean the same)', () => {
    const patterns = [
      'prod-*',
      '*-api',
      'p?od',
      'prod-[ab]',
      'prod-[^a]x',
      'prod-[a-c]*',
      '{prod,staging}-*',
      'a*b*c',
      'exact',
      '*',
      'x{a,b{c,d}}y',
    ];
    const names = [
      'prod-a',
      'prod-b',
      'prod-',
      'prod',
      'prod-ax',
      'prod-bx',
      'prod-cx',
      'staging-1',
      'orders-api',
      '-api',
      'pxod',
      'abc',
      'aXbYc',
      'acb',
      'exact',
      'exactly',
      'xay',
      'xby',
      'xbcy',
      'xbdy',
      'x',
      'prod-c-extra',
    ];
    for (const pattern of patterns) {
      const compiled = glob(pattern);
      const reference = picomatch(pattern);
      for (const name of names) assert.equal(globMatches(compiled, name), reference(name), `${pattern} vs ${name}`);
    }
  });

  it('decides containment of one glob in a set of globs', () => {
    assert.equal(globIncludedIn(glob('prod-eu-*'), [glob('prod-*')]), true);
    assert.equal(globIncludedIn(glob('prod-?'), [glob('prod-*')]), true);
    assert.equal(globIncludedIn(glob('*'), [glob('prod-*')]), false);
    // "a?" must not be mistaken for containing "a*" ("abc" is in one and not the other).
    assert.equal(globIncludedIn(glob('a*'), [glob('a?')]), false);
    assert.equal(globIncludedIn(glob('prod-[ab]'), [glob('prod-a'), glob('prod-b')]), true);
    assert.equal(globIncludedIn(glob('prod-[abc]'), [glob('prod-a'), glob('prod-b')]), false);
    assert.equal(globIncludedIn(glob('{prod,staging}-web'), [glob('*-web')]), true);
    assert.equal(globIncludedIn(glob('internal.example.com', 'namespace'), [glob('*.example.com', 'namespace')]), true);
  });

  it('decides whether two globs can match the same name', () => {
    assert.equal(globsIntersect(glob('prod-*'), glob('*-api')), true);
    assert.equal(globsIntersect(glob('prod-*'), glob('staging-*')), false);
    assert.equal(globsIntersect(glob('a?'), glob('?b')), true);
    assert.equal(globsIntersect(glob('a?'), glob('abc')), false);
    assert.equal(globsIntersect(glob('orders'), glob('orders')), true);
  });

  it('explains globs that can match no name of their kind', () => {
    assert.match(
      compileGlob('web.api', 'service').error ?? '',
      /can never match an ECS service name .*: it contains "\."/,
    );
    assert.equal(compileGlob('web.api', 'namespace').error, undefined);
    assert.match(compileGlob('a}', 'cluster').error ?? '', /"}" without a matching "{"/);
    assert.match(compileGlob('a,b', 'cluster').error ?? '', /"," is only allowed inside/);
    assert.match(
      compileGlob('prod-[!a]', 'cluster').error ?? '',
      /is not a valid glob: write "\[\^a\]" to negate a character class/,
    );
  });

  it('rejects syntax glob libraries read in different ways, saying what to write instead', () => {
    const cases: [string, RegExp][] = [
      ['*{a..z-prod}', /"\{a\.\.z-prod\}" has no ","/],
      ['x{a}', /"\{a\}" has no ","/],
      ['*-pro[\\d]', /backslash escapes are not supported/],
      ['[[:alpha:]]-prod', /POSIX classes/],
      ['[]a]', /empty character class/],
      ['[^]', /empty character class/],
      ['[A-z]', /not a range within a-z, A-Z or 0-9/],
      ['[z-a]', /not a range within/],
      ['[a-b-c]', /"-" is a member only as the first or last character/],
      ['[a.]', /"\." cannot be part of an ECS cluster name/],
      ['[{a,b}]', /"\{" inside the character class/],
      ['[a^]', /"\^" negates only as the first character/],
    ];
    for (const [pattern, message] of cases) assert.match(compileGlob(pattern, 'cluster').error ?? '', message, pattern);
    for (const pattern of ['[-a]', '[a-]', '[^a-c]', '[a-cX-Z0-3_]', '{a,b}-prod', 'a{,b}'])
      assert.equal(compileGlob(pattern, 'cluster').error, undefined, pattern);
  });
});
