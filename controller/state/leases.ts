/**
 * Target leases, coordinated the way the Kinesis Client Library coordinates shard leases: every replica scans
 * the lease table, renews what it holds, takes leases that are free or whose counter has not moved for a full
 * lease duration of its own clock (so replicas' clocks need not agree), and, when the spread is uneven,
 * steals one lease at a time from the most loaded replica. A replica acts on a target only while it holds the
 * lease with time to spare (`fence`), and its journal writes are conditional on the lease's fencing token.
 */
import type { Logger } from '../telemetry/logger.js';
import { monotonicClock, repeatEvery, systemTimers, type Clock, type Timers } from '../util/clock.js';
import type { Fence, Lease, StateStore } from './types.js';

export interface LeaseCoordinatorOptions {
  store: StateStore;
  replicaId: string;
  /** How long a lease lasts without renewal; renewals and scans run every third of it. */
  durationMs: number;
  /** Wall clock written into lease rows (informational: heartbeat, expiry). */
  clock: Clock;
  logger: Logger;
  /** Monotonic time for lease decisions (default the clock module's monotonic clock). */
  monotonic?: () => number;
  /** Timers of the renewal rounds (default the system's, which do not keep the process alive). */
  timers?: Timers;
  onGained?(target: string): void;
  onLost?(target: string): void;
  /** True while a journaled write of the target is in flight: a requested handoff waits for it. */
  busy?(target: string): boolean;
  /** Called after each round with the targets held (e.g. to collect keys other replicas left for them). */
  afterRound?(held: readonly string[]): Promise<void>;
}

/** What /status and metrics show about one lease. */
export interface LeaseView {
  target: string;
  owner?: string;
  fencingToken: number;
  heartbeatAt: number;
  heldByMe: boolean;
}

interface Observation {
  counter: number;
  owner?: string;
  /** Monotonic time this replica first saw that counter. */
  since: number;
}

/** Takes, renews, balances and releases this replica's target leases. */
export class LeaseCoordinator {
  private targets = new Set<string>();
  private readonly held = new Map<string, { lease: Lease; renewedAt: number; handingOffTo?: string }>();
  private readonly seen = new Map<string, Observation>();
  private view: Lease[] = [];
  /** The fair share computed in the last round (a handoff is declined at or below it). */
  private fairShare = Number.POSITIVE_INFINITY;
  private stopRounds: (() => void) | undefined;
  private running: Promise<void> | undefined;
  private readonly monotonic: () => number;
  /** Leases gained or lost by this replica since start (ecs_discovery_lease_changes_total). */
  changes = { gained: 0, lost: 0 };
  lastHeartbeatAt: number | undefined;

  constructor(private readonly options: LeaseCoordinatorOptions) {
    this.monotonic = options.monotonic ?? monotonicClock.now;
  }

  get replicaId(): string {
    return this.options.replicaId;
  }

  /** The targets the policies name: leases of other rows are ignored (and released if held). */
  setTargets(targets: Iterable<string>): void {
    this.targets = new Set(targets);
  }

  /** Runs a first round now, then every third of the lease duration. */
  async start(): Promise<void> {
    await this.tick();
    this.stopRounds = repeatEvery(
      this.options.timers ?? systemTimers,
      Math.max(50, Math.floor(this.options.durationMs / 3)),
      () => void this.tick(),
    );
  }

  /** Stops renewing; releases held leases so successors need not wait for them to expire. */
  async stop(release = true): Promise<void> {
    this.stopRounds?.();
    this.stopRounds = undefined;
    await this.running;
    if (!release) return;
    for (const [target, { lease }] of this.held) {
      this.held.delete(target);
      try {
        await this.options.store.leases.release(lease);
        this.options.logger.info({ target, replica: this.replicaId }, 'released the target lease');
      } catch (error) {
        this.options.logger.warn(
          { target, err: (error as Error).message },
          'releasing a lease failed; it expires on its own',
        );
      }
      this.options.onLost?.(target);
    }
  }

  /**
   * The fence to write under, if this replica holds the target's lease with time to spare: a quarter of the
   * duration is kept back, because a taker waits a full duration from when it first saw the last renewal.
   */
  fence(target: string): Fence | undefined {
    const entry = this.held.get(target);
    // Asked to hand the lease over: no new write starts; the one in flight finishes, then the lease moves.
    if (!entry || entry.handingOffTo) return undefined;
    if (this.monotonic() - entry.renewedAt > (this.options.durationMs * 3) / 4) return undefined;
    return { target, owner: this.replicaId, fencingToken: entry.lease.fencingToken };
  }

  /** The fence of a lease held, even one being handed over (for the outcomes of writes already in flight). */
  heldFence(target: string): Fence | undefined {
    const entry = this.held.get(target);
    return entry ? { target, owner: this.replicaId, fencingToken: entry.lease.fencingToken } : undefined;
  }

  /** True when this replica may act on the target now. */
  holds(target: string): boolean {
    return this.fence(target) !== undefined;
  }

  /** Targets held now. */
  heldTargets(): string[] {
    return [...this.held.keys()].filter((t) => this.holds(t));
  }

  /** Every lease row of the current targets as last scanned, for /status. */
  leases(): LeaseView[] {
    return this.view
      .filter((l) => this.targets.has(l.target))
      .map((l) => ({
        target: l.target,
        ...(l.owner ? { owner: l.owner } : {}),
        fencingToken: l.fencingToken,
        heartbeatAt: l.heartbeatAt,
        heldByMe: this.holds(l.target),
      }));
  }

  /** One round: scan, create missing rows, renew, take free or expired leases, balance. Rounds never overlap. */
  async tick(): Promise<void> {
    if (this.running) return this.running;
    this.running = this.round()
      .catch((error: unknown) =>
        this.options.logger.warn(
          { replica: this.replicaId, err: (error as Error).message },
          'lease round failed; retrying next round',
        ),
      )
      .finally(() => (this.running = undefined));
    return this.running;
  }

  private async round(): Promise<void> {
    const { store, clock, durationMs, replicaId } = this.options;
    let rows = await store.leases.list();
    const missing = [...this.targets].filter((t) => !rows.some((r) => r.target === t));
    if (missing.length > 0) {
      for (const target of missing) await store.leases.create(target, clock.now());
      rows = await store.leases.list();
    }
    const now = this.monotonic();
    // A lease handed to this replica (balancing) shows this replica as owner: adopt it.
    for (const row of rows) {
      if (row.owner !== replicaId || this.held.has(row.target) || !this.targets.has(row.target)) continue;
      this.held.set(row.target, { lease: row, renewedAt: now });
      this.changes.gained += 1;
      this.options.logger.info(
        { target: row.target, replica: replicaId, fencingToken: row.fencingToken, reason: 'handed over' },
        'took the target lease',
      );
      this.options.onGained?.(row.target);
    }
    for (const row of rows) {
      const old = this.seen.get(row.target);
      if (!old || old.counter !== row.counter || old.owner !== row.owner)
        this.seen.set(row.target, { counter: row.counter, owner: row.owner, since: now });
    }
    // The fair share as the table stands (owners and replicas asking for leases), for handoff decisions below.
    const listed = rows.filter((r) => this.targets.has(r.target));
    const replicasSeen = new Set([
      replicaId,
      ...listed.flatMap((r) => [r.owner, r.handoffTo].filter((x): x is string => x !== undefined)),
    ]);
    this.fairShare = Math.floor(listed.length / replicasSeen.size);
    // Renew what this replica holds; a lease of a target no policy names any more is given up.
    for (const [target, entry] of [...this.held]) {
      if (!this.targets.has(target)) {
        this.held.delete(target);
        await store.leases.release(entry.lease).catch(() => false);
        this.options.onLost?.(target);
        continue;
      }
      const started = this.monotonic();
      const renewed = await store.leases.renew(entry.lease, clock.now(), durationMs);
      if (renewed) {
        // A request made while the spread was uneven may arrive after it evened out: declined, so leases do not
        // keep moving once every replica has its share.
        const asked = renewed.handoffTo && renewed.handoffTo !== replicaId ? renewed.handoffTo : undefined;
        const accept = asked !== undefined && this.held.size > this.fairShare;
        if (asked && !accept) await store.leases.declineHandoff(renewed);
        this.held.set(target, { lease: renewed, renewedAt: started, ...(accept ? { handingOffTo: asked } : {}) });
        this.seen.set(target, { counter: renewed.counter, owner: renewed.owner, since: started });
        this.lastHeartbeatAt = clock.now();
        if (accept && !this.options.busy?.(target)) await this.handOver(renewed, asked!);
      } else {
        this.lose(target, 'renewal refused: another replica took the lease');
      }
    }
    const current = rows.filter((r) => this.targets.has(r.target));
    const expired = (r: Lease) =>
      !r.owner || (r.owner !== replicaId && now - (this.seen.get(r.target)?.since ?? now) >= durationMs);
    const load = new Map<string, number>([[replicaId, this.held.size]]);
    for (const r of current)
      if (r.owner && r.owner !== replicaId && !expired(r)) load.set(r.owner, (load.get(r.owner) ?? 0) + 1);
    // A replica that holds nothing yet is known by its handoff requests.
    for (const r of current) if (r.handoffTo && !load.has(r.handoffTo)) load.set(r.handoffTo, 0);
    const fair = Math.ceil(current.length / load.size);
    for (const r of current.filter((l) => !this.held.has(l.target) && expired(l))) {
      if (this.held.size >= fair) break;
      await this.take(r, r.owner ? `expired (held by ${r.owner})` : 'free');
    }
    // Balance like KCL: from the most loaded replica, only when it holds more than fair and this replica less
    // (so two replicas never trade a lease back and forth), as many leases as each side's distance from fair.
    // Unlike KCL's steal, the owner is asked and hands each lease over once its write in flight is done, so no
    // write ever happens under a lease already taken; an owner that never answers loses it by expiry as usual.
    if (this.held.size < fair && !current.some((r) => r.handoffTo === replicaId)) {
      let victim: string | undefined;
      for (const [owner, count] of load)
        if (owner !== replicaId && count > this.held.size + 1 && (!victim || count > load.get(victim)!)) victim = owner;
      const wanted = victim ? Math.min(fair - this.held.size, load.get(victim)! - fair) : 0;
      const leases = current.filter((r) => r.owner === victim && !r.handoffTo).slice(0, Math.max(0, wanted));
      for (const lease of leases) {
        if (!(await store.leases.requestHandoff(lease, replicaId))) continue;
        this.options.logger.info(
          {
            target: lease.target,
            replica: replicaId,
            from: victim,
            reason: `balancing: ${victim} holds ${load.get(victim!)}, fair share ${fair}`,
          },
          'asked for a target lease',
        );
      }
    }
    this.view = await store.leases.list().catch(() => rows);
    // The heartbeat is a whole round that talked to the table (a standby's too, holding nothing).
    this.lastHeartbeatAt = clock.now();
    await this.options.afterRound?.(this.heldTargets());
  }

  private async take(seen: Lease, why: string): Promise<void> {
    const { store, clock, durationMs, replicaId, logger } = this.options;
    const started = this.monotonic();
    const taken = await store.leases.take(seen, replicaId, clock.now(), durationMs);
    if (!taken) return; // another replica moved first; the next round sees its row
    this.held.set(seen.target, { lease: taken, renewedAt: started });
    this.seen.set(seen.target, { counter: taken.counter, owner: taken.owner, since: started });
    this.changes.gained += 1;
    this.lastHeartbeatAt = clock.now();
    logger.info(
      { target: seen.target, replica: replicaId, fencingToken: taken.fencingToken, reason: why },
      'took the target lease',
    );
    this.options.onGained?.(seen.target);
  }

  private async handOver(lease: Lease, to: string): Promise<void> {
    const { store, clock, durationMs } = this.options;
    if (!(await store.leases.transfer(lease, to, clock.now(), durationMs))) return;
    this.held.delete(lease.target);
    this.changes.lost += 1;
    this.options.logger.info({ target: lease.target, replica: this.replicaId, to }, 'handed the target lease over');
    this.options.onLost?.(lease.target);
  }

  private lose(target: string, why: string): void {
    this.held.delete(target);
    this.changes.lost += 1;
    this.options.logger.warn({ target, replica: this.replicaId, reason: why }, 'lost the target lease');
    this.options.onLost?.(target);
  }
}
