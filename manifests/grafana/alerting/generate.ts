/**
 * Builds Grafana-managed alert provisioning (manifests/grafana/alerting/rules.yaml) from the Prometheus
 * rules in manifests/prometheus/alerts.yaml, so both alert sets say the same thing.
 * Run: `npx tsx manifests/grafana/alerting/generate.ts` (a test fails when the committed file is stale).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';

interface PrometheusRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

const HERE = fileURLToPath(new URL('.', import.meta.url));
export const PROMETHEUS_RULES = `${HERE}../../prometheus/alerts.yaml`;
export const GRAFANA_RULES = `${HERE}rules.yaml`;

/** Turns Prometheus templating ({{ $labels.x }}, {{ $value }}) into Grafana's ({{ $labels.x }}, {{ $values.A }}). */
function grafanaTemplate(text: string): string {
  return text.replace(/\{\{\s*\$value(\s*\|[^}]*)?\s*\}\}/g, '{{ $values.A }}');
}

/** One Grafana rule: query A is the Prometheus expression itself (it returns only firing series), C fires on any. */
function toGrafanaRule(rule: PrometheusRule): Record<string, unknown> {
  const uid =
    `ecsdisc-${rule.alert.replace(/^EcsDiscovery/, '').replace(/[A-Z]/g, (c, i) => (i ? '-' : '') + c.toLowerCase())}`.slice(
      0,
      40,
    );
  return {
    uid,
    title: rule.alert,
    condition: 'C',
    data: [
      {
        refId: 'A',
        relativeTimeRange: { from: 3600, to: 0 },
        datasourceUid: '${PROMETHEUS_DATASOURCE_UID}',
        model: { refId: 'A', expr: rule.expr.trim(), instant: true, intervalMs: 60000, maxDataPoints: 43200 },
      },
      {
        refId: 'C',
        datasourceUid: '__expr__',
        model: {
          refId: 'C',
          type: 'threshold',
          expression: 'A',
          // Every expression keeps only the series past its threshold, each with a positive value.
          conditions: [{ evaluator: { type: 'gt', params: [0] } }],
        },
      },
    ],
    // No series means nothing is past the threshold (absent() returns a series exactly when it fires).
    noDataState: 'OK',
    execErrState: 'Error',
    for: rule.for ?? '0s',
    labels: rule.labels ?? {},
    annotations: Object.fromEntries(Object.entries(rule.annotations ?? {}).map(([k, v]) => [k, grafanaTemplate(v)])),
  };
}

/** The provisioning document for every rule of the Prometheus file. */
export function buildGrafanaRules(prometheusYaml: string): string {
  const rules = (parse(prometheusYaml).groups as { rules: PrometheusRule[] }[]).flatMap((g) => g.rules);
  const doc = {
    apiVersion: 1,
    groups: [
      {
        orgId: 1,
        name: 'ecs-discovery-controller',
        folder: 'ECS discovery',
        interval: '1m',
        rules: rules.map(toGrafanaRule),
      },
    ],
  };
  const header = [
    '# Grafana-managed alerts for ecs-discovery-controller (file provisioning: put in provisioning/alerting/).',
    '# Generated from manifests/prometheus/alerts.yaml by generate.ts beside this file; do not edit by hand.',
    "# Set PROMETHEUS_DATASOURCE_UID in Grafana's environment to the uid of the Prometheus data source.",
    '',
  ].join('\n');
  return header + stringify(doc, { lineWidth: 0 });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(GRAFANA_RULES, buildGrafanaRules(readFileSync(PROMETHEUS_RULES, 'utf8')));
}
