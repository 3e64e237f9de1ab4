import { parseArgs } from 'node:util';
import { createStateStore, stateUrlProblem } from '../../state/resolve.js';
import type { S3Client } from '@aws-sdk/client-s3';
import { createAwsClients } from '../../aws/clients.js';
import { PACING_SETTINGS, pacingDefault, parsePacing, type PacingConfig } from '../../aws/pacing.js';
import { readInventories, type TargetInventory } from '../../aws/targets.js';
import type { ReadError } from '../../inventory/model.js';
import { buildPlan } from '../../plan/build.js';
import { mergePlans } from '../../plan/merge.js';
import { readErrorsByPolicy } from '../../plan/read-errors.js';
import { renderPlanJson, renderPlanText } from '../../plan/render.js';
import { countDrift } from '../../plan/states.js';
import type { Plan } from '../../plan/types.js';
import { boundArgOptions, boundsHelp, parseBounds } from '../../policy/bounds.js';
import { ALLOWED_SCOPES_FILE, loadPolicySet } from '../../policy/load.js';
import type { AllowedScopes, PolicyProblem, PolicySet } from '../../policy/types.js';
import { checkPolicyPath, createPolicySource } from '../../sources/resolve.js';
import { parseLimits, type Limits } from '../../limits/limits.js';
import type { CliIo } from '../io.js';
import { EXIT, listFlag, UsageError } from '../io.js';
import { systemClock } from '../../util/clock.js';
import { cloudMapServicesNeedingTags } from '../../rules/tag-candidates.js';

const HELP = `Usage: ecs-discovery-controller plan --policies <source> [options]

One-shot dry run: loads the policies, reads the fleet they cover (ECS clusters, services and tasks; Cloud
Map namespaces, services and instances) and prints the drift and what enforce mode would do, like
'terraform plan'. Never writes to AWS.

Options:
  --policies SOURCE            where the policies are: a directory, file://, s3://bucket/prefix/,
                               git+https://host/org/repo.git?ref=main&path=policies/ (also POLICIES)
  --output text|json           text (default): grouped by policy; json: the plan document
                               (schemaVersion 1, plus "readErrors")
  --region REGION              the controller's region (default: AWS_REGION, AWS_DEFAULT_REGION)
  --concurrency N              AWS API calls in flight at once (default 8; lower it for a throttled account)
  Pacing (token buckets per AWS service and target; flag or environment; see the README's pacing section):
${PACING_SETTINGS.map((p) => `  --${`${p.flag} N`.padEnd(27)}${p.help} (${p.env}, default ${pacingDefault(p)})`).join('\n')}
  --state memory|dynamodb://TABLE
                               where the running controller keeps its grace clocks (also STATE): with a
                               table, grace periods are counted from the controller's first sighting, as
                               it will act; memory (default): every grace period starts now. Read only.
  --fail-on actionable|any     which drift exits 2: any finding (default), or only actionable findings
                               (what enforce mode would fix now; blocked and accepted ones exit 0)
  --allowed-clusters LIST      cluster names or globs policies may target (comma-separated or repeated)
  --allowed-namespaces LIST    Cloud Map namespace names, ids or globs policies may target
  --allowed-accounts LIST      12-digit account ids a policy's roleArn may be in
  Operator bounds (a policy asking beyond one is rejected, the limit named; flag or environment):
${boundsHelp()}
  -h, --help                   print this help

Environment: the standard AWS credential chain; AWS_ENDPOINT_URL points every client at an emulator
(e.g. the sandbox); ALLOWED_CLUSTERS, ALLOWED_NAMESPACES, ALLOWED_ACCOUNTS default the flags above.
Policies with another target.region or a target.roleArn are read with clients of their own (STS
AssumeRole for roleArn).

Exit status: 0 no drift (or, with --fail-on actionable, none actionable), 2 drift found, 1 error (invalid
policies, a policy source that cannot be read, or any part of the fleet that could not be read: the plan is
then printed, each policy it concerns marked "incomplete: N read errors", and JSON has "complete": false).

Each finding is actionable (enforce mode acts on it now), blocked (it waits, or a safety check stops it) or
accepted (not to be fixed by design: audit mode, protected, report-only...); see docs/ARCHITECTURE.md.

Example:
  AWS_REGION=eu-west-1 ecs-discovery-controller plan --policies policies/ --allowed-clusters 'prod-*'
`;

interface PlanArgs {
  help: boolean;
  policies?: string;
  output: 'text' | 'json';
  region?: string;
  concurrency?: number;
  pacing: PacingConfig;
  failOn: 'actionable' | 'any';
  allowed: AllowedScopes;
  state: string;
}

function parseOptions(argv: string[], env: NodeJS.ProcessEnv): PlanArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: false,
      strict: true,
      options: {
        policies: { type: 'string', short: 'p' },
        output: { type: 'string', short: 'o' },
        region: { type: 'string' },
        concurrency: { type: 'string' },
        ...Object.fromEntries(PACING_SETTINGS.map((p) => [p.flag, { type: 'string' as const }])),
        'fail-on': { type: 'string' },
        state: { type: 'string' },
        'allowed-clusters': { type: 'string', multiple: true },
        'allowed-namespaces': { type: 'string', multiple: true },
        'allowed-accounts': { type: 'string', multiple: true },
        ...boundArgOptions(),
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values } = parsed;
  const output = values.output ?? 'text';
  if (output !== 'text' && output !== 'json') throw new UsageError(`--output must be text or json, not "${output}"`);
  const concurrency = values.concurrency === undefined ? undefined : Number(values.concurrency);
  if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency >= 1 && concurrency <= 64)) {
    throw new UsageError(`--concurrency must be a whole number from 1 to 64, not "${values.concurrency}"`);
  }
  let pacing: PacingConfig;
  try {
    pacing = parsePacing((p) => ((values as Record<string, unknown>)[p.flag] as string | undefined) ?? env[p.env]);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const failOn = values['fail-on'] ?? 'any';
  if (failOn !== 'actionable' && failOn !== 'any')
    throw new UsageError(`--fail-on must be actionable or any, not "${failOn}"`);
  const state = values.state ?? env.STATE ?? 'memory';
  const stateProblem = stateUrlProblem(state);
  if (stateProblem) throw new UsageError(stateProblem);
  const list = (flag: string[] | undefined, variable: string | undefined) =>
    flag === undefined ? listFlag(variable) : listFlag(flag);
  return {
    help: values.help === true,
    policies: values.policies ?? env.POLICIES,
    output,
    failOn,
    pacing,
    state,
    region: values.region,
    ...(concurrency !== undefined ? { concurrency } : {}),
    allowed: {
      clusters: list(values['allowed-clusters'], env.ALLOWED_CLUSTERS),
      namespaces: list(values['allowed-namespaces'], env.ALLOWED_NAMESPACES),
      accounts: list(values['allowed-accounts'], env.ALLOWED_ACCOUNTS),
      bounds: parseBounds(values, env),
    },
  };
}

function formatProblem(problem: PolicyProblem): string {
  const where = problem.line > 0 ? `${problem.file}:${problem.line}:${problem.column}` : problem.file;
  return `${where}: ${problem.severity}: ${problem.message}${problem.path ? ` (at ${problem.path})` : ''}`;
}

function describeScope(error: ReadError): string {
  const s = error.scope;
  switch (s.kind) {
    case 'account':
      return 'account';
    case 'cluster':
      return `cluster ${s.cluster}${error.resource ? ` (service ${error.resource})` : ''}`;
    case 'namespace':
      return `namespace ${s.namespaceId}`;
    case 'cloudmap-service':
      return `cloudmap-service ${s.serviceId}`;
    case 'scaling-targets':
      return `scaling targets${s.cluster ? ` of cluster ${s.cluster}` : ''} (taskLimit may miss findings; pruning is not blocked)`;
    case 'service-history':
      return `Service Connect history in cluster ${s.cluster}${error.resource ? ` (service ${error.resource})` : ''} (endpoints dated by their server's creation; pruning is not blocked)`;
    case 'task-definitions':
      return `task definitions in cluster ${s.cluster}${error.resource ? ` (${error.resource})` : ''} (dnsTtl's drain bound unknown there; pruning is not blocked)`;
  }
}

/** Prints drift against the live fleet; exit 0 none, 2 drift, 1 error. */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseOptions(argv, io.env);
  if (args.help) {
    io.stdout.write(HELP);
    return EXIT.ok;
  }
  if (!args.policies) throw new UsageError('--policies is required (a directory, s3:// or git+https:// source)');
  const limits = parseLimits(io.env);
  await checkPolicyPath(args.policies);
  const progress = io.stderr.isTTY ? (msg: string) => io.stderr.write(`\x1b[2m… ${msg}\x1b[0m\n`) : undefined;

  const clients = createAwsClients({ ...(args.region ? { region: args.region } : {}), pacing: args.pacing });
  try {
    const set = await loadPolicies(args, clients.s3, io, limits);
    if (!set) return EXIT.failure;
    progress?.(`${set.policies.length} policies at revision ${set.revision}; reading the fleet`);
    const targets = await readInventories(clients, set.policies, {
      ...(progress ? { onProgress: progress } : {}),
      ...(args.concurrency ? { concurrency: args.concurrency } : {}),
      // Tags only for the Cloud Map services a finding would act on.
      tagCandidates: cloudMapServicesNeedingTags,
      // Other targets' clients: buckets of their own at the same rates.
      clientOptions: { pacing: args.pacing },
    });
    // AWS's time, measured from the responses of the reads: cooldowns and staleness compare with AWS timestamps.
    const now = (clients.clock ?? systemClock).now();
    const clocks = await graceClocks(args.state, clients.region, targets);
    const plan = mergePlans(
      targets.map((t) => planFor(set, t, now, clocks.get(t.target.key))),
      set.revision,
      now,
    );
    const readErrors = targets.flatMap((t) => t.inventory.readErrors.map((e) => ({ target: t.target.key, ...e })));
    const incomplete = new Map([...readErrorsByPolicy(targets)].map(([policy, errors]) => [policy, errors.length]));

    if (args.output === 'json') {
      const document = JSON.parse(renderPlanJson(plan, { readErrors: incomplete })) as Record<string, unknown>;
      document.readErrors = readErrors.map((e) => ({
        target: e.target,
        scope: e.scope,
        operation: e.operation,
        code: e.code,
        message: e.message,
        resource: e.resource ?? null,
      }));
      io.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
    } else {
      io.stdout.write(
        renderPlanText(plan, { color: Boolean(io.stdout.isTTY) && !io.env.NO_COLOR, readErrors: incomplete }),
      );
    }
    if (readErrors.length > 0) {
      io.stderr.write(
        `error: ${readErrors.length} read error(s); the plan is incomplete and pruning is blocked in these scopes:\n`,
      );
      for (const e of readErrors) io.stderr.write(`  [${e.target}] ${describeScope(e)}: ${e.code}: ${e.message}\n`);
      return EXIT.failure;
    }
    const failing = args.failOn === 'actionable' ? countDrift(plan).actionable : plan.findings.length;
    return failing > 0 ? EXIT.drift : EXIT.ok;
  } finally {
    clients.destroy();
  }
}

function planFor(
  set: PolicySet,
  target: TargetInventory,
  now: number,
  firstSeen: ReadonlyMap<string, number> = new Map(),
): Plan {
  const policies: PolicySet = { ...set, policies: target.policies };
  return buildPlan({ policies, inventory: target.inventory, now, firstSeen }).plan;
}

/** The running controller's grace clocks per target, read from its state table (none with memory state). */
async function graceClocks(
  state: string,
  region: string,
  targets: readonly TargetInventory[],
): Promise<Map<string, Map<string, number>>> {
  const out = new Map<string, Map<string, number>>();
  if (state === 'memory') return out;
  const store = createStateStore(state, { region });
  try {
    for (const t of targets) out.set(t.target.key, await store.graceClocks(t.target.key));
  } finally {
    store.close();
  }
  return out;
}

/** Fetches and validates the policies; prints problems (as `validate` does) and returns undefined when invalid. */
async function loadPolicies(args: PlanArgs, s3: S3Client, io: CliIo, limits: Limits): Promise<PolicySet | undefined> {
  const source = createPolicySource(args.policies!, { s3, env: io.env, limits });
  try {
    const fetched = await source.fetch();
    const { set, problems } = loadPolicySet(fetched, {
      allowed: args.allowed,
      maxDocumentBytes: limits.maxPolicyBytes,
      limits,
    });
    const scopeErrors = problems.filter((p) => p.file === ALLOWED_SCOPES_FILE);
    if (scopeErrors.length > 0) throw new UsageError(scopeErrors.map((p) => p.message).join('; '));
    for (const warning of fetched.warnings) io.stderr.write(`warning: ${warning}\n`);
    for (const problem of problems) io.stderr.write(`${formatProblem(problem)}\n`);
    if (!set) {
      io.stderr.write(`error: the policies at ${source.name} are invalid; nothing was read or planned\n`);
      return undefined;
    }
    if (set.policies.length === 0) io.stderr.write(`warning: no policies found at ${source.name}\n`);
    return set;
  } finally {
    await source.close?.();
  }
}
