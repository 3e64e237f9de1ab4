/** The ECS emulator (AmazonEC2ContainerServiceV20141113, JSON 1.1): clusters, task definitions, services, deployments, tasks. */
import type { CloudMapPort } from '../core/ports.js';
import type { EmulatedService, OperationHandler, SandboxContext } from '../core/types.js';
import { EcsState, type EcsOptions } from './state.js';
import { resourceOperations } from './ops-resources.js';
import { serviceOperations } from './ops-services.js';
import { taskOperations } from './ops-tasks.js';
import { historyOperations } from './ops-history.js';
import { taskSetOperations } from './ops-task-sets.js';
import { settle } from './scheduler.js';

export type { EcsOptions } from './state.js';
export { EcsState } from './state.js';

/** What the rest of the sandbox (scenario loader, truth, control API) uses of ECS. */
export interface EcsEmulator {
  service: EmulatedService;
  state: EcsState;
  /** Moves deployments and tasks forward to the current virtual time. */
  settle(): void;
}

/** Creates the ECS emulator; it registers task instances and Service Connect services through the Cloud Map port. */
export function createEcs(ctx: SandboxContext, cloudMap: CloudMapPort, options: EcsOptions = {}): EcsEmulator {
  const state = new EcsState(ctx, cloudMap, options);
  const raw: Record<string, OperationHandler> = {
    ...resourceOperations(state),
    ...serviceOperations(state),
    ...taskOperations(state),
    ...historyOperations(state),
    ...taskSetOperations(state),
  };
  const operations: Record<string, OperationHandler> = {};
  for (const [name, handler] of Object.entries(raw)) {
    operations[name] = (input) => {
      // Level-triggered: every request first sees the fleet as of the current virtual time.
      settle(state);
      return handler(input);
    };
  }
  return {
    service: { name: 'ecs', targetPrefix: 'AmazonEC2ContainerServiceV20141113', jsonVersion: '1.1', operations },
    state,
    settle: () => settle(state),
  };
}
