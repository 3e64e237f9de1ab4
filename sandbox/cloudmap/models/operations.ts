import { AwsError } from '../../core/errors.js';
import type { VirtualClock } from '../../core/clock.js';
import { newOperationId } from './ids.js';
import { OrderedIndex } from './ordered.js';

export type OperationType =
  | 'CREATE_NAMESPACE'
  | 'DELETE_NAMESPACE'
  | 'UPDATE_NAMESPACE'
  | 'UPDATE_SERVICE'
  | 'REGISTER_INSTANCE'
  | 'DEREGISTER_INSTANCE';
export type OperationStatus = 'SUBMITTED' | 'PENDING' | 'SUCCESS' | 'FAIL';
export type OperationTargets = Partial<Record<'NAMESPACE' | 'SERVICE' | 'INSTANCE', string>>;

export interface OperationRecord {
  seq: number;
  id: string;
  type: OperationType;
  /** Stage reached so far: 0 SUBMITTED, 1 PENDING, 2 SUCCESS. */
  stage: number;
  /** GetOperation calls answered so far; each moves the operation one stage on. */
  polls: number;
  createdAt: number;
  updatedAt: number;
  targets: OperationTargets;
  /** Namespace the operation concerns (ListOperations' NAMESPACE_ID filter), also for service/instance operations. */
  namespaceId?: string;
  /** Set when the operation ends in FAIL (a sandbox fault): GetOperation's ErrorCode and ErrorMessage. */
  failure?: { code: string; message: string };
  /** What the operation does, applied once when it reaches SUCCESS (never when it fails). */
  effect?: () => void;
  /** Undoes what was applied at submission, when the operation ends in FAIL. */
  onFail?: () => void;
}

/** How a submitted operation ends: its effect at SUCCESS, or a failure code instead. */
export interface OperationOptions {
  effect?: () => void;
  onFail?: () => void;
  failure?: { code: string; message: string };
}

const STATUS_BY_STAGE: OperationStatus[] = ['SUBMITTED', 'PENDING', 'SUCCESS'];
/** Virtual/real milliseconds after which an operation is at least PENDING, and then SUCCESS. */
export const PENDING_AFTER_MS = 250;
export const SUCCESS_AFTER_MS = 1000;
/** AWS keeps operations for a while, not forever; the oldest go first past this many. */
const MAX_OPERATIONS = 20_000;

/**
 * The asynchronous operations Cloud Map reports through GetOperation/ListOperations. Their reported status
 * moves SUBMITTED -> PENDING -> SUCCESS (or FAIL, for an operation a fault makes fail) by one stage per
 * GetOperation call or by elapsed clock time (250 ms / 1 s), whichever is further. With a frozen clock that
 * makes the third GetOperation the first to see the final status, deterministically. An operation given an
 * `effect` (DeregisterInstance, UpdateService) changes the state only when it reaches SUCCESS, as in AWS: a
 * deregistered instance stays listed until then, and for good when the operation fails.
 */
export class OperationLog {
  private readonly operations = new OrderedIndex<OperationRecord>();
  /** Operations not yet at their final stage, so `settle()` does not scan the whole log. */
  private readonly unfinished = new Set<OperationRecord>();
  private seq = 0;
  private settling = false;

  constructor(private readonly clock: VirtualClock) {}

  submit(
    type: OperationType,
    targets: OperationTargets,
    namespaceId?: string,
    options: OperationOptions = {},
  ): OperationRecord {
    const now = this.clock.now();
    const record: OperationRecord = {
      seq: ++this.seq,
      id: newOperationId(),
      type,
      stage: 0,
      polls: 0,
      createdAt: now,
      updatedAt: now,
      targets,
      namespaceId,
      ...(options.failure ? { failure: options.failure } : {}),
      ...(options.effect ? { effect: options.effect } : {}),
      ...(options.onFail ? { onFail: options.onFail } : {}),
    };
    this.operations.add(record);
    this.unfinished.add(record);
    if (this.operations.size > MAX_OPERATIONS) {
      const dropped = this.operations.shift();
      if (dropped) this.finish(dropped);
    }
    return record;
  }

  /** Brings every unfinished operation up to date with the clock (runs the effects that are due). */
  settle(): void {
    // An effect may read the state through the port (the deletion auditor does), which settles again: the
    // outer pass already handles every operation, in submission order.
    if (this.settling) return;
    this.settling = true;
    try {
      for (const record of [...this.unfinished]) this.refresh(record);
    } finally {
      this.settling = false;
    }
  }

  /** The unfinished operation of this type on these targets, if any (a repeated request is a duplicate). */
  inFlight(type: OperationType, targets: OperationTargets): OperationRecord | undefined {
    for (const record of this.unfinished) {
      if (
        record.type === type &&
        record.targets.SERVICE === targets.SERVICE &&
        record.targets.INSTANCE === targets.INSTANCE
      )
        return record;
    }
    return undefined;
  }

  /** GetOperation: reports the current status, then lets the next poll see the following stage. */
  /** The namespace an operation concerns, if any (nothing is refreshed or counted). */
  peekNamespace(id: string): string[] {
    const ns = this.operations.get(id)?.namespaceId;
    return ns ? [ns] : [];
  }

  poll(id: string): OperationRecord {
    const record = this.operations.get(id);
    if (!record) throw new AwsError('OperationNotFound', `No operation found with ID ${id}.`);
    this.refresh(record);
    record.polls++;
    return record;
  }

  /** Brings the record's stage up to date with the clock and polls so far. */
  refresh(record: OperationRecord): OperationRecord {
    const elapsed = this.clock.now() - record.createdAt;
    const byTime = elapsed >= SUCCESS_AFTER_MS ? 2 : elapsed >= PENDING_AFTER_MS ? 1 : 0;
    const stage = Math.min(2, Math.max(record.stage, byTime, record.polls));
    if (stage !== record.stage) {
      record.stage = stage;
      record.updatedAt = this.clock.now();
      if (stage === 2) this.finish(record);
    }
    return record;
  }

  status(record: OperationRecord): OperationStatus {
    return record.stage === 2 && record.failure ? 'FAIL' : STATUS_BY_STAGE[record.stage];
  }

  /** Marks every operation finished: SUCCESS, or FAIL where a fault said so ("let Cloud Map catch up"). */
  completeAll(): void {
    for (const record of [...this.unfinished]) {
      record.stage = 2;
      record.updatedAt = this.clock.now();
      this.finish(record);
    }
  }

  /** Applies the outcome of an operation that reached its final stage, once. */
  private finish(record: OperationRecord): void {
    if (!this.unfinished.delete(record)) return;
    const run = record.failure ? record.onFail : record.effect;
    record.effect = undefined;
    record.onFail = undefined;
    run?.();
  }

  /** Up to limit operations submitted after afterSeq, oldest first. */
  pageAfter(afterSeq: number, limit: number): { items: OperationRecord[]; more: boolean } {
    return this.operations.pageAfter(afterSeq, limit);
  }

  get(id: string): OperationRecord | undefined {
    return this.operations.get(id);
  }
}
