import { DEFAULT_LIMITS } from '../limits/limits.js';
import { RULES } from '../rules/index.js';
import type { FetchResult } from '../sources/types.js';
import type { ParsedDocument } from './parse.js';
import { displayPath, locate, parseYamlFile } from './parse.js';
import { POLICY_API_VERSION, POLICY_GROUP, POLICY_KIND, validateAgainstSchema } from './schema.js';
import type { OverlapCandidate } from './scopes.js';
import { NO_BOUNDS } from './bounds.js';
import { checkAllowed, compileAllowed, findOverlaps } from './scopes.js';
import type { RawPolicy, SemanticIssue } from './semantic.js';
import { checkBounds, checkPolicy } from './semantic.js';
import type { AllowedScopes, PolicyProblem, PolicySet } from './types.js';
import type { Limits } from '../limits/limits.js';
import { checkDocumentLimits, checkRevisionBytes, revisionLimits } from './revision-limits.js';

/** File name used for problems with the operator's allowed scopes rather than with a policy file. */
export const ALLOWED_SCOPES_FILE = '(allowed scopes)';

/** What loading a revision needs besides the revision: the operator's scopes and limits. */
export interface LoadOptions {
  allowed: AllowedScopes;
  maxDocumentBytes?: number;
  /** Per-revision limits (documents, patterns, bytes, pattern complexity); defaults from controller/limits. */
  limits?: Partial<Limits>;
}

/** File name used for problems with the revision as a whole (an operator limit exceeded). */
export const REVISION_FILE = '(revision)';

interface Candidate extends OverlapCandidate {
  document: ParsedDocument;
}

/**
 * Parses, validates and checks every policy of a fetched source revision: YAML syntax, the JSON schema
 * (unknown fields, types, formats), durations, cron windows, globs, the allowed scopes, duplicate names and
 * overlapping policies. Returns a deeply frozen PolicySet only when there is no error, so a bad revision
 * never replaces the last good set. Every problem names file, line, column and field.
 */
export function loadPolicySet(
  result: FetchResult,
  options: LoadOptions,
): { set?: PolicySet; problems: PolicyProblem[] } {
  const problems: PolicyProblem[] = [];
  const maxDocumentBytes = options.maxDocumentBytes ?? DEFAULT_LIMITS.maxPolicyBytes;
  for (const problem of result.problems ?? []) {
    problems.push({
      file: problem.path,
      line: 0,
      column: 0,
      path: '',
      message: problem.message,
      severity: problem.severity,
    });
  }
  const { allowed, errors: allowedErrors } = compileAllowed(options.allowed);
  for (const message of allowedErrors)
    problems.push({ file: ALLOWED_SCOPES_FILE, line: 0, column: 0, path: '', message, severity: 'error' });

  // The operator's per-revision limits come first: past them nothing expensive runs (see revision-limits.ts).
  const limits = revisionLimits(options.limits);
  const tooBig = checkRevisionBytes(result.documents, limits);
  if (tooBig)
    return {
      problems: [
        ...problems,
        { file: REVISION_FILE, line: 0, column: 0, path: '', message: tooBig.message, severity: 'error' },
      ],
    };
  const parsedDocuments: ParsedDocument[] = [];
  for (const source of result.documents) {
    const parsed = parseYamlFile(source.path, source.content, maxDocumentBytes);
    problems.push(...parsed.problems);
    parsedDocuments.push(...parsed.documents);
  }
  const overLimits = checkDocumentLimits(
    parsedDocuments.map((d) => d.data),
    limits,
  );
  for (const violation of overLimits) {
    if (violation.at)
      report(problems, parsedDocuments[violation.at.documentIndex], violation.at.segments, violation.message);
    else
      problems.push({
        file: REVISION_FILE,
        line: 0,
        column: 0,
        path: '',
        message: violation.message,
        severity: 'error',
      });
  }
  if (overLimits.length > 0) return { problems: sortProblems(problems) };

  const candidates: Candidate[] = [];
  const named: { name: string; document: ParsedDocument }[] = [];
  for (const document of parsedDocuments) {
    const candidate = checkDocument(document, allowed, problems, named, options.allowed);
    if (candidate) candidates.push(candidate);
  }

  const firstByName = new Map<string, ParsedDocument>();
  for (const { name, document } of named) {
    const first = firstByName.get(name);
    if (!first) {
      firstByName.set(name, document);
      continue;
    }
    report(
      problems,
      document,
      ['metadata', 'name'],
      `duplicate policy name "${name}": already used by ${first.file}:${first.line}; names must be unique across all policy files`,
    );
  }
  const { overlaps, truncated } = findOverlaps(candidates);
  for (const overlap of overlaps) {
    const earlier = (overlap.earlier as Candidate).document;
    const later = (overlap.later as Candidate).document;
    report(
      problems,
      later,
      ['spec', 'target'],
      `policy "${overlap.later.policy.name}" (${later.file}:${later.line}) and policy "${overlap.earlier.policy.name}" (${earlier.file}:${earlier.line}) ` +
        `claim the same resources with equal specificity (${overlap.detail}): ` +
        'the most specific policy wins (exact names over globs, then more service tags), so make one more specific or make their targets disjoint',
    );
  }
  if (truncated) {
    const last = (overlaps.at(-1)!.later as Candidate).document;
    report(
      problems,
      last,
      ['spec', 'target'],
      `more than ${overlaps.length} pairs of policies overlap; the check stopped here: fix these first`,
    );
  }

  sortProblems(problems);
  if (problems.some((p) => p.severity === 'error')) return { problems };
  const policies = candidates.map((c) => c.policy);
  return {
    set: deepFreeze({
      revision: result.revision,
      policies,
      ...(options.allowed.bounds ? { bounds: { ...options.allowed.bounds } } : {}),
    }),
    problems,
  };
}

/** Checks one document; returns it as a candidate policy when it has no error of its own. */
function checkDocument(
  document: ParsedDocument,
  allowed: ReturnType<typeof compileAllowed>['allowed'],
  problems: PolicyProblem[],
  named: { name: string; document: ParsedDocument }[],
  allowedPatterns: AllowedScopes,
): Candidate | undefined {
  const data = document.data;
  // An empty document (a stray --- or a trailing separator) holds nothing to lose.
  if (data === null || data === undefined) return undefined;
  if (typeof data !== 'object' || Array.isArray(data)) {
    // The value is not quoted: the file may be anything (a credentials file), and its text never reaches a message.
    const found = Array.isArray(data) ? 'a list' : `a ${typeof data}`;
    report(
      problems,
      document,
      [],
      `not a policy document: expected a mapping with apiVersion, kind, metadata and spec, found ${found}`,
    );
    return undefined;
  }
  const record = data as Record<string, unknown>;
  const { kind, apiVersion } = record;
  const group = typeof apiVersion === 'string' ? apiVersion.split('/')[0] : undefined;
  if (kind !== POLICY_KIND) {
    // No header at all: a policy that lost its apiVersion/kind (it has spec or metadata) must not vanish silently;
    // other YAML (a compose file, a CI config) is merely not ours.
    const looksLikePolicy =
      kind === undefined && apiVersion === undefined && ('spec' in record || 'metadata' in record);
    if (group === POLICY_GROUP || looksLikePolicy) {
      const what = kind === undefined ? 'missing kind' : `unknown kind ${JSON.stringify(kind)}`;
      report(
        problems,
        document,
        kind === undefined ? [] : ['kind'],
        `${what}: the ${POLICY_GROUP} group defines only kind ${POLICY_KIND}`,
      );
    } else {
      // Not ours: say which header fields are there, never their values (the file's content).
      const what =
        kind === undefined && apiVersion === undefined ? 'no apiVersion or kind' : 'another apiVersion or kind';
      report(
        problems,
        document,
        kind === undefined ? [] : ['kind'],
        `skipped: not a ${POLICY_KIND} (${what})`,
        'warning',
      );
    }
    return undefined;
  }
  if (apiVersion !== POLICY_API_VERSION) {
    report(
      problems,
      document,
      apiVersion === undefined ? [] : ['apiVersion'],
      `${apiVersion === undefined ? 'missing apiVersion' : `unsupported apiVersion ${JSON.stringify(apiVersion)}`} for kind ${POLICY_KIND}: use ${POLICY_API_VERSION}`,
    );
    return undefined;
  }
  const name = (record.metadata as { name?: unknown } | undefined)?.name;
  if (typeof name === 'string') named.push({ name, document });

  const violations = validateAgainstSchema(record);
  for (const violation of violations)
    report(problems, document, violation.segments, violation.message, 'error', violation.atKey);
  if (violations.length > 0) {
    reportSemanticBestEffort(
      record,
      document,
      violations.map((v) => displayPath(v.segments)),
      problems,
    );
    return undefined;
  }

  const omitted = defaultTarget(record as unknown as RawPolicy, allowedPatterns);
  if (omitted) {
    report(problems, document, ['spec', 'target'], omitted);
    return undefined;
  }
  // The operator's bounds go in: the operator's protect tag comes first and no policy can drop it.
  const { policy, compiled, issues } = checkPolicy(
    record as unknown as RawPolicy,
    { file: document.file, line: document.line },
    allowed.scopes.bounds ?? NO_BOUNDS,
  );
  issues.push(
    ...(issues.length === 0
      ? [...checkAllowed(policy, compiled, allowed), ...checkBounds(policy, allowed.scopes.bounds)]
      : []),
  );
  for (const issue of issues) report(problems, document, issue.segments, issue.message);
  return issues.length === 0 ? { policy, compiled, document } : undefined;
}

/**
 * After schema errors, still report semantic problems (a bad cron, an impossible glob) in the fields the schema
 * accepted, so one run shows everything to fix. The checks assume schema-valid input: when the shape is too
 * broken for them they throw, and there is nothing more to add.
 */
function reportSemanticBestEffort(
  record: Record<string, unknown>,
  document: ParsedDocument,
  flagged: string[],
  problems: PolicyProblem[],
): void {
  let issues: SemanticIssue[];
  try {
    issues = checkPolicy(record as unknown as RawPolicy, { file: document.file, line: document.line }).issues;
  } catch {
    return;
  }
  const related = (a: string, b: string) =>
    a === b || a.startsWith(`${b}.`) || a.startsWith(`${b}[`) || b.startsWith(`${a}.`) || b.startsWith(`${a}[`);
  for (const issue of issues) {
    const path = displayPath(issue.segments);
    if (!flagged.some((f) => related(path, f))) report(problems, document, issue.segments, issue.message);
  }
}

function report(
  problems: PolicyProblem[],
  document: ParsedDocument,
  segments: (string | number)[],
  message: string,
  severity: PolicyProblem['severity'] = 'error',
  atKey = false,
): void {
  const { line, column } =
    segments.length === 0 ? { line: document.line, column: 1 } : locate(document, segments, atKey);
  problems.push({ file: document.file, line, column, path: displayPath(segments), message, severity });
}

function sortProblems(problems: PolicyProblem[]): PolicyProblem[] {
  return problems.sort((a, b) => compareText(a.file, b.file) || a.line - b.line || a.column - b.column);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Freezes an object graph so no consumer can change a loaded policy set in place. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as object)) deepFreeze(child);
  }
  return value;
}

/**
 * Fills in an omitted spec.target.clusters (and namespaces, for a policy whose rules need none: `needsNamespaces`) with
 * every cluster (namespace) the operator allows, or "*" when the operator sets no limit. Returns the problem
 * when namespaces are omitted but a rule acts within namespaces.
 */
function defaultTarget(raw: RawPolicy, allowed: AllowedScopes): string | undefined {
  const target = raw.spec.target as Partial<RawPolicy['spec']['target']>;
  if (target.clusters === undefined) target.clusters = allowed.clusters.length > 0 ? [...allowed.clusters] : ['*'];
  if (target.namespaces !== undefined) return undefined;
  // Rules that act on Cloud Map services or on clients of Service Connect namespaces need a namespace list.
  const needing = RULES.filter((rule) => rule.policy.needsNamespaces)
    .map((rule) => rule.name)
    .filter(
      (name) =>
        (raw.spec.rules as unknown as Record<string, { enabled?: boolean } | undefined>)[name]?.enabled === true,
    );
  if (needing.length > 0) {
    return `spec.target.namespaces is required when ${needing.join(', ')} ${needing.length === 1 ? 'is' : 'are'} on: ${needing.length === 1 ? 'it acts' : 'they act'} within Cloud Map namespaces ("*" for every namespace the operator allows)`;
  }
  target.namespaces = allowed.namespaces.length > 0 ? [...allowed.namespaces] : ['*'];
  return undefined;
}
