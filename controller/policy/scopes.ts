import { configOf, enabledRules } from '../rules/index.js';
import type { CompiledGlob } from './glob.js';
import { compileGlob, globIncludedIn, globsIntersect } from './glob.js';
import { clusterNamePart, patternMatches, type TargetPattern } from './match.js';
import type { CompiledTarget, SemanticIssue } from './semantic.js';
import { compareSpecificity, specificityOf } from './specificity.js';
import type { AllowedScopes, Policy } from './types.js';

/** The operator's allowed scopes, compiled once per load. */
export interface CompiledAllowed {
  scopes: AllowedScopes;
  clusters: CompiledGlob[];
  namespaces: CompiledGlob[];
}

/** Compiles the allowed scopes; a pattern that is not a usable glob is returned as an error message. */
export function compileAllowed(scopes: AllowedScopes): { allowed: CompiledAllowed; errors: string[] } {
  const errors: string[] = [];
  const compile = (patterns: readonly string[], kind: 'cluster' | 'namespace', flag: string) =>
    patterns.flatMap((pattern) => {
      const { glob, error } = compileGlob(kind === 'cluster' ? clusterNamePart(pattern) : pattern, kind);
      if (error) errors.push(`${flag}: ${error}`);
      return glob ? [glob] : [];
    });
  for (const account of scopes.accounts) {
    if (!/^[0-9]{12}$/.test(account)) errors.push(`--allowed-accounts: "${account}" is not a 12-digit AWS account id`);
  }
  return {
    allowed: {
      scopes,
      clusters: compile(scopes.clusters, 'cluster', '--allowed-clusters'),
      namespaces: compile(scopes.namespaces, 'namespace', '--allowed-namespaces'),
    },
    errors,
  };
}

/**
 * Rejects a policy that reaches beyond the operator's allowed scopes: every cluster and namespace pattern must
 * lie inside the allowed patterns (as sets of names), and a cross-account role must be in an allowed account.
 * An empty cluster or namespace list means no limit there (`run` in enforce mode refuses an empty namespace list
 * unless --allow-all-namespaces is given). An empty account list means the controller's own account only: a
 * policy without roleArn acts in the controller's own account, and no roleArn is accepted.
 */
export function checkAllowed(policy: Policy, compiled: CompiledTarget, allowed: CompiledAllowed): SemanticIssue[] {
  const issues: SemanticIssue[] = [];
  const { scopes } = allowed;
  const outside = (
    patterns: TargetPattern[],
    limit: CompiledGlob[],
    field: 'clusters' | 'namespaces',
    flag: string,
  ) => {
    if (limit.length === 0) return;
    for (const { glob, index } of patterns) {
      if (globIncludedIn(glob, limit)) continue;
      const list = (field === 'clusters' ? scopes.clusters : scopes.namespaces).join(', ');
      const idHint =
        field === 'namespaces' && /^ns-/.test(glob.source)
          ? ' (namespace ids are compared as text: list the id in the allowed namespaces, or target the namespace by name)'
          : '';
      issues.push({
        segments: ['spec', 'target', field, index],
        message: `"${glob.source}" reaches outside the allowed ${field} (${flag}: ${list})${idHint}`,
      });
    }
  };
  for (const rule of enabledRules(policy)) {
    for (const issue of rule.policy.checkAllowed?.(configOf(policy, rule), scopes) ?? []) {
      issues.push({ segments: ['spec', 'rules', rule.name, ...issue.segments], message: issue.message });
    }
  }
  outside(compiled.clusters, allowed.clusters, 'clusters', '--allowed-clusters');
  outside(compiled.namespaces, allowed.namespaces, 'namespaces', '--allowed-namespaces');
  if (scopes.accounts.length === 0) {
    // Empty means the controller's own account only: a policy acts with the controller's own credentials.
    if (policy.target.account !== undefined) {
      issues.push({
        segments: ['spec', 'target', 'roleArn'],
        message: `roleArn assumes a role in account ${policy.target.account}, but no --allowed-accounts are set, which means the controller's own account only (no roleArn): list ${policy.target.account} in --allowed-accounts to allow it`,
      });
    }
  } else {
    if (policy.target.account !== undefined && !scopes.accounts.includes(policy.target.account)) {
      issues.push({
        segments: ['spec', 'target', 'roleArn'],
        message: `account ${policy.target.account} of roleArn is not an allowed account (--allowed-accounts: ${scopes.accounts.join(', ')})`,
      });
    }
    const arnAccounts = (field: 'clusters' | 'namespaces', arn: RegExp, what: string) =>
      policy.target[field].forEach((pattern, index) => {
        const account = arn.exec(pattern)?.[1];
        if (account !== undefined && !scopes.accounts.includes(account)) {
          issues.push({
            segments: ['spec', 'target', field, index],
            message: `${what} ARN "${pattern}" is in account ${account}, which is not an allowed account (--allowed-accounts: ${scopes.accounts.join(', ')})`,
          });
        }
      });
    arnAccounts('clusters', /^arn:[^:]*:ecs:[^:]*:([0-9]{12}):cluster\//, 'cluster');
    arnAccounts('namespaces', /^arn:[^:]*:servicediscovery:[^:]*:([0-9]{12}):namespace\//, 'namespace');
  }
  return issues;
}

/** A policy with what the overlap check needs. */
export interface OverlapCandidate {
  policy: Policy;
  compiled: CompiledTarget;
}

/** Two policies that claim the same resources at equal specificity, with the reason in words. */
export interface Overlap {
  earlier: OverlapCandidate;
  later: OverlapCandidate;
  detail: string;
}

/**
 * Finds pairs of policies that can claim one resource with equal specificity (see specificity.ts). Two policies
 * can claim one resource when they target the same region and account as written (omitted matches only
 * omitted), their required service tags do not conflict, and a cluster pattern, a namespace pattern and a
 * service include pattern of each can match the same name. Which rules are enabled, the mode and suspend do
 * not matter: the plan gives each resource to one policy (suspended and audit ones included), so a tie would
 * silently drop the other policy's findings. Cloud Map services belong to a namespace: when either policy runs
 * a rule that claims Cloud Map services by namespace (`claimsCloudMapServicesByNamespace`), namespace patterns that
 * intersect at equal specificity tie whatever the clusters.
 */
export function findOverlaps(
  candidates: readonly OverlapCandidate[],
  limit = MAX_REPORTED_OVERLAPS,
): { overlaps: Overlap[]; truncated: boolean } {
  const overlaps: Overlap[] = [];
  for (let j = 1; j < candidates.length; j += 1) {
    for (let i = 0; i < j; i += 1) {
      const overlap = tie(candidates[i], candidates[j]);
      if (!overlap) continue;
      // Past this many the policy set is broadly wrong; more lines would not help and would cost time.
      if (overlaps.length === limit) return { overlaps, truncated: true };
      overlaps.push(overlap);
    }
  }
  return { overlaps, truncated: false };
}

/** How many overlapping pairs are reported before the check stops. */
export const MAX_REPORTED_OVERLAPS = 50;

function tie(a: OverlapCandidate, b: OverlapCandidate): Overlap | undefined {
  const pa = a.policy;
  const pb = b.policy;
  if (pa.target.region !== pb.target.region || pa.target.account !== pb.target.account) return undefined;
  for (const [key, value] of Object.entries(pa.target.services.tags)) {
    const other = pb.target.services.tags[key];
    if (other !== undefined && other !== value) return undefined;
  }
  const pairs = (x: TargetPattern[], y: TargetPattern[]) =>
    x.flatMap((gx) => y.filter((gy) => globsIntersect(gx.glob, gy.glob)).map((gy) => [gx, gy] as const));
  const both = (x: string, y: string) => (x === y ? `"${x}"` : `"${x}" / "${y}"`);
  // A Cloud Map service belongs to its namespace, not to a cluster: two policies reaching one namespace at equal
  // specificity tie for it whatever their clusters, as soon as either runs a rule that acts on Cloud Map.
  const claimsByNamespace = (p: Policy) =>
    enabledRules(p).find((rule) => rule.policy.claimsCloudMapServicesByNamespace);
  const cloudMapPolicy = [pa, pb].find((p) => claimsByNamespace(p) !== undefined);
  if (cloudMapPolicy) {
    const tied = pairs(a.compiled.namespaces, b.compiled.namespaces).find(([na, nb]) => na.level === nb.level);
    if (tied) {
      return {
        earlier: a,
        later: b,
        detail: `Cloud Map services in namespaces ${both(tied[0].source, tied[1].source)}, whatever their clusters, since policy "${cloudMapPolicy.name}" runs ${claimsByNamespace(cloudMapPolicy)?.name}`,
      };
    }
  }
  const clusters = pairs(a.compiled.clusters, b.compiled.clusters);
  if (clusters.length === 0) return undefined;
  const namespaces = pairs(a.compiled.namespaces, b.compiled.namespaces);
  if (namespaces.length === 0) return undefined;
  // An exact service name the other policy excludes is not shared.
  const excluded = (name: TargetPattern, by: OverlapCandidate) =>
    name.level === 3 && by.compiled.exclude.some((e) => patternMatches(e, { name: name.source }));
  const services = pairs(a.compiled.include, b.compiled.include).filter(
    ([ga, gb]) => !excluded(ga, b) && !excluded(gb, a),
  );
  if (services.length === 0) return undefined;
  for (const [ca, cb] of clusters) {
    for (const [na, nb] of namespaces) {
      for (const [sa, sb] of services) {
        const specA = specificityOf(pa, { service: sa.source, cluster: ca.source });
        const specB = specificityOf(pb, { service: sb.source, cluster: cb.source });
        if (compareSpecificity(specA, specB) !== 0) continue;
        return {
          earlier: a,
          later: b,
          detail: `services ${both(sa.source, sb.source)} in clusters ${both(ca.source, cb.source)} and namespaces ${both(na.source, nb.source)}`,
        };
      }
    }
  }
  return undefined;
}
