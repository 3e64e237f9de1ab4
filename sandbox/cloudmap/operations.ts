import { AwsError } from '../core/errors.js';
import type { VirtualClock } from '../core/clock.js';
import { newOperationId } from './ids.js';
import { OrderedIndex } from './ordered.js';

export type OperationType = 'CREATE_NAMESPACE' | 'DELETE_NAMESPACE' | 'UPDATE_NAMESPACE' | 'UPDATE_SERVICE' | 'REGISTER_INSTANCE' | 'DEREGISTER_INSTANCE';
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
}

const STATUS_BY_STAGE: OperationStatus[] = ['SUBMITTED', 'PENDING', 'SUCCESS'];
/** Virtual/real milliseconds after which an operation is at least PENDING, and then SUCCESS. */
export const PENDING_AFTER_MS = 250;
export const SUCCESS_AFTER_MS = 1000;
/** AWS keeps operations for a while, not forever; the oldest go first past this many. */
const MAX_OPERATIONS = 20_000;

/**
 * The asynchronous operations Cloud Map reports through GetOperation/ListOperations. The effect of an
 * operation is applied when it is submitted; only its reported status lags, moving SUBMITTED -> PENDING ->
 * SUCCESS by one stage per GetOperation call or by elapsed clock time (250 ms / 1 s), whichever is further.
 * With a frozen clock that makes the third GetOperation the first to see SUCCESS, deterministically.
 */
export class OperationLog {
  private readonly operations = new OrderedIndex<OperationRecord>();
  private seq = 0;

  constructor(private readonly clock: VirtualClock) {}

  submit(type: OperationType, targets: OperationTargets, namespaceId?: string): OperationRecord {
    const now = this.clock.now();
    const record: OperationRecord = { seq: ++this.seq, id: newOperationId(), type, stage: 0, polls: 0, createdAt: now, updatedAt: now, targets, namespaceId };
    this.operations.add(record);
    if (this.operations.size > MAX_OPERATIONS) this.operations.shift();
    return record;
  }

  /** GetOperation: reports the current status, then lets the next poll see the following stage. */
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
    }
    return record;
  }

  status(record: OperationRecord): OperationStatus {
    return STATUS_BY_STAGE[record.stage];
  }

  /** Marks every operation SUCCESS (sandbox control: "let Cloud Map catch up"). */
  completeAll(): void {
    for (const record of this.operations.values()) {
      if (record.stage < 2) {
        record.stage = 2;
        record.updatedAt = this.clock.now();
      }
    }
  }

  /** Up to limit operations submitted after afterSeq, oldest first. */
  pageAfter(afterSeq: number, limit: number): { items: OperationRecord[]; more: boolean } {
    return this.operations.pageAfter(afterSeq, limit);
  }

  get(id: string): OperationRecord | undefined {
    return this.operations.get(id);
  }
}
