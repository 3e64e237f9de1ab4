import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { registerLeaseMetrics } from '../../controller/telemetry/lease-metrics.js';
import { ControllerMetrics } from '../../controller/telemetry/metrics.js';
import { registerPublishMetrics } from '../../controller/telemetry/publish-metrics.js';

/** Series names the controller's /metrics can expose (histograms add _bucket, _sum and _count; leases with a state store, events with --events-bus). */
async function exportedSeries(): Promise<Set<string>> {
  const metrics = new ControllerMetrics();
  registerLeaseMetrics(metrics.registry, () => undefined);
  registerPublishMetrics(metrics.registry).published(0);
  const { body } = await metrics.exposition();
  const names = new Set<string>();
  for (const [, name, type] of body.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name);
    if (type === 'histogram' || type === 'summary')
      for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
  }
  return names;
}

/** Metric names a PromQL expression reads (identifiers that look like our or Node's metrics). */
function metricsIn(expr: string): string[] {
  return [...expr.matchAll(/\b((?:ecs_discovery|nodejs|process)_[a-z0-9_]+)\b/g)].map((m) => m[1]);
}

test('every dashboard query names a metric the controller exports', async () => {
  const exported = await exportedSeries();
  const dashboard = JSON.parse(readFileSync('manifests/grafana/dashboard.json', 'utf8'));
  const queries: string[] = [...dashboard.panels, ...dashboard.templating.list].flatMap((p: any) =>
    [...(p.targets ?? []).map((t: any) => t.expr), p.query].filter((q) => typeof q === 'string'),
  );
  const named = queries.flatMap(metricsIn);
  assert.ok(named.length > 20);
  assert.deepEqual([...new Set(named.filter((m) => !exported.has(m)))], []);
});

test('every alert rule reads metrics the controller exports', async () => {
  const exported = await exportedSeries();
  const rules = parse(readFileSync('manifests/prometheus/alerts.yaml', 'utf8')).groups.flatMap((g: any) => g.rules);
  const named = rules.flatMap((r: any) => metricsIn(r.expr));
  assert.deepEqual([...new Set(named.filter((m: string) => !exported.has(m)))], []);
});
