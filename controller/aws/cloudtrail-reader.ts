/**
 * CloudTrail evidence: ECS's RegisterInstance calls in the 90-day event history. LookupEvents takes one lookup
 * attribute and allows two requests per second per account and Region (CloudTrail API reference), so the
 * history of RegisterInstance events is walked newest first, a bounded number of pages per pass, at most two
 * calls a second; what was walked is remembered, so later passes read only what is new or not yet reached.
 * Every ECS registration met on the way is recorded, not only the ones asked for.
 */
import { LookupEventsCommand, type Event as TrailEvent } from '@aws-sdk/client-cloudtrail';
import { awsErrorCode, type AwsClients } from './clients.js';
import { ECS_ATTRIBUTES } from '../inventory/model.js';
import type { EvidenceStore, OwnershipEvidence } from '../inventory/evidence.js';
import { systemClock, systemSleep, type Clock, type Sleep } from '../util/clock.js';

/** CloudTrail's event history covers the last 90 days. */
export const EVENT_HISTORY_MS = 90 * 86_400_000;
/** LookupEvents: two requests per second per account and Region; pace below it. */
export const LOOKUP_INTERVAL_MS = 500;

export interface CloudTrailScanOptions {
  /** Pages (50 events each) one pass may read; default 30 (15 s at two calls a second). */
  maxPages?: number;
  /** Waits between calls; real time by default. */
  sleep?: Sleep;
  /** Reads the time of the last call per client; the wall clock by default (with `sleep`, tests move both). */
  clock?: Clock;
}

/** The Cloud Map service id of a request's serviceId (an id, or an ARN for shared namespaces). */
function serviceIdOf(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0) return undefined;
  return value.slice(value.lastIndexOf('/') + 1);
}

/**
 * The evidence in one event when it is a successful RegisterInstance made by ECS: the call carries ECS's
 * identity (invokedBy / sourceIPAddress ecs.amazonaws.com, or ECS's service-linked role), not just ECS-like
 * attributes, which anyone can write.
 */
export function evidenceFromEvent(event: TrailEvent): OwnershipEvidence | undefined {
  if (event.EventName !== 'RegisterInstance' || !event.CloudTrailEvent) return undefined;
  let record: Record<string, any>;
  try {
    record = JSON.parse(event.CloudTrailEvent);
  } catch {
    return undefined;
  }
  if (record.eventSource !== 'servicediscovery.amazonaws.com' || record.errorCode) return undefined;
  const identity = record.userIdentity ?? {};
  const byEcs =
    identity.invokedBy === 'ecs.amazonaws.com' ||
    record.sourceIPAddress === 'ecs.amazonaws.com' ||
    /:assumed-role\/AWSServiceRoleForECS\//.test(String(identity.arn ?? ''));
  if (!byEcs) return undefined;
  const serviceId = serviceIdOf(record.requestParameters?.serviceId);
  if (!serviceId) return undefined;
  const attributes = record.requestParameters?.attributes ?? {};
  const cluster = attributes[ECS_ATTRIBUTES.cluster];
  const service = attributes[ECS_ATTRIBUTES.service];
  const at = event.EventTime?.getTime() ?? Date.parse(String(record.eventTime ?? ''));
  return {
    serviceId,
    source: 'cloudtrail',
    at: Number.isFinite(at) ? at : 0,
    ecsServices:
      typeof cluster === 'string' && typeof service === 'string' && cluster && service ? [{ cluster, service }] : [],
  };
}

/** When each CloudTrail client last called LookupEvents: the limit is per account and Region, not per scanner. */
const lastCalls = new WeakMap<object, number>();

/** Walks ECS's RegisterInstance events for one account and Region, remembering how far it got. */
export class CloudTrailScanner {
  /** [from, to]: the span of event time already walked completely (epoch ms). */
  private walked: { from: number; to: number } | undefined;
  /** The last error LookupEvents returned, for the findings' detail; cleared by a pass without one. */
  lastError: string | undefined;

  constructor(private readonly options: CloudTrailScanOptions = {}) {}

  private get clock(): Clock {
    return this.options.clock ?? systemClock;
  }

  /**
   * Records evidence for every ECS registration in the pages read this pass, newest history first, until every
   * wanted service has evidence, the 90 days are walked, or the page budget is spent. Never throws: a failed
   * lookup only leaves services without evidence.
   */
  async scan(clients: AwsClients, store: EvidenceStore, wanted: ReadonlySet<string>, now: number): Promise<void> {
    if (wanted.size === 0) return;
    let budget = this.options.maxPages ?? 30;
    const missing = new Set(wanted);
    const found = async (evidence: OwnershipEvidence) => {
      await store.record(evidence);
      missing.delete(evidence.serviceId);
    };
    this.lastError = undefined;
    const oldest = now - EVENT_HISTORY_MS;
    try {
      // What happened since the last pass first (new registrations), then further back in the history.
      if (this.walked) {
        const newer = await this.walk(clients, this.walked.to, now, budget, found, () => missing.size === 0);
        budget -= newer.pages;
        if (newer.complete) this.walked.to = now;
      } else {
        this.walked = { from: now, to: now };
      }
      if (missing.size === 0 || budget <= 0 || this.walked.from <= oldest) return;
      const older = await this.walk(clients, oldest, this.walked.from, budget, found, () => missing.size === 0);
      this.walked.from = older.complete ? oldest : Math.max(oldest, older.oldestSeen ?? this.walked.from);
    } catch (error) {
      this.lastError = `cloudtrail:LookupEvents failed with ${awsErrorCode(error)}`;
    }
  }

  /** Pages through [start, end] newest first; complete when the last page had no NextToken. */
  private async walk(
    clients: AwsClients,
    start: number,
    end: number,
    budget: number,
    found: (e: OwnershipEvidence) => Promise<void>,
    done: () => boolean,
  ): Promise<{ pages: number; complete: boolean; oldestSeen?: number }> {
    let token: string | undefined;
    let pages = 0;
    let oldestSeen: number | undefined;
    do {
      if (pages >= budget || done()) return { pages, complete: false, oldestSeen };
      await this.pace(clients.cloudTrail);
      const out = await clients.cloudTrail.send(
        new LookupEventsCommand({
          LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'RegisterInstance' }],
          StartTime: new Date(start),
          EndTime: new Date(end),
          MaxResults: 50,
          NextToken: token,
        }),
      );
      pages++;
      for (const event of out.Events ?? []) {
        const time = event.EventTime?.getTime();
        if (time !== undefined) oldestSeen = Math.min(oldestSeen ?? time, time);
        const evidence = evidenceFromEvent(event);
        if (evidence) await found(evidence);
      }
      token = out.NextToken;
    } while (token);
    return { pages, complete: true, oldestSeen };
  }

  /** At most one call per LOOKUP_INTERVAL_MS (two a second) per client, across passes and scanners. */
  private async pace(client: object): Promise<void> {
    for (;;) {
      const wait = (lastCalls.get(client) ?? 0) + LOOKUP_INTERVAL_MS - this.clock.now();
      if (wait <= 0) break;
      await (this.options.sleep ?? systemSleep)(wait);
    }
    lastCalls.set(client, this.clock.now());
  }
}
