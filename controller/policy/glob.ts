/**
 * The glob dialect of policy targets: * ? [abc] [a-z] [^a] {a,b}, checked against the characters AWS allows in
 * each kind of name, plus exact set questions: does one glob contain another (allowed scopes) and can two globs
 * match the same name (overlapping policies). This is the ONLY glob implementation of the controller: the
 * runtime matcher (controller/policy/match.ts) runs the regular expression glob-syntax.ts compiles from the tokens
 * the set questions use, so the allowed-scope check and what a policy covers at run time cannot disagree.
 * Syntax that glob libraries read differently (backslash escapes, [!a], POSIX classes [[:alpha:]], "]" or "["
 * inside a class, {a} without a comma, {1..3} ranges, ranges across letter case) is rejected, not guessed.
 */

import { NAME_RULES, type CompiledGlob, type NameKind } from './glob-syntax.js';

export { compileGlob, isGlob, isMatchAll, NAME_RULES } from './glob-syntax.js';
export type { CompiledGlob, NameKind } from './glob-syntax.js';

/** True when the compiled glob's automaton accepts the name (the reference the regex is tested against). */
export function globMatches(glob: CompiledGlob, name: string): boolean {
  let states = closure(glob, initialStates(glob));
  for (const c of name) {
    states = closure(glob, step(glob, states, c));
    if (states.size === 0) return false;
  }
  return accepts(glob, states);
}

/** True when some name matches both globs (same kind). */
export function globsIntersect(a: CompiledGlob, b: CompiledGlob): boolean {
  if (!literalEndsCompatible(a, b)) return false;
  if (a.alternatives.length === 1 && b.alternatives.length === 1 && a.literalEnds[0].prefix === a.source)
    return globMatches(b, a.source);
  const key = `${a.kind}\0${a.source}\0${b.source}`;
  const cached = intersections.get(key);
  if (cached !== undefined) return cached;
  const answer = intersectionNonEmpty(a, b);
  if (intersections.size > 10_000) intersections.clear();
  intersections.set(key, answer);
  return answer;
}

/** Memo of intersection answers: the same patterns recur across many policy pairs. */
const intersections = new Map<string, boolean>();

function intersectionNonEmpty(a: CompiledGlob, b: CompiledGlob): boolean {
  const alphabet = relevantAlphabet(a.kind, [a, b]);
  const seen = new Set<string>();
  const queue: [number, number][] = [];
  const push = (x: number, y: number) => {
    const key = `${x}|${y}`;
    if (!seen.has(key)) {
      seen.add(key);
      queue.push([x, y]);
    }
  };
  for (const x of closure(a, initialStates(a))) for (const y of closure(b, initialStates(b))) push(x, y);
  for (let head = 0; head < queue.length; head += 1) {
    const [x, y] = queue[head];
    if (accepts(a, new Set([x])) && accepts(b, new Set([y]))) return true;
    for (const c of alphabet) {
      const nextA = closure(a, step(a, new Set([x]), c));
      if (nextA.size === 0) continue;
      const nextB = closure(b, step(b, new Set([y]), c));
      for (const nx of nextA) for (const ny of nextB) push(nx, ny);
    }
  }
  return false;
}

/**
 * Cheap test before the automaton: two alternatives whose literal beginnings (or endings) disagree can match
 * no common name ("team1-*" and "team2-*"). True when some pair of alternatives might still intersect.
 */
function literalEndsCompatible(a: CompiledGlob, b: CompiledGlob): boolean {
  for (const x of a.literalEnds) {
    for (const y of b.literalEnds) {
      const prefixes =
        x.prefix.length <= y.prefix.length ? y.prefix.startsWith(x.prefix) : x.prefix.startsWith(y.prefix);
      const suffixes = x.suffix.length <= y.suffix.length ? y.suffix.endsWith(x.suffix) : x.suffix.endsWith(y.suffix);
      if (prefixes && suffixes) return true;
    }
  }
  return false;
}

/**
 * The characters worth trying: every character some class or literal singles out, plus one that none does
 * (all such characters behave alike in every automaton involved, so one stands for all).
 */
function relevantAlphabet(kind: NameKind, globs: readonly CompiledGlob[]): string[] {
  const full = NAME_RULES[kind].alphabet;
  const mentioned = new Set<string>();
  for (const glob of globs) {
    for (const tokens of glob.alternatives) {
      for (const token of tokens)
        if (token.type === 'char' && token.chars.size < full.length) for (const c of token.chars) mentioned.add(c);
    }
  }
  const other = [...full].find((c) => !mentioned.has(c));
  return other === undefined ? [...mentioned] : [...mentioned, other];
}

/**
 * True when every name `inner` matches is matched by at least one of `outer` (same kind).
 * Subset construction over the union of `outer`; gives up (false, i.e. "not proven") past a state budget.
 */
export function globIncludedIn(inner: CompiledGlob, outer: readonly CompiledGlob[]): boolean {
  if (outer.length === 0) return false;
  const union: CompiledGlob = {
    source: outer.map((g) => g.source).join(','),
    kind: inner.kind,
    alternatives: outer.flatMap((g) => g.alternatives),
    literalEnds: outer.flatMap((g) => g.literalEnds),
    regex: /$^/,
  };
  const alphabet = relevantAlphabet(inner.kind, [inner, union]);
  const seen = new Set<string>();
  const queue: [Set<number>, Set<number>][] = [];
  const push = (x: Set<number>, y: Set<number>) => {
    const key = `${[...x].sort().join(',')}|${[...y].sort().join(',')}`;
    if (!seen.has(key)) {
      seen.add(key);
      queue.push([x, y]);
    }
  };
  push(closure(inner, initialStates(inner)), closure(union, initialStates(union)));
  for (let head = 0; head < queue.length; head += 1) {
    if (seen.size > 50_000) return false;
    const [x, y] = queue[head];
    if (accepts(inner, x) && !accepts(union, y)) return false;
    for (const c of alphabet) {
      const nx = closure(inner, step(inner, x, c));
      if (nx.size > 0) push(nx, closure(union, step(union, y, c)));
    }
  }
  return true;
}

// States are encoded as alternative * 4096 + position in that alternative's tokens.
const STRIDE = 4096;

function initialStates(glob: CompiledGlob): Set<number> {
  return new Set(glob.alternatives.map((_, i) => i * STRIDE));
}

function closure(glob: CompiledGlob, states: Set<number>): Set<number> {
  const out = new Set(states);
  for (const state of states) {
    const tokens = glob.alternatives[Math.floor(state / STRIDE)];
    let position = state % STRIDE;
    // A star may match nothing: the positions after it are reachable too.
    while (tokens[position]?.type === 'star') {
      position += 1;
      out.add(Math.floor(state / STRIDE) * STRIDE + position);
    }
  }
  return out;
}

function step(glob: CompiledGlob, states: Set<number>, c: string): Set<number> {
  const out = new Set<number>();
  for (const state of states) {
    const tokens = glob.alternatives[Math.floor(state / STRIDE)];
    const token = tokens[state % STRIDE];
    if (!token) continue;
    if (token.type === 'star') out.add(state);
    else if (token.chars.has(c)) out.add(state + 1);
  }
  return out;
}

function accepts(glob: CompiledGlob, states: Set<number>): boolean {
  for (const state of states) if (state % STRIDE === glob.alternatives[Math.floor(state / STRIDE)].length) return true;
  return false;
}
