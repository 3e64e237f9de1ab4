import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { formatProblem } from '../../policy/format.js';
import { boundArgOptions, boundsHelp, parseBounds } from '../../policy/bounds.js';
import { ALLOWED_SCOPES_FILE, loadPolicySet } from '../../policy/load.js';
import type { AllowedScopes, PolicyProblem } from '../../policy/types.js';
import { createAwsClients } from '../../aws/clients.js';
import { parseLimits, type Limits } from '../../limits/limits.js';
import { DirectorySource } from '../../sources/directory.js';
import { redactUrl } from '../../sources/git-url.js';
import { checkPolicyPath, createPolicySource } from '../../sources/resolve.js';
import { PolicySourceError } from '../../sources/types.js';
import type { FetchResult, SourceDocument, SourceProblem } from '../../sources/types.js';
import type { CliIo } from '../io.js';
import { EXIT, listFlag, UsageError } from '../io.js';

const HELP = `Usage: ecs-discovery-controller validate <path|url>... [options]
       ecs-discovery-controller validate --policies <path|url> [options]

Validates DiscoveryPolicy files: YAML syntax, the schema (crds/discoverypolicy.schema.json), durations,
cron windows, time zones, globs, duplicate names, overlapping policies and the allowed scopes. Directories
are read recursively (*.yaml, *.yml; hidden entries skipped); a file named on the command line is read
whatever its extension. s3://bucket/prefix/ and git+https://host/org/repo.git?ref=main&path=policies/ URLs
are read like the controller reads them (AWS credentials and GIT_TOKEN from the environment). All paths are
checked together, as one policy set.

Options:
  --policies SOURCE            a source to validate, as plan and run take it (repeatable; positional
                               sources are added to it; POLICIES when neither is given)
  --output text|json           text (default): one line per problem, "file:line:col: severity: message
                               (at field)", then a summary; json: an array of problems with file, line,
                               column, path, message and severity (line 0 means the whole file)
  --allowed-clusters LIST      cluster names or globs policies may target (comma-separated or repeated)
  --allowed-namespaces LIST    Cloud Map namespace names, ids or globs policies may target
  --allowed-accounts LIST      12-digit account ids a policy's roleArn may be in; none: the controller's own
                               account only (a policy with roleArn is rejected)
  Operator bounds (a policy asking beyond one is rejected, the limit named; flag or environment):
${boundsHelp()}
  -h, --help                   print this help

Environment (defaults for the flags above; a flag replaces its variable):
  ALLOWED_CLUSTERS, ALLOWED_NAMESPACES, ALLOWED_ACCOUNTS   comma-separated lists; empty or unset clusters or
                               namespaces = no limit, no accounts = the controller's own account only
  MAX_POLICY_BYTES             largest policy file accepted (default 1048576), as plan and run apply it

Exit status: 0 every policy is valid (warnings allowed), 1 any problem is an error, 2 usage error.

Example (CI of a policy repository):
  ecs-discovery-controller validate policies/ --allowed-clusters 'prod-*,staging-*' --allowed-accounts 111122223333
`;

/** Validates policy files and directories; exit 0 when all are valid, 1 when any is invalid, 2 on usage errors. */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseOptions(argv, io.env);
  if (args.help) {
    io.stdout.write(HELP);
    return EXIT.ok;
  }
  const output = args.output ?? 'text';
  if (output !== 'text' && output !== 'json') throw new UsageError(`--output must be text or json, not "${output}"`);
  if (args.paths.length === 0)
    throw new UsageError(
      'give at least one policy file or directory to validate (positional or --policies SOURCE; POLICIES is read too)',
    );
  const limits = parseLimits(io.env);
  const allowed: AllowedScopes = {
    clusters: args.clusters ?? listFlag(io.env.ALLOWED_CLUSTERS),
    namespaces: args.namespaces ?? listFlag(io.env.ALLOWED_NAMESPACES),
    accounts: args.accounts ?? listFlag(io.env.ALLOWED_ACCOUNTS),
    bounds: args.bounds,
  };

  const combined = await fetchAll(args.paths, io.env, limits);
  const { set, problems } = loadPolicySet(combined, { allowed, maxDocumentBytes: limits.maxPolicyBytes, limits });
  // Operator mistakes in the allowed scopes are usage errors, not policy problems.
  const scopeErrors = problems.filter((p) => p.file === ALLOWED_SCOPES_FILE);
  if (scopeErrors.length > 0) throw new UsageError(scopeErrors.map((p) => p.message).join('; '));
  // An error here, unlike plan and run (a warning): in a policy repository's CI an empty set is a wrong path.
  const why = 'validate fails on an empty set so CI notices a wrong path (plan and run only warn)';
  if (combined.documents.length === 0 && (combined.problems ?? []).length === 0) {
    problems.push({
      file: args.paths.join(', '),
      line: 0,
      column: 0,
      path: '',
      message: `no policy files found (*.yaml or *.yml); ${why}`,
      severity: 'error',
    });
  } else if (set && set.policies.length === 0 && !problems.some((p) => p.severity === 'error')) {
    problems.push({
      file: args.paths.join(', '),
      line: 0,
      column: 0,
      path: '',
      message: `no DiscoveryPolicy documents in these files; ${why}`,
      severity: 'error',
    });
  }

  if (output === 'json') {
    io.stdout.write(`${JSON.stringify(problems, null, 2)}\n`);
  } else {
    for (const problem of problems) io.stdout.write(`${formatProblem(problem)}\n`);
    io.stdout.write(`${summary(combined, problems, set?.policies.length)}\n`);
  }
  return problems.some((p) => p.severity === 'error') ? EXIT.failure : EXIT.ok;
}

function parseOptions(argv: string[], env: NodeJS.ProcessEnv) {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        policies: { type: 'string', short: 'p', multiple: true },
        output: { type: 'string', short: 'o' },
        'allowed-clusters': { type: 'string', multiple: true },
        'allowed-namespaces': { type: 'string', multiple: true },
        'allowed-accounts': { type: 'string', multiple: true },
        ...boundArgOptions(),
        help: { type: 'boolean', short: 'h' },
      },
    });
    const list = (v: string[] | undefined) => (v === undefined ? undefined : listFlag(v));
    return {
      // `--policies` as plan and run take it, positionals as a linter takes them; POLICIES when neither is given.
      paths:
        [...(values.policies ?? []), ...positionals].length > 0
          ? [...(values.policies ?? []), ...positionals]
          : listFlag(env.POLICIES),
      output: values.output,
      help: values.help === true,
      clusters: list(values['allowed-clusters']),
      namespaces: list(values['allowed-namespaces']),
      accounts: list(values['allowed-accounts']),
      bounds: parseBounds(values, env),
    };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** Reads every path and merges them into one fetch result whose paths are shown as the user typed them. */
async function fetchAll(paths: readonly string[], env: NodeJS.ProcessEnv, limits: Limits): Promise<FetchResult> {
  const documents: SourceDocument[] = [];
  const problems: SourceProblem[] = [];
  const seen = new Set<string>();
  const revisions: string[] = [];
  for (const path of paths) {
    const remote = isRemoteSpec(path);
    await checkPolicyPath(path);
    const isDirectory =
      remote ||
      (await stat(path).then(
        (s) => s.isDirectory(),
        () => false,
      ));
    const base = remote ? redactUrl(path.split('?')[0]) : path;
    const shown = (relative: string) =>
      isDirectory ? `${base.replace(/\/+$/, '') || '/'}/${relative}`.replace(/^\.\//, '') : path;
    let result: FetchResult;
    try {
      result = remote
        ? await fetchRemote(path, env, limits)
        : await new DirectorySource(path, { maxFileBytes: limits.maxPolicyBytes }).fetch();
    } catch (error) {
      // A source that cannot be read is a problem of that source, reported like any other.
      if (!(error instanceof PolicySourceError)) throw error;
      problems.push({ path: base, message: error.message, severity: 'error' });
      continue;
    }
    revisions.push(result.revision);
    for (const doc of result.documents) {
      const display = shown(doc.path);
      // The same file named twice (a directory and a file in it) is read once.
      if (seen.has(resolve(display))) continue;
      seen.add(resolve(display));
      documents.push({ path: display, content: doc.content });
    }
    for (const problem of result.problems ?? []) problems.push({ ...problem, path: shown(problem.path) });
  }
  return {
    revision: revisions.join('+'),
    documents,
    warnings: problems.filter((p) => p.severity === 'warning').map((p) => p.message),
    problems,
  };
}

/** s3://, git+… and file:// specs go through the policy source resolver; plain paths are read directly. */
function isRemoteSpec(spec: string): boolean {
  return /^(s3:\/\/|git\+|file:\/\/)/.test(spec);
}

async function fetchRemote(spec: string, env: NodeJS.ProcessEnv, limits: Limits): Promise<FetchResult> {
  const clients = spec.startsWith('s3://') ? createAwsClients({ maxAttempts: 3 }) : undefined;
  const source = createPolicySource(spec, { s3: clients?.s3, env, limits });
  try {
    return await source.fetch();
  } finally {
    await source.close?.();
    clients?.destroy();
  }
}

function summary(fetched: FetchResult, problems: readonly PolicyProblem[], policies: number | undefined): string {
  // Unreadable files count as files; a skipped symlink loop does not.
  const unreadable = (fetched.problems ?? []).filter((p) => p.severity === 'error').map((p) => p.path);
  const files = new Set([...fetched.documents.map((d) => d.path), ...unreadable]).size;
  const errors = problems.filter((p) => p.severity === 'error').length;
  const warnings = problems.length - errors;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (errors === 0) {
    const note = warnings > 0 ? ` (${plural(warnings, 'warning')})` : '';
    const count = policies ?? 0;
    return `${plural(files, 'file')}, ${count === 1 ? '1 policy' : `${count} policies`}: all valid${note}`;
  }
  if (files === 0) return `${plural(errors, 'error')}: no policy files`;
  const withProblems = new Set(problems.map((p) => p.file)).size;
  const counts = warnings > 0 ? `${plural(errors, 'error')}, ${plural(warnings, 'warning')}` : plural(errors, 'error');
  return `${counts} in ${withProblems} of ${plural(files, 'file')}`;
}
