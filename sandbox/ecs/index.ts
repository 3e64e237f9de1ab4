/**
 * The ECS emulator (AmazonEC2ContainerServiceV20141113, JSON 1.1): clusters, task definitions, services, deployments,
 * tasks. responses/ reads and validates requests and shapes answers; models/ holds the state, the scheduler and the
 * task lifecycle (what the scenario loader, drift and truth drive directly).
 */
import type { CloudMapPort } from '../core/ports.js';
import type { EmulatedService, OperationHandler, SandboxContext } from '../core/types.js';
import { EcsState, type EcsOptions } from './models/state.js';
import { resourceOperations } from './responses/resources.js';
import { serviceOperations } from './responses/services.js';
import { taskOperations } from './responses/tasks.js';
import { historyOperations } from './responses/history.js';
import { taskSetOperations } from './responses/task-sets.js';
import { settle } from './models/scheduler.js';

export type { EcsOptions } from './models/state.js';
export { EcsState } from './models/state.js';

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
