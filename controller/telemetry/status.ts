/** An action outcome as /status records it; the actuator's ActionOutcome is one (telemetry is a leaf, so plain fields). */
export interface ReportedOutcome {
  action: { type: string };
  findingKey: string;
  policy: string;
  rule: string;
  result: string;
  reason?: string;
  error?: { code: string };
  /** Epoch ms the action finished. */
  finishedAt: number;
}

/** One policy as /status shows it. */
export interface PolicyStatus {
  name: string;
  mode: 'audit' | 'enforce';
  suspended: boolean;
  /** Source revision the policy was loaded from. */
  revision: string;
  /** Kubernetes-style conditions, e.g. { type: 'Ready', status: 'False', reason: 'ScopeReadError', message }. */
  conditions: readonly { type: string; status: 'True' | 'False' | 'Unknown'; reason: string; message: string }[];
  drift: Readonly<Partial<Record<string, number>>>;
}

/** The JSON body of /status. */
export interface ControllerStatus {
  policies: readonly PolicyStatus[];
  lastSuccessfulReconcile?: string;
  recentActions: readonly RecentAction[];
}

/** An action outcome in the compact form /status lists. */
export interface RecentAction {
  at: string;
  policy: string;
  rule: string;
  action: string;
  findingKey: string;
  /** The actuator's ActionResult: success, failed, skipped, dry-run or pending. */
  result: string;
  reason?: string;
  errorCode?: string;
}

/** Keeps the last `capacity` action outcomes (newest first) for /status. */
export class RecentActions {
  private readonly items: RecentAction[] = [];

  constructor(private readonly capacity = 50) {}

  /** Adds the outcomes of one apply(). */
  add(outcomes: readonly ReportedOutcome[]): void {
    for (const outcome of outcomes) {
      this.items.unshift({
        at: new Date(outcome.finishedAt).toISOString(),
        policy: outcome.policy,
        rule: outcome.rule,
        action: outcome.action.type,
        findingKey: outcome.findingKey,
        result: outcome.result,
        ...(outcome.reason ? { reason: outcome.reason } : {}),
        ...(outcome.error ? { errorCode: outcome.error.code } : {}),
      });
    }
    this.items.length = Math.min(this.items.length, this.capacity);
  }

  /** Newest first. */
  list(): readonly RecentAction[] {
    return [...this.items];
  }
}
