/**
 * The operator's limits on one policy revision (controller/limits): total bytes, documents, target patterns and
 * the complexity of each pattern. They are checked before the expensive steps (glob compilation, the pairwise
 * overlap check, whose cost grows with the product of two patterns' automata: 500 bytes of {a,b}{a,b}… took
 * seconds), and each refusal names the limit and its variable, so the owner of the file knows what to change.
 */
import type { Limits } from '../limits/limits.js';
import { DEFAULT_LIMITS } from '../limits/limits.js';
import type { SourceDocument } from '../sources/types.js';

export type RevisionLimits = Pick<
  Limits,
  'maxRevisionBytes' | 'maxPolicyDocuments' | 'maxPolicyPatterns' | 'maxPatternComplexity'
>;

/** A limit exceeded by a whole revision, or by one field of a document (segments from the document root). */
export interface LimitViolation {
  message: string;
  /** Set for a pattern: which field of which document. */
  at?: { documentIndex: number; segments: (string | number)[] };
}

/** The limits in force: the operator's, defaults for the rest. */
export function revisionLimits(limits: Partial<Limits> = {}): RevisionLimits {
  return {
    maxRevisionBytes: limits.maxRevisionBytes ?? DEFAULT_LIMITS.maxRevisionBytes,
    maxPolicyDocuments: limits.maxPolicyDocuments ?? DEFAULT_LIMITS.maxPolicyDocuments,
    maxPolicyPatterns: limits.maxPolicyPatterns ?? DEFAULT_LIMITS.maxPolicyPatterns,
    maxPatternComplexity: limits.maxPatternComplexity ?? DEFAULT_LIMITS.maxPatternComplexity,
  };
}

/** The revision's total size against MAX_REVISION_BYTES (checked before any parsing). */
export function checkRevisionBytes(
  documents: readonly SourceDocument[],
  limits: RevisionLimits,
): LimitViolation | undefined {
  let total = 0;
  for (const document of documents) total += Buffer.byteLength(document.content);
  if (total <= limits.maxRevisionBytes) return undefined;
  return {
    message: `the revision is ${total} bytes, over the operator's limit of ${limits.maxRevisionBytes} (MAX_REVISION_BYTES); split the policies across sources or raise the limit`,
  };
}

/** Document count, pattern count and each pattern's complexity, over the parsed documents' data. */
export function checkDocumentLimits(data: readonly unknown[], limits: RevisionLimits): LimitViolation[] {
  if (data.length > limits.maxPolicyDocuments) {
    return [
      {
        message: `the revision holds ${data.length} YAML documents, over the operator's limit of ${limits.maxPolicyDocuments} (MAX_POLICY_DOCUMENTS)`,
      },
    ];
  }
  const violations: LimitViolation[] = [];
  let patterns = 0;
  data.forEach((document, documentIndex) => {
    for (const { segments, pattern } of targetPatterns(document)) {
      patterns += 1;
      const complexity = patternComplexity(pattern, limits.maxPatternComplexity + 1);
      if (complexity > limits.maxPatternComplexity) {
        violations.push({
          at: { documentIndex, segments },
          message: `pattern complexity (brace alternatives x length) is over the operator's limit of ${limits.maxPatternComplexity} (MAX_PATTERN_COMPLEXITY); list the names or use fewer {a,b} groups`,
        });
      }
    }
  });
  if (patterns > limits.maxPolicyPatterns) {
    violations.unshift({
      message: `the revision holds ${patterns} target patterns, over the operator's limit of ${limits.maxPolicyPatterns} (MAX_POLICY_PATTERNS)`,
    });
  }
  return violations;
}

/** The glob fields of a document's target, wherever they are strings in a list (shape errors are the schema's). */
function* targetPatterns(document: unknown): Generator<{ segments: (string | number)[]; pattern: string }> {
  const target = (document as { spec?: { target?: Record<string, unknown> } } | null)?.spec?.target;
  if (!target || typeof target !== 'object') return;
  const services = target.services as Record<string, unknown> | undefined;
  const lists: [(string | number)[], unknown][] = [
    [['spec', 'target', 'clusters'], target.clusters],
    [['spec', 'target', 'namespaces'], target.namespaces],
    [['spec', 'target', 'services', 'include'], services?.include],
    [['spec', 'target', 'services', 'exclude'], services?.exclude],
  ];
  for (const [segments, list] of lists) {
    if (!Array.isArray(list)) continue;
    for (let i = 0; i < list.length; i += 1)
      if (typeof list[i] === 'string') yield { segments: [...segments, i], pattern: list[i] };
  }
}

/**
 * How much work a pattern is for the automata: the number of {a,b} alternatives it expands to (counted without
 * expanding, stopping at `cap`) times its length.
 */
export function patternComplexity(pattern: string, cap = Number.MAX_SAFE_INTEGER): number {
  return Math.min(cap, braceAlternatives(pattern, cap) * Math.max(1, pattern.length));
}

/** Alternatives of a brace expression: a sequence multiplies its groups, a group adds its choices. Unbalanced braces count once (the glob compiler reports them). */
export function braceAlternatives(pattern: string, cap = Number.MAX_SAFE_INTEGER): number {
  let i = 0;
  const sequence = (): number => {
    let product = 1;
    while (i < pattern.length && pattern[i] !== ',' && pattern[i] !== '}') {
      if (pattern[i] === '{') {
        i += 1;
        product = Math.min(cap, product * group());
      } else {
        i += 1;
      }
    }
    return product;
  };
  const group = (): number => {
    let sum = sequence();
    while (pattern[i] === ',') {
      i += 1;
      sum = Math.min(cap, sum + sequence());
    }
    if (pattern[i] === '}') i += 1;
    return sum;
  };
  let total = 1;
  while (i < pattern.length) {
    total = Math.min(cap, total * sequence());
    if (i < pattern.length) i += 1; // a stray "," or "}" at the top level
  }
  return total;
}
