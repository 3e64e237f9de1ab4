import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { EMPTY_METRICS_STATE, type MetricsState } from './state.js';
import { registerStateGauges } from './state-gauges.js';

export type { MetricsState, PolicyDriftState } from './state.js';
export { EMPTY_METRICS_STATE } from './state.js';

export { CLOUD_MAP_DOLLARS_PER_RESOURCE_MONTH } from './state-gauges.js';

/** Result label of ecs_discovery_actions_total. Dry-run decisions count as skipped (nothing was sent). */
export type ActionMetricResult = 'success' | 'failed' | 'skipped';

/** EventBridge detail types the controller consumes; anything else is counted as "other" to bound cardinality. */
export const KNOWN_DETAIL_TYPES = [
  'ECS Task State Change',
  'ECS Service Action',
  'ECS Deployment State Change',
  'ECS Container Instance State Change',
  'AWS API Call via CloudTrail',
] as const;

/**
 * prom-client's default gauges named *_total break the Prometheus rule "only counters end in _total"
 * (prometheus/client_js#283) and fail `promtool check metrics`. They only sum the per-type
 * nodejs_active_{handles,requests,resources} gauges, which stay, so nothing is lost by dropping them.
 */
const MISNAMED_DEFAULT_GAUGES = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

const PREFIX = 'ecs_discovery_';

/** One AWS API attempt as the API-call counter labels it (aws/clients.ts reports these). */
export interface ApiCallLabels {
  service: string;
  operation: string;
  result: string;
  /** AWS error code when result is not success (logged elsewhere, not a label: unbounded). */
  errorCode?: string;
}

/** Construction options of ControllerMetrics. */
export interface ControllerMetricsOptions {
  /** Include prom-client's process_* and nodejs_* metrics (default true). */
  defaultMetrics?: boolean;
  /**
   * Every rule and drift state (plan/drift-summary.ts DRIFT_LABELS): the drift gauge exports 0 for each pair a
   * policy has no drift in, so dashboards see every series. Without it only pairs present in the state are exported.
   */
  driftLabels?: { rules: readonly string[]; states: readonly string[] };
}

/** Every Prometheus metric of the telemetry contract (docs/ARCHITECTURE.md), in one registry the /metrics endpoint serves. */
export class ControllerMetrics {
  readonly registry = new Registry();
  private stateProvider: () => MetricsState = () => EMPTY_METRICS_STATE;

  private readonly findings: Counter<'policy' | 'rule'>;
  private readonly actions: Counter<'policy' | 'rule' | 'action' | 'result'>;
  private readonly actionsBlocked: Counter<'policy' | 'rule' | 'reason'>;
  private readonly sanityGuardTrips: Counter<'policy' | 'namespace'>;
  private readonly reconcileDuration: Histogram;
  private readonly reconcileErrors: Counter;
  private readonly lastSuccessfulReconcile: Gauge;
  private readonly apiCalls: Counter<'service' | 'operation' | 'result'>;
  private readonly eventsReceived: Counter<'detail_type'>;
  private readonly eventsMalformed: Counter<'reason'>;
  private readonly eventToAction: Histogram;
  private readonly policyLoadErrors: Counter<'source'>;
  private readonly workqueueOverflows: Counter;
  private readonly terminalErrors: Counter<'kind'>;
  private readonly eventReceiveErrors: Counter<'code'>;
  private lastSuccessAtMs: number | undefined;
  private readonly driftLabels: { rules: readonly string[]; states: readonly string[] };

  constructor(options: ControllerMetricsOptions = {}) {
    this.driftLabels = options.driftLabels ?? { rules: [], states: [] };
    const registers = [this.registry];
    if (options.defaultMetrics ?? true) {
      collectDefaultMetrics({ register: this.registry });
      for (const name of MISNAMED_DEFAULT_GAUGES) this.registry.removeSingleMetric(name);
    }

    this.findings = new Counter({
      name: `${PREFIX}findings_total`,
      help: 'Drift findings detected for the first time (a finding key not in the previous plan), by policy and rule.',
      labelNames: ['policy', 'rule'],
      registers,
    });
    this.actions = new Counter({
      name: `${PREFIX}actions_total`,
      help: 'Remediation actions the actuator decided on, by result (success, failed, skipped; dry-run counts as skipped).',
      labelNames: ['policy', 'rule', 'action', 'result'],
      registers,
    });
    this.actionsBlocked = new Counter({
      name: `${PREFIX}actions_blocked_total`,
      help: 'Planned actions not executed because a safety rule blocked them, once per action per apply, by reason.',
      labelNames: ['policy', 'rule', 'reason'],
      registers,
    });
    this.sanityGuardTrips = new Counter({
      name: `${PREFIX}sanity_guard_trips_total`,
      help: 'Times the sanity guard stopped all pruning in a namespace (too many deletions in one run).',
      labelNames: ['policy', 'namespace'],
      registers,
    });
    this.reconcileDuration = new Histogram({
      name: `${PREFIX}reconcile_duration_seconds`,
      help: 'Wall time of one reconcile (read, evaluate, plan, apply), successful or not.',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers,
    });
    this.reconcileErrors = new Counter({
      name: `${PREFIX}reconcile_errors_total`,
      help: 'Reconciles that ended in an error (compare with reconcile_duration_seconds_count for a ratio).',
      registers,
    });
    this.lastSuccessfulReconcile = new Gauge({
      name: `${PREFIX}last_successful_reconcile_timestamp_seconds`,
      help: 'Unix time the last reconcile finished without error; 0 before the first.',
      registers,
    });
    this.apiCalls = new Counter({
      name: `${PREFIX}aws_api_calls_total`,
      help: 'AWS API attempts (each SDK retry counts), by service, operation and result (success, throttled, error).',
      labelNames: ['service', 'operation', 'result'],
      registers,
    });
    this.eventsReceived = new Counter({
      name: `${PREFIX}events_received_total`,
      help: 'EventBridge events read from the SQS queue, by detail-type ("other" for unknown types).',
      labelNames: ['detail_type'],
      registers,
    });
    for (const detailType of [...KNOWN_DETAIL_TYPES, 'other']) this.eventsReceived.labels(detailType).inc(0);
    this.eventsMalformed = new Counter({
      name: `${PREFIX}events_malformed_total`,
      help: 'Queue messages that were not a usable EventBridge event, by reason.',
      labelNames: ['reason'],
      registers,
    });
    this.eventToAction = new Histogram({
      name: `${PREFIX}event_to_action_seconds`,
      help: 'Time from an EventBridge event (its "time" field) to the end of the reconcile it triggered.',
      buckets: [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800],
      registers,
    });
    this.policyLoadErrors = new Counter({
      name: `${PREFIX}policy_load_errors_total`,
      help: 'Policy fetches or validations that failed (the last good set stays in force), by source.',
      labelNames: ['source'],
      registers,
    });
    this.workqueueOverflows = new Counter({
      name: `${PREFIX}workqueue_overflows_total`,
      help: 'Times the work queue hit its size bound and collapsed its waiting keys into one full reconcile.',
      registers,
    });
    this.terminalErrors = new Counter({
      name: `${PREFIX}reconcile_terminal_errors_total`,
      help: 'Work keys dropped after an error retrying cannot fix (logged), by key kind.',
      labelNames: ['kind'],
      registers,
    });
    this.eventReceiveErrors = new Counter({
      name: `${PREFIX}event_receive_errors_total`,
      help: 'SQS receives of the event consumer that failed, by AWS error code (the consumer retries with backoff).',
      labelNames: ['code'],
      registers,
    });
    registerStateGauges(this.registry, () => this.stateProvider(), this.driftLabels);
  }

  /** Counts one failed SQS receive of the event consumer. */
  recordEventReceiveError(code: string): void {
    this.eventReceiveErrors.labels(code).inc();
  }

  /** Sets the callback that returns the current state at each scrape (must be cheap: return prepared data). */
  setStateProvider(provider: () => MetricsState): void {
    this.stateProvider = provider;
  }

  /** Counts findings seen for the first time; pass only findings whose key was not in the previous plan. */
  recordNewFindings(findings: readonly { policy: string; rule: string }[]): void {
    for (const finding of findings) this.findings.labels(finding.policy, finding.rule).inc();
  }

  /** Counts one action the actuator decided on. */
  recordAction(labels: { policy: string; rule: string; action: string }, result: ActionMetricResult): void {
    this.actions.labels(labels.policy, labels.rule, labels.action, result).inc();
  }

  /** Counts one planned action that a safety rule blocked. */
  recordBlocked(labels: { policy: string; rule: string }, reason: string): void {
    this.actionsBlocked.labels(labels.policy, labels.rule, reason).inc();
  }

  /** Counts one sanity-guard trip: pruning in this namespace was stopped for this run. */
  recordSanityGuardTrip(policy: string, namespace: string): void {
    this.sanityGuardTrips.labels(policy, namespace).inc();
  }

  /** Records one reconcile's duration and outcome; a success also moves last_successful_reconcile_timestamp_seconds. */
  observeReconcile(durationSeconds: number, outcome: 'success' | 'error', finishedAtMs: number): void {
    this.reconcileDuration.observe(durationSeconds);
    if (outcome === 'error') {
      this.reconcileErrors.inc();
      return;
    }
    this.lastSuccessAtMs = finishedAtMs;
    this.lastSuccessfulReconcile.set(finishedAtMs / 1000);
  }

  /**
   * A replica that holds no target lease has nothing to reconcile: it is as up to date as a successful reconcile
   * (so a standby never trips the reconcile-stale alert), without counting a reconcile.
   */
  recordNothingToReconcile(atMs: number): void {
    this.lastSuccessAtMs = atMs;
    this.lastSuccessfulReconcile.set(atMs / 1000);
  }

  /** Epoch ms of the last successful reconcile, for readiness; undefined before the first. */
  lastSuccessfulReconcileAt(): number | undefined {
    return this.lastSuccessAtMs;
  }

  /** Counts one AWS API attempt; pass as `onApiCall` to createAwsClients. */
  readonly onApiCall = (call: ApiCallLabels): void => {
    this.apiCalls.labels(call.service, call.operation, call.result).inc();
  };

  /** Counts one EventBridge event received. */
  recordEventReceived(detailType: string): void {
    const known = (KNOWN_DETAIL_TYPES as readonly string[]).includes(detailType);
    this.eventsReceived.labels(known ? detailType : 'other').inc();
  }

  /** Counts one unusable queue message; `reason` must come from a small fixed set (e.g. "invalid-json"). */
  recordEventMalformed(reason: string): void {
    this.eventsMalformed.labels(reason).inc();
  }

  /** Records the latency from an event's time to the end of the reconcile it caused. */
  observeEventToAction(seconds: number): void {
    this.eventToAction.observe(Math.max(0, seconds));
  }

  /** Counts one failed policy fetch or validation for a source. */
  recordPolicyLoadError(source: string): void {
    this.policyLoadErrors.labels(source).inc();
  }

  /** Counts one work-queue overflow (waiting keys collapsed into a full reconcile). */
  recordWorkqueueOverflow(): void {
    this.workqueueOverflows.inc();
  }

  /** Counts a work key dropped after a terminal error (not retried). */
  recordTerminalError(kind: string): void {
    this.terminalErrors.inc({ kind });
  }

  /** The text exposition of every metric, state gauges freshly rebuilt. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
