/**
 * The ownership rule's evidence store (inventory/evidence.ts) backed by the state store, so evidence found by a
 * read or in CloudTrail survives restarts and lease moves: what was read is cached, and a service's evidence is
 * written when it is new or a day older than the last write (each full read re-records every service it sees).
 */
import { mergeEvidence as mergeOwnership, type EvidenceStore, type OwnershipEvidence } from '../inventory/evidence.js';
import type { StateStore } from './types.js';

/** A service's evidence is written again at most this often. */
const REWRITE_MS = 24 * 3600_000;

/** Evidence of one target in the state store. */
export class StateEvidenceStore implements EvidenceStore {
  private cache: Promise<Map<string, OwnershipEvidence>> | undefined;
  private readonly written = new Map<string, number>();

  constructor(
    private readonly store: StateStore,
    private readonly target: string,
  ) {}

  async record(evidence: OwnershipEvidence): Promise<void> {
    const known = await this.load();
    const merged = mergeOwnership(known.get(evidence.serviceId), evidence);
    known.set(evidence.serviceId, merged);
    const last = this.written.get(evidence.serviceId);
    if (last !== undefined && merged.at - last < REWRITE_MS) return;
    await this.store.recordEvidence(this.target, [
      {
        serviceId: merged.serviceId,
        firstSeenAt: merged.at,
        lastSeenAt: merged.at,
        source: merged.source,
        ecsServices: merged.ecsServices,
      },
    ]);
    this.written.set(evidence.serviceId, merged.at);
  }

  async get(serviceId: string): Promise<OwnershipEvidence | undefined> {
    return (await this.load()).get(serviceId);
  }

  /** Forgets the cache (the lease moved away): the next use reads the table again. */
  reset(): void {
    this.cache = undefined;
    this.written.clear();
  }

  private load(): Promise<Map<string, OwnershipEvidence>> {
    this.cache ??= this.store.evidence(this.target).then((stored) => {
      const out = new Map<string, OwnershipEvidence>();
      for (const [id, e] of stored) {
        out.set(id, {
          serviceId: id,
          source: e.source === 'cloudtrail' ? 'cloudtrail' : 'instances-seen',
          at: e.lastSeenAt,
          ecsServices: e.ecsServices ?? [],
        });
        this.written.set(id, e.lastSeenAt);
      }
      return out;
    });
    this.cache.catch(() => (this.cache = undefined));
    return this.cache;
  }
}
