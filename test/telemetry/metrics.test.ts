import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { ControllerMetrics, type MetricsState } from '../../controller/telemetry/metrics.js';
import { DRIFT_LABELS, summarizeDrift } from '../../controller/plan/drift-summary.js';
import type { PlannedAction } from '../../controller/plan/types.js';
import type { Finding } from '../../controller/model/findings.js';

/** The parts of a plan the drift gauge reads: findings and their planned actions. */
const planOf = (findings: Finding[], actions: PlannedAction[] = []) => ({ findings, actions });

const PROMTOOL = process.env.PROMTOOL ?? '/usr/bin/promtool';

/** Runs real `promtool check metrics`; fails (never skips) when promtool is missing, since CI installs it. */
function promtoolCheck(exposition: string): { status: number | null; output: string } {
  assert.ok(
    existsSync(PROMTOOL),
    `promtool not found at ${PROMTOOL}: install it (apt-get install prometheus) or set PROMTOOL to its path`,
  );
  const result = spawnSync(PROMTOOL, ['check', 'metrics'], { input: exposition, encoding: 'utf8', timeout: 20_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

function finding(policy: string, rule: Finding['rule'], resource: Finding['resource'], key: string): Finding {
  return { policy, rule, resource, observed: 'x', desired: 'y', reason: 'z', key };
}

const orphanInstance = (id: string): Finding['resource'] => ({
  kind: 'cloudmap-instance',
  serviceId: 'srv-1',
  serviceName: 'orders',
  namespaceId: 'ns-1',
  instanceId: id,
});

function metricsWithEverything(): ControllerMetrics {
  const metrics = new ControllerMetrics({ driftLabels: DRIFT_LABELS });
  const findings = [
    finding('payments', 'cloudMapOrphans', orphanInstance('i-1'), 'a'),
    finding('payments', 'cloudMapOrphans', orphanInstance('i-2'), 'b'),
    finding(
      'payments',
      'dnsTtl',
      { kind: 'cloudmap-service', id: 'srv-2', arn: 'arn', name: 'cart', namespaceId: 'ns-1' },
      'c',
    ),
  ];
  metrics.setStateProvider(() => ({
    policies: summarizeDrift(['payments', 'search'], planOf(findings)),
    sources: [{ source: 'git+https://example.com/policies.git', revision: 'abc123' }],
    workqueueDepth: 4,
  }));
  metrics.recordNewFindings(findings);
  metrics.recordAction({ policy: 'payments', rule: 'dnsTtl', action: 'cloudmap:UpdateDnsTtl' }, 'success');
  metrics.recordBlocked({ policy: 'payments', rule: 'cloudMapOrphans' }, 'grace-period');
  metrics.recordSanityGuardTrip('payments', 'internal.example.com');
  metrics.observeReconcile(1.5, 'success', Date.parse('2026-11-25T10:00:00Z'));
  metrics.observeReconcile(0.2, 'error', Date.parse('2026-11-25T10:01:00Z'));
  metrics.onApiCall({
    service: 'ecs',
    operation: 'ListServices',
    result: 'throttled',
    errorCode: 'ThrottlingException',
  });
  metrics.recordEventReceived('ECS Task State Change');
  metrics.recordEventReceived('Something Unexpected');
  metrics.recordEventMalformed('invalid-json');
  metrics.observeEventToAction(3);
  metrics.recordPolicyLoadError('s3://bucket/policies/');
  return metrics;
}

test('the exposition of every metric, default process metrics included, passes promtool check metrics', async () => {
  const { body } = await metricsWithEverything().exposition();
  const { status, output } = promtoolCheck(body);
  assert.equal(status, 0, `promtool check metrics failed:\n${output}`);
  assert.doesNotMatch(body, /nodejs_active_handles_total/);
  assert.match(body, /^nodejs_active_handles/m, 'the per-type handle gauge stays');
});

test('promtool check really lints: a misnamed gauge fails', () => {
  const bad = '# HELP foo_total a gauge\n# TYPE foo_total gauge\nfoo_total 1\n';
  assert.notEqual(promtoolCheck(bad).status, 0);
});

test('every metric of the telemetry contract is exported with the ecs_discovery_ prefix and its labels', async () => {
  const { body } = await metricsWithEverything().exposition();
  const expected = [
    'ecs_discovery_drift_resources{policy="payments",rule="cloudMapOrphans",state="accepted"} 2',
    'ecs_discovery_drift_resources{policy="payments",rule="dnsTtl",state="accepted"} 1',
    'ecs_discovery_drift_resources{policy="payments",rule="dnsTtl",state="actionable"} 0',
    'ecs_discovery_drift_resources{policy="search",rule="dnsTtl",state="actionable"} 0',
    'ecs_discovery_findings_total{policy="payments",rule="cloudMapOrphans"} 2',
    'ecs_discovery_actions_total{policy="payments",rule="dnsTtl",action="cloudmap:UpdateDnsTtl",result="success"} 1',
    'ecs_discovery_actions_blocked_total{policy="payments",rule="cloudMapOrphans",reason="grace-period"} 1',
    'ecs_discovery_sanity_guard_trips_total{policy="payments",namespace="internal.example.com"} 1',
    'ecs_discovery_reconcile_duration_seconds_count 2',
    'ecs_discovery_reconcile_errors_total 1',
    'ecs_discovery_last_successful_reconcile_timestamp_seconds 1795600800',
    'ecs_discovery_aws_api_calls_total{service="ecs",operation="ListServices",result="throttled"} 1',
    'ecs_discovery_events_received_total{detail_type="ECS Task State Change"} 1',
    'ecs_discovery_events_received_total{detail_type="other"} 1',
    'ecs_discovery_events_received_total{detail_type="ECS Service Action"} 0',
    'ecs_discovery_events_malformed_total{reason="invalid-json"} 1',
    'ecs_discovery_event_to_action_seconds_count 1',
    'ecs_discovery_policy_load_errors_total{source="s3://bucket/policies/"} 1',
    'ecs_discovery_policy_source_revision_info{source="git+https://example.com/policies.git",revision="abc123"} 1',
    'ecs_discovery_orphaned_registrations_monthly_cost_dollars{policy="payments"} 0.2',
    'ecs_discovery_orphaned_registrations_monthly_cost_dollars{policy="search"} 0',
    'ecs_discovery_workqueue_depth 4',
  ];
  for (const line of expected) assert.ok(body.split('\n').includes(line), `missing line: ${line}`);
});

test('state gauges are rebuilt at each scrape: a policy the provider stops returning disappears', async () => {
  const metrics = new ControllerMetrics({ defaultMetrics: false, driftLabels: DRIFT_LABELS });
  let state: MetricsState = {
    policies: summarizeDrift(['payments', 'legacy'], planOf([finding('legacy', 'dnsTtl', orphanInstance('i-9'), 'k')])),
    sources: [{ source: './policies', revision: 'rev-1' }],
    workqueueDepth: 0,
  };
  metrics.setStateProvider(() => state);
  const before = (await metrics.exposition()).body;
  assert.match(before, /ecs_discovery_drift_resources\{policy="legacy",rule="dnsTtl",state="accepted"\} 1/);
  assert.match(before, /revision="rev-1"/);

  state = {
    policies: summarizeDrift(['payments'], planOf([])),
    sources: [{ source: './policies', revision: 'rev-2' }],
    workqueueDepth: 0,
  };
  const after = (await metrics.exposition()).body;
  assert.doesNotMatch(after, /policy="legacy"/);
  assert.doesNotMatch(after, /revision="rev-1"/);
  assert.match(after, /ecs_discovery_policy_source_revision_info\{source="\.\/policies",revision="rev-2"\} 1/);
  assert.match(
    after,
    /ecs_discovery_drift_resources\{policy="payments",rule="serviceConnectRefresh",state="actionable"\} 0/,
  );
});

test('only orphaned instance registrations are priced, at $0.10 per registration-month', () => {
  const drift = summarizeDrift(
    ['p'],
    planOf([
      finding('p', 'cloudMapOrphans', orphanInstance('i-1'), '1'),
      finding(
        'p',
        'cloudMapOrphans',
        { kind: 'cloudmap-service', id: 's', arn: 'a', name: 'n', namespaceId: 'ns' },
        '2',
      ),
      finding('p', 'dnsTtl', orphanInstance('i-3'), '3'),
    ]),
  );
  assert.deepEqual(drift, [
    {
      name: 'p',
      driftByRule: { cloudMapOrphans: 2, dnsTtl: 1 },
      driftByState: { cloudMapOrphans: { accepted: 2 }, dnsTtl: { accepted: 1 } },
      orphanedRegistrations: 1,
    },
  ]);
});

test('the drift gauge splits findings by state: actionable (executes now), blocked (waits or is stopped), accepted (by design)', async () => {
  const ttl = (key: string): Finding => ({
    ...finding(
      'shop',
      'dnsTtl',
      { kind: 'cloudmap-service', id: `srv-${key}`, arn: 'arn', name: key, namespaceId: 'ns-1' },
      key,
    ),
    action: { type: 'cloudmap:UpdateDnsTtl', serviceId: `srv-${key}`, records: [{ type: 'A', ttl: 10 }] },
  });
  const [now, later, audited, guarded] = [ttl('now'), ttl('later'), ttl('audited'), ttl('guarded')];
  const report = finding(
    'shop',
    'taskLimit',
    { kind: 'ecs-service', arn: 'arn', cluster: 'prod', name: 'web' },
    'report',
  );
  const planned = (f: Finding, blockedBy?: PlannedAction['blockedBy']): PlannedAction => ({
    finding: f,
    action: f.action!,
    decision: blockedBy ? 'blocked' : 'execute',
    ...(blockedBy ? { blockedBy } : {}),
  });
  const metrics = new ControllerMetrics({ defaultMetrics: false, driftLabels: DRIFT_LABELS });
  metrics.setStateProvider(() => ({
    policies: summarizeDrift(
      ['shop'],
      planOf(
        [now, later, audited, guarded, report],
        [planned(now), planned(later, 'outside-window'), planned(audited, 'audit-mode'), planned(guarded, 'protected')],
      ),
    ),
    sources: [],
    workqueueDepth: 0,
  }));
  const lines = (await metrics.exposition()).body.split('\n');
  for (const line of [
    'ecs_discovery_drift_resources{policy="shop",rule="dnsTtl",state="actionable"} 1',
    'ecs_discovery_drift_resources{policy="shop",rule="dnsTtl",state="blocked"} 1',
    'ecs_discovery_drift_resources{policy="shop",rule="dnsTtl",state="accepted"} 2',
    'ecs_discovery_drift_resources{policy="shop",rule="taskLimit",state="accepted"} 1',
    'ecs_discovery_drift_resources{policy="shop",rule="taskLimit",state="actionable"} 0',
  ])
    assert.ok(lines.includes(line), `missing line: ${line}`);
});
