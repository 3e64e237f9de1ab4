import type { AllowedScopes, PolicyProblem, PolicySet } from '../../controller/policy/types.js';
import { loadPolicySet } from '../../controller/policy/load.js';
import type { FetchResult } from '../../controller/sources/types.js';

export const NO_LIMITS: AllowedScopes = { clusters: [], namespaces: [], accounts: [] };

/** A fetch result holding the given files, in the order given. */
export function fetched(files: Record<string, string>, extra: Partial<FetchResult> = {}): FetchResult {
  return {
    revision: 'sha256:test',
    documents: Object.entries(files).map(([path, content]) => ({ path, content })),
    warnings: [],
    ...extra,
  };
}

/** Loads the given files with the given allowed scopes. */
export function load(
  files: Record<string, string>,
  allowed: Partial<AllowedScopes> = {},
  maxDocumentBytes?: number,
): { set?: PolicySet; problems: PolicyProblem[] } {
  return loadPolicySet(fetched(files), { allowed: { ...NO_LIMITS, ...allowed }, maxDocumentBytes });
}

/** Only the errors, as "file:line:col path: message" for readable assertion failures. */
export function errors(problems: readonly PolicyProblem[]): string[] {
  return problems
    .filter((p) => p.severity === 'error')
    .map((p) => `${p.file}:${p.line}:${p.column} ${p.path}: ${p.message}`);
}

/** A minimal valid policy; `spec` lines are indented under spec:. */
export function policy(
  name: string,
  spec = 'target:\n  clusters: [prod]\n  namespaces: [internal.example.com]',
): string {
  const indented = spec
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
  return `apiVersion: ecs-discovery.io/v1alpha1\nkind: DiscoveryPolicy\nmetadata:\n  name: ${name}\nspec:\n${indented}\n`;
}
