/**
 * The Application Auto Scaling emulator (X-Amz-Target AnyScaleFrontendService.*, JSON 1.1, as
 * @aws-sdk/client-application-auto-scaling speaks it), for ECS services. responses/ reads and validates
 * requests and shapes answers; models/ holds the scalable targets.
 */
import type { EmulatedService, SandboxContext } from '../core/types.js';
import { ScalableTargets, type EcsServiceLookup } from './models/targets.js';
import { parseRegister, targetOperations, type RegisterInput } from './responses/targets.js';

export { ECS_DESIRED_COUNT, type ScalableTarget } from './models/targets.js';

/** What the rest of the sandbox (scenario loader, truth) uses of Application Auto Scaling. */
export interface AutoScalingEmulator {
  service: EmulatedService;
  /** Registers or updates a target directly (scenario loading); throws AwsError as the API would. */
  register(input: RegisterInput): void;
  /** MaxCapacity of an ECS service's desired-count target, when it has one. */
  ecsMaxCapacity(cluster: string, service: string): number | undefined;
}

/** Creates the emulator; `ecsService` answers whether the ECS service a target names exists. */
export function createAutoScaling(ctx: SandboxContext, ecsService: EcsServiceLookup): AutoScalingEmulator {
  const targets = new ScalableTargets(ctx, ecsService);
  return {
    service: {
      name: 'application-autoscaling',
      targetPrefix: 'AnyScaleFrontendService',
      jsonVersion: '1.1',
      operations: targetOperations(targets),
    },
    register: (input) => void targets.register(parseRegister(input)),
    ecsMaxCapacity: (cluster, service) => targets.ecsMaxCapacity(cluster, service),
  };
}
