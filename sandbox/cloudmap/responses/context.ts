import type { DeletionAuditor } from '../../core/ports.js';
import type { SandboxContext } from '../../core/types.js';
import type { OperationLog } from '../models/operations.js';
import type { CloudMapState } from '../models/state.js';

/** What every group of API handlers works on. */
export interface ApiContext {
  ctx: SandboxContext;
  state: CloudMapState;
  operations: OperationLog;
  /** Runs the installed deletion auditor (ECS) on a deletion about to happen through the API. */
  audit: (target: Parameters<DeletionAuditor>[0] & { name?: string }) => void;
  /** How the operation a write submits must fail (a sandbox fault), or undefined when it succeeds. */
  operationFailure: (operation: string, input: Record<string, any>) => { code: string; message: string } | undefined;
}
