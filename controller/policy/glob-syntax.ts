/**
 * The syntax of policy target globs: * ? [abc] [a-z] [^a] {a,b}, checked against the characters AWS allows in
 * each kind of name and compiled to token lists (the automata of glob.ts) and to the regular expression the
 * runtime executes. Syntax that glob libraries read in different ways is rejected with what to write instead.
 */

export type NameKind = 'cluster' | 'namespace' | 'service' | 'arn-field';

interface NameRules {
  alphabet: string;
  maxLength: number;
  /** How the allowed characters are described in error messages. */
  describe: string;
}

const LETTERS_DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** ECS: "up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens"; Cloud Map names are DNS-like. */
export const NAME_RULES: Readonly<Record<NameKind, NameRules>> = {
  cluster: {
    alphabet: `${LETTERS_DIGITS}_-`,
    maxLength: 255,
    describe: 'an ECS cluster name (letters, digits, hyphens and underscores, at most 255)',
  },
  service: {
    alphabet: `${LETTERS_DIGITS}_-`,
    maxLength: 255,
    describe: 'an ECS service name (letters, digits, hyphens and underscores, at most 255)',
  },
  namespace: {
    alphabet: `${LETTERS_DIGITS}_.-`,
    maxLength: 1024,
    describe: 'a Cloud Map namespace name or id (letters, digits, dots, hyphens and underscores)',
  },
  /** The partition, region and account fields of a cluster ARN pattern. */
  'arn-field': {
    alphabet: 'abcdefghijklmnopqrstuvwxyz0123456789-',
    maxLength: 64,
    describe: 'an ARN partition, region or account field (lowercase letters, digits and hyphens)',
  },
};

export type Token = { type: 'char'; chars: ReadonlySet<string> } | { type: 'star' };

/** A glob compiled for one kind of name: one token list per brace alternative. */
export interface CompiledGlob {
  source: string;
  kind: NameKind;
  alternatives: readonly (readonly Token[])[];
  /** Per alternative, the literal text it must start and end with: a cheap first test for intersections. */
  literalEnds: readonly { prefix: string; suffix: string }[];
  /** The same tokens as an anchored regular expression: what the runtime matcher executes. */
  regex: RegExp;
}

const MAX_ALTERNATIVES = 256;

/** True when the text uses any glob syntax (an exact name otherwise). */
export function isGlob(pattern: string): boolean {
  return /[*?[\]{}]/.test(pattern);
}

/** True when the glob is "*" (or "**"): it matches every name. */
export function isMatchAll(pattern: string): boolean {
  return /^\*+$/.test(pattern);
}

/**
 * Compiles a glob for a kind of name, or explains why it is unusable: bad syntax, or it can match no valid
 * name (a character that kind of name cannot hold, a class with no allowed character, too long).
 */
export function compileGlob(pattern: string, kind: NameKind): { glob?: CompiledGlob; error?: string } {
  const rules = NAME_RULES[kind];
  if (pattern.startsWith('!'))
    return {
      error: `"${pattern}" is a negated pattern, which is not supported here; list what to include instead (services.exclude leaves services out)`,
    };
  const ambiguous = ambiguousSyntax(pattern);
  if (ambiguous) return { error: `"${pattern}" is not a valid glob: ${ambiguous}` };
  let expanded: string[];
  try {
    expanded = expandBraces(pattern);
  } catch (error) {
    return { error: `"${pattern}" is not a valid glob: ${(error as Error).message}` };
  }
  const alternatives: Token[][] = [];
  for (const alternative of expanded) {
    const lexed = lex(alternative, rules);
    if ('syntax' in lexed) return { error: `"${pattern}" is not a valid glob: ${lexed.syntax}` };
    if ('impossible' in lexed) return { error: `"${pattern}" can never match ${rules.describe}: ${lexed.impossible}` };
    alternatives.push(lexed);
  }
  return {
    glob: {
      source: pattern,
      kind,
      alternatives,
      literalEnds: alternatives.map(literalEndsOf),
      regex: toRegExp(alternatives),
    },
  };
}

/**
 * Syntax that glob libraries (picomatch, minimatch, bash) read in different ways, so a reader of the policy
 * could believe it covers other names than it does: rejected with what to write instead.
 */
function ambiguousSyntax(pattern: string): string | undefined {
  if (pattern.includes('\\')) return 'backslash escapes are not supported (AWS names hold no character that needs one)';
  if (pattern.includes('[:') || pattern.includes(':]'))
    return 'POSIX classes such as [[:alpha:]] are not supported; write the characters or a range, e.g. [a-z]';
  for (let i = pattern.indexOf('['); i >= 0; i = pattern.indexOf('[', i + 1)) {
    const close = pattern.indexOf(']', i + 1);
    if (close < 0) return '"[" is never closed with "]"';
    const body = pattern.slice(i + 1, close);
    if (body === '' || body === '^' || body === '!')
      return `"${pattern.slice(i, close + 1)}" is an empty character class ("]" cannot be a member)`;
    // picomatch reads [!a] as "! or a", not as bash's negation: only [^a] is unambiguous.
    if (body.startsWith('!'))
      return `write "[^${body.slice(1)}]" to negate a character class ("[!...]" is read differently by glob libraries)`;
    const odd = [...body].find((c) => '[{},*?!'.includes(c));
    if (odd)
      return `"${odd}" inside the character class "${pattern.slice(i, close + 1)}" is read differently by glob libraries; list letters, digits, "-", "_" or "." only`;
    i = close;
  }
  for (let i = pattern.indexOf('{'); i >= 0; i = pattern.indexOf('{', i + 1)) {
    let depth = 0;
    let comma = false;
    let j = i;
    for (; j < pattern.length; j += 1) {
      if (pattern[j] === '{') depth += 1;
      else if (pattern[j] === '}') {
        depth -= 1;
        if (depth === 0) break;
      } else if (pattern[j] === ',' && depth === 1) comma = true;
    }
    if (j < pattern.length && !comma) {
      return `"${pattern.slice(i, j + 1)}" has no "," (write {a,b}: a single alternative or a {1..3} range is read differently by glob libraries)`;
    }
  }
  return undefined;
}

/** Escapes a character for a regular expression character class. */
function classChar(c: string): string {
  return /[\\\]\[^-]/.test(c) ? `\\${c}` : c;
}

/**
 * The anchored regular expression of the token lists: a star is any run of characters, as in the automaton.
 * Written so it cannot backtrack catastrophically: "*a*a*a*a*a*a*b" as plain [\s\S]* groups took 18 s against a
 * 60-character name (a policy file stalling every reconcile). Between two stars, a segment of single-character
 * tokens is matched at its first occurrence, atomically ((?=([\s\S]*?seg))\N: no backtracking into it); the
 * leftmost occurrence is always the right one for such segments, so this accepts exactly the automaton's names.
 * Only the last star backtracks, which is linear.
 */
function toRegExp(alternatives: readonly (readonly Token[])[]): RegExp {
  let group = 0;
  const body = alternatives.map((tokens) => {
    const segments: string[][] = [[]];
    for (const t of tokens) {
      if (t.type === 'star') segments.push([]);
      else segments.at(-1)!.push(`[${[...t.chars].map(classChar).join('')}]`);
    }
    if (segments.length === 1) return segments[0].join('');
    const first = segments[0].join('');
    const middle = segments.slice(1, -1).map((segment) => {
      group += 1;
      return `(?=([\\s\\S]*?${segment.join('')}))\\${group}`;
    });
    return `${first}${middle.join('')}[\\s\\S]*${segments.at(-1)!.join('')}`;
  });
  return new RegExp(`^(?:${body.join('|')})$`);
}

function expandBraces(pattern: string): string[] {
  const open = pattern.indexOf('{');
  const strayClose = pattern.indexOf('}');
  if (open < 0) {
    if (strayClose >= 0) throw new Error('"}" without a matching "{"');
    if (pattern.includes(',')) throw new Error('"," is only allowed inside {a,b} alternatives');
    return [pattern];
  }
  if (strayClose >= 0 && strayClose < open) throw new Error('"}" without a matching "{"');
  let depth = 0;
  let close = -1;
  const commas: number[] = [];
  for (let i = open; i < pattern.length; i += 1) {
    if (pattern[i] === '{') depth += 1;
    else if (pattern[i] === '}') {
      depth -= 1;
      if (depth === 0) {
        close = i;
        break;
      }
    } else if (pattern[i] === ',' && depth === 1) commas.push(i);
  }
  if (close < 0) throw new Error('"{" is never closed with "}"');
  const head = pattern.slice(0, open);
  if (head.includes(',')) throw new Error('"," is only allowed inside {a,b} alternatives');
  const bounds = [open, ...commas, close];
  const choices = bounds.slice(0, -1).map((start, i) => pattern.slice(start + 1, bounds[i + 1]));
  const tails = expandBraces(pattern.slice(close + 1));
  const out: string[] = [];
  for (const choice of choices) {
    for (const expandedChoice of expandBraces(choice)) {
      for (const tail of tails) {
        out.push(head + expandedChoice + tail);
        if (out.length > MAX_ALTERNATIVES) throw new Error(`more than ${MAX_ALTERNATIVES} brace alternatives`);
      }
    }
  }
  return out;
}

type LexResult = Token[] | { syntax: string } | { impossible: string };

/** Tokens of one brace-free alternative, or why it is not a glob, or why it can match no valid name. */
function lex(text: string, rules: NameRules): LexResult {
  const tokens: Token[] = [];
  let minLength = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (c === '*') {
      if (tokens.at(-1)?.type !== 'star') tokens.push({ type: 'star' });
    } else if (c === '?') {
      tokens.push({ type: 'char', chars: new Set(rules.alphabet) });
      minLength += 1;
    } else if (c === '[') {
      const end = text.indexOf(']', i + 1);
      if (end < 0) return { syntax: '"[" is never closed with "]"' };
      // picomatch reads [!a] as "! or a", not as bash's negation: only [^a] is unambiguous.
      if (text[i + 1] === '!')
        return {
          syntax: `write "[^${text.slice(i + 2, end)}]" to negate a character class ("[!...]" is read differently by glob libraries)`,
        };
      const parsed = characterClass(text.slice(i + 1, end), rules);
      if (typeof parsed === 'string')
        return { syntax: `in the character class "${text.slice(i, end + 1)}": ${parsed}` };
      const chars = parsed;
      if (chars.size === 0)
        return {
          impossible: `the character class "${text.slice(i, end + 1)}" holds no character such a name can contain`,
        };
      tokens.push({ type: 'char', chars });
      minLength += 1;
      i = end;
    } else if (c === ']') {
      return { syntax: '"]" without a matching "["' };
    } else if (!rules.alphabet.includes(c)) {
      return { impossible: `it contains "${c}"` };
    } else {
      tokens.push({ type: 'char', chars: new Set(c) });
      minLength += 1;
    }
  }
  if (minLength > rules.maxLength) return { impossible: `it needs at least ${minLength} characters` };
  return tokens;
}

/** Ranges stay inside one of these runs, so "[A-z]" (which holds "[", "^", "_" and more) cannot surprise. */
const RANGE_RUNS = ['abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', '0123456789'];

/**
 * The members of a class body (between "[" and "]"), or why it is ambiguous: every member must be a character
 * the kind of name can hold, a range runs forward within lowercase letters, uppercase letters or digits, and
 * "-" is a member only first or last.
 */
function characterClass(body: string, rules: NameRules): Set<string> | string {
  const negated = body.startsWith('^');
  const members = new Set<string>();
  const spec = negated ? body.slice(1) : body;
  if (spec.includes('^')) return '"^" negates only as the first character';
  for (let i = 0; i < spec.length; i += 1) {
    const c = spec[i];
    if (spec[i + 1] === '-' && i + 2 < spec.length) {
      const to = spec[i + 2];
      const run = RANGE_RUNS.find((r) => r.includes(c));
      if (!run || !run.includes(to) || run.indexOf(to) < run.indexOf(c))
        return `"${c}-${to}" is not a range within a-z, A-Z or 0-9 (in order)`;
      for (const member of run.slice(run.indexOf(c), run.indexOf(to) + 1)) members.add(member);
      i += 2;
    } else if (c === '-' && i !== 0 && i !== spec.length - 1) {
      return '"-" is a member only as the first or last character';
    } else if (!rules.alphabet.includes(c)) {
      return `"${c}" cannot be part of ${rules.describe}`;
    } else {
      members.add(c);
    }
  }
  return new Set([...rules.alphabet].filter((c) => members.has(c) !== negated));
}

function literalEndsOf(tokens: readonly Token[]): { prefix: string; suffix: string } {
  const literal = (ordered: readonly Token[]) => {
    let out = '';
    for (const token of ordered) {
      if (token.type !== 'char' || token.chars.size !== 1) break;
      out += [...token.chars][0];
    }
    return out;
  };
  return { prefix: literal(tokens), suffix: [...literal([...tokens].reverse())].reverse().join('') };
}
