/**
 * The controller's own events, in the manner of Kubernetes Events: what it did, what it would not do and why,
 * and drift as it appears and goes away. They are published to EventBridge (publisher.ts) so that users route
 * them with their own rules (SNS, AWS Chatbot, a ticket queue). Pure: built from findings, planned actions and
 * action outcomes; the schema is docs/discovery-events.schema.json (test/publish keeps the two in step).
 */
import type { ActionOutcome } from '../actuator/types.js';
import type { PlannedAction } from '../plan/types.js';
import type { Finding, ResourceRef } from '../model/findings.js';

/** EventBridge `source` of every event the controller publishes. */
export const EVENT_SOURCE = 'ecs-discovery-controller';

/** Bumped when a field changes meaning or goes away; new optional fields keep the version. */
export const EVENT_SCHEMA_VERSION = 1;

export type DiscoveryDetailType = 'Discovery Drift' | 'Discovery Action';

/** The `resource` block of every event: the AWS resource the finding is about. */
export type EventResource = ResourceRef;

export interface DriftDetail {
  schemaVersion: number;
  state: 'detected' | 'resolved';
  policy: string;
  rule: string;
  findingKey: string;
  resource: EventResource;
  namespace?: string;
  cluster?: string;
  /** detected only: what is true now, what the policy wants, and why this is drift. */
  observed?: string;
  desired?: string;
  reason?: string;
}

export interface ActionDetail {
  schemaVersion: number;
  /** executed: AWS accepted and finished the write; failed: it did not; blocked: the controller held it back. */
  outcome: 'executed' | 'failed' | 'blocked';
  actionType: string;
  policy: string;
  rule: string;
  findingKey: string;
  resource?: EventResource;
  /** blocked: the stable block reason (the actions_blocked_total label); executed: how it ended, when told. */
  reason?: string;
  /** A sentence for people ("cooldown until 2026-11-25T14:00Z"). */
  detail?: string;
  error?: { code: string; message: string };
  operationId?: string;
}

/** One event as the publisher sends it: PutEvents' DetailType, Detail, Resources and Time. */
export interface DiscoveryEvent {
  detailType: DiscoveryDetailType;
  detail: DriftDetail | ActionDetail;
  /** ARNs the event concerns (EventBridge's `resources`), so rules can match on them. */
  resources: string[];
  time: number;
}

/** What was last published per finding: present drift and the block reason last announced for its action. */
export interface PublishedState {
  findings: Map<string, Finding>;
  blockedBy: Map<string, string>;
}

/** An empty state: the first plan announces all of its drift (once per controller start, like Kubernetes Events). */
export function emptyPublishedState(): PublishedState {
  return { findings: new Map(), blockedBy: new Map() };
}

/** ARNs of a resource, where it has one (a Cloud Map instance has none of its own). */
function arnsOf(resource: ResourceRef): string[] {
  return 'arn' in resource && resource.arn ? [resource.arn] : [];
}

function driftEvent(finding: Finding, state: 'detected' | 'resolved', now: number): DiscoveryEvent {
  const detail: DriftDetail = {
    schemaVersion: EVENT_SCHEMA_VERSION,
    state,
    policy: finding.policy,
    rule: finding.rule,
    findingKey: finding.key,
    resource: finding.resource,
    ...(finding.namespace ? { namespace: finding.namespace } : {}),
    ...(finding.cluster ? { cluster: finding.cluster } : {}),
    ...(state === 'detected' ? { observed: finding.observed, desired: finding.desired, reason: finding.reason } : {}),
  };
  return { detailType: 'Discovery Drift', detail, resources: arnsOf(finding.resource), time: now };
}

/**
 * Drift that appeared or went away, and actions blocked for a reason not announced before, since `previous`.
 * `findings` must be the complete current set (a partial plan would announce everything outside it as resolved).
 * Returns the events and the state to pass next time; `previous` is not modified.
 */
export function planEvents(
  previous: PublishedState,
  findings: readonly Finding[],
  actions: readonly PlannedAction[],
  now: number,
): { events: DiscoveryEvent[]; next: PublishedState } {
  const events: DiscoveryEvent[] = [];
  const current = new Map(findings.map((finding) => [finding.key, finding]));
  for (const [key, finding] of current) {
    if (!previous.findings.has(key)) events.push(driftEvent(finding, 'detected', now));
  }
  for (const [key, finding] of previous.findings) {
    if (!current.has(key)) events.push(driftEvent(finding, 'resolved', now));
  }
  const blockedBy = new Map<string, string>();
  for (const planned of actions) {
    if (planned.decision !== 'blocked' || !planned.blockedBy) continue;
    const key = planned.finding.key;
    blockedBy.set(key, planned.blockedBy);
    if (previous.blockedBy.get(key) === planned.blockedBy) continue;
    events.push(blockedEvent(planned, now));
  }
  return { events, next: { findings: current, blockedBy } };
}

function blockedEvent(planned: PlannedAction, now: number): DiscoveryEvent {
  const detail: ActionDetail = {
    schemaVersion: EVENT_SCHEMA_VERSION,
    outcome: 'blocked',
    actionType: planned.action.type,
    policy: planned.finding.policy,
    rule: planned.finding.rule,
    findingKey: planned.finding.key,
    resource: planned.finding.resource,
    ...(planned.blockedBy ? { reason: planned.blockedBy } : {}),
    ...(planned.detail ? { detail: planned.detail } : {}),
  };
  return { detailType: 'Discovery Action', detail, resources: arnsOf(planned.finding.resource), time: now };
}

/**
 * Events for actions that ended: executed or failed. Pending Cloud Map writes are announced when their
 * operation ends; dry-run and skipped actions changed nothing and are not announced (their block reasons are).
 */
export function outcomeEvents(
  outcomes: readonly ActionOutcome[],
  resources: ReadonlyMap<string, ResourceRef>,
): DiscoveryEvent[] {
  const events: DiscoveryEvent[] = [];
  for (const outcome of outcomes) {
    if (outcome.result !== 'success' && outcome.result !== 'failed') continue;
    const resource = resources.get(outcome.findingKey);
    const detail: ActionDetail = {
      schemaVersion: EVENT_SCHEMA_VERSION,
      outcome: outcome.result === 'success' ? 'executed' : 'failed',
      actionType: outcome.action.type,
      policy: outcome.policy,
      rule: outcome.rule,
      findingKey: outcome.findingKey,
      ...(resource ? { resource } : {}),
      ...(outcome.reason ? { reason: outcome.reason } : {}),
      ...(outcome.error ? { error: outcome.error } : {}),
      ...(outcome.operationId ? { operationId: outcome.operationId } : {}),
    };
    events.push({
      detailType: 'Discovery Action',
      detail,
      resources: resource ? arnsOf(resource) : [],
      time: outcome.finishedAt,
    });
  }
  return events;
}
