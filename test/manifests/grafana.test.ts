import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { buildGrafanaRules, GRAFANA_RULES, PROMETHEUS_RULES } from '../../manifests/grafana/alerting/generate.js';

interface Panel {
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: { expr: string; datasource: { uid: string } }[];
}

const dashboard = JSON.parse(readFileSync('manifests/grafana/dashboard.json', 'utf8')) as {
  uid: string;
  panels: Panel[];
  templating: { list: { name: string }[] };
};

test('the Grafana alert provisioning is generated from the Prometheus rules and up to date', () => {
  const expected = buildGrafanaRules(readFileSync(PROMETHEUS_RULES, 'utf8'));
  assert.equal(readFileSync(GRAFANA_RULES, 'utf8'), expected, 'run: npx tsx manifests/grafana/alerting/generate.ts');
  const prometheus = parse(readFileSync(PROMETHEUS_RULES, 'utf8')).groups[0].rules as { alert: string; expr: string }[];
  const grafana = parse(expected).groups[0].rules as {
    title: string;
    uid: string;
    data: { model: { expr?: string } }[];
  }[];
  assert.deepEqual(
    grafana.map((r) => r.title),
    prometheus.map((r) => r.alert),
  );
  assert.equal(new Set(grafana.map((r) => r.uid)).size, grafana.length, 'alert uids are unique');
  for (const rule of grafana) assert.ok(rule.uid.length <= 40, `${rule.uid} is too long for a Grafana uid`);
});

test('the dashboard parses, every panel has a query on the chosen data source, and panels do not overlap', () => {
  assert.equal(dashboard.uid, 'ecs-discovery-controller');
  assert.deepEqual(
    dashboard.templating.list.map((v) => v.name),
    ['datasource', 'job', 'policy'],
  );
  const drawn = dashboard.panels.filter((p) => p.type !== 'row');
  assert.ok(drawn.length >= 15);
  const cells = new Set<string>();
  for (const panel of dashboard.panels) {
    if (panel.type !== 'row') {
      assert.ok(panel.targets && panel.targets.length > 0, `${panel.title} has no query`);
      for (const t of panel.targets)
        assert.equal(t.datasource.uid, '${datasource}', `${panel.title} ignores the data source variable`);
    }
    const { x, y, w, h } = panel.gridPos;
    assert.ok(x + w <= 24, `${panel.title} is wider than the grid`);
    for (let i = x; i < x + w; i++) {
      for (let j = y; j < y + h; j++) {
        assert.ok(!cells.has(`${i},${j}`), `${panel.title} overlaps another panel at ${i},${j}`);
        cells.add(`${i},${j}`);
      }
    }
  }
});

test('the dashboard and both alert sets page only on actionable drift; every drift query knows the state label', () => {
  const overview = dashboard.panels.find(
    (p) => p.gridPos.y === 1 && p.targets?.some((t) => t.expr.includes('ecs_discovery_drift_resources')),
  );
  assert.ok(overview, 'an overview stat shows drift');
  assert.match(overview.targets![0].expr, /state="actionable"/, 'the red overview stat counts actionable drift only');
  for (const panel of dashboard.panels) {
    for (const t of panel.targets ?? []) {
      if (t.expr.includes('ecs_discovery_drift_resources'))
        assert.match(t.expr, /state="actionable"|by \([^)]*state/, `${panel.title} mixes drift states`);
    }
  }
  const prometheus = parse(readFileSync(PROMETHEUS_RULES, 'utf8')).groups[0].rules as { alert: string; expr: string }[];
  const grafana = parse(readFileSync(GRAFANA_RULES, 'utf8')).groups[0].rules as {
    title: string;
    data: { model: { expr?: string } }[];
  }[];
  const driftExprs = [
    ...prometheus.map((r) => r.expr),
    ...grafana.flatMap((r) => r.data.map((d) => d.model.expr ?? '')),
  ].filter((e) => e.includes('ecs_discovery_drift_resources'));
  assert.ok(driftExprs.length >= 2);
  for (const expr of driftExprs) assert.match(expr, /ecs_discovery_drift_resources\{state="actionable"\}/);
});
