/**
 * Point-in-time state the controller exposes as gauges. The metrics class asks a provider for it at each
 * scrape and rebuilds the gauges from it, so a policy that is gone from the state is gone from /metrics.
 * Plain data with string labels: telemetry is a leaf and knows no rule, plan or policy type (the runtime
 * fills it, e.g. with plan/drift-summary.ts).
 */
export interface MetricsState {
  /** Every loaded policy, including those with no drift (they export zeros, so dashboards see them). */
  policies: readonly PolicyDriftState[];
  /** The revision each policy source is at (e.g. a git commit or an S3 listing digest). */
  sources: readonly { source: string; revision: string }[];
  /** Keys waiting in the work queue. */
  workqueueDepth: number;
  /** With --queue-url: whether the event consumer's receives succeed (undefined without a queue). */
  eventsReceiving?: boolean;
}

/** One policy's drift, as the drift and cost gauges export it. */
export interface PolicyDriftState {
  name: string;
  /** Resources in drift per rule; rules left out count as zero. */
  driftByRule: Readonly<Partial<Record<string, number>>>;
  /** The same, split by drift state; the drift gauge's `state` label. */
  driftByState: Readonly<Partial<Record<string, Partial<Record<string, number>>>>>;
  /** Cloud Map instances this policy found orphaned (each one is a billed registered resource). */
  orphanedRegistrations: number;
}

/** An empty state, for before the first reconcile. */
export const EMPTY_METRICS_STATE: MetricsState = { policies: [], sources: [], workqueueDepth: 0 };
