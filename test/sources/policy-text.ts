/** Small valid policy documents for source tests, built with the policy fixture. */
import { policyYaml as policyDocument } from '../fixtures/policy.js';

/** A policy `name` over clusters `name-*` and namespace `name.internal` with a DNS TTL rule; `rules` adds or replaces rules. */
export function policyYaml(name: string, rules: Record<string, unknown> = {}): string {
  return policyDocument({
    name,
    target: { clusters: [`${name}-*`], namespaces: [`${name}.internal`] },
    rules: { dnsTtl: { enabled: true, max: '10s', set: '10s' }, ...rules },
  });
}
