/** Small valid policy documents for source tests. */
export function policyYaml(name: string, extra = ''): string {
  return [
    'apiVersion: ecs-discovery.io/v1alpha1',
    'kind: DiscoveryPolicy',
    'metadata:',
    `  name: ${name}`,
    'spec:',
    '  target:',
    `    clusters: [${name}-*]`,
    `    namespaces: [${name}.internal]`,
    '  rules:',
    '    dnsTtl:',
    '      enabled: true',
    '      max: 10s',
    '      set: 10s',
    extra,
  ].join('\n');
}
