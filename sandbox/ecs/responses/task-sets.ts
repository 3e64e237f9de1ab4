/** ECS task set operations for EXTERNAL services: CreateTaskSet, DescribeTaskSets, DeleteTaskSet. */
import { AwsError } from '../../core/errors.js';
import type { OperationHandler } from '../../core/types.js';
import type { Service } from '../models/model.js';
import type { EcsState } from '../models/state.js';
import { invalid, requiredString, stringList } from './params.js';
import { resolveRegistries } from '../models/discovery.js';
import { settleService } from '../models/scheduler.js';
import { createTaskSet, deleteTaskSet, findTaskSet } from '../models/task-sets.js';
import { taskSetShape } from './shapes.js';

function externalService(state: EcsState, input: Record<string, any>): Service {
  const cluster = state.requireCluster(requiredString(input, 'cluster'));
  const service = state.requireActiveService(cluster, requiredString(input, 'service'));
  if (service.deploymentController !== 'EXTERNAL') {
    throw invalid(
      `Service ${service.name} uses the ${service.deploymentController} deployment controller: task sets are managed only for EXTERNAL.`,
    );
  }
  return service;
}

/** The task set operations, bound to the emulator state. */
export function taskSetOperations(state: EcsState): Record<string, OperationHandler> {
  return {
    CreateTaskSet(input) {
      const service = externalService(state, input);
      const scale = input.scale as { value?: unknown; unit?: unknown } | undefined;
      const percent = scale?.value ?? 100;
      if (
        typeof percent !== 'number' ||
        percent < 0 ||
        percent > 100 ||
        (scale?.unit !== undefined && scale.unit !== 'PERCENT')
      ) {
        throw invalid('scale must be { value: 0..100, unit: PERCENT }.');
      }
      const set = createTaskSet(state, service, {
        taskDefinition: state.requireTaskDefinition(input.taskDefinition),
        serviceRegistries: resolveRegistries(state, input.serviceRegistries),
        scalePercent: percent,
        ...(typeof input.externalId === 'string' ? { externalId: input.externalId } : {}),
      });
      settleService(state, service);
      return { taskSet: taskSetShape(service, set) };
    },

    DescribeTaskSets(input) {
      const cluster = state.requireCluster(requiredString(input, 'cluster'));
      const service = state.findService(cluster, requiredString(input, 'service'));
      if (!service) throw new AwsError('ServiceNotFoundException', 'Service not found.');
      const refs = stringList(input, 'taskSets', 100, false);
      if (refs.length === 0)
        return { taskSets: service.taskSets.map((set) => taskSetShape(service, set)), failures: [] };
      const taskSets: unknown[] = [];
      const failures: unknown[] = [];
      for (const ref of refs) {
        const set = findTaskSet(service, ref);
        if (set) taskSets.push(taskSetShape(service, set));
        else failures.push({ arn: ref, reason: 'MISSING' });
      }
      return { taskSets, failures };
    },

    DeleteTaskSet(input) {
      const service = externalService(state, input);
      const ref = requiredString(input, 'taskSet');
      const set = findTaskSet(service, ref);
      if (!set) throw new AwsError('TaskSetNotFoundException', `The specified task set ${ref} does not exist.`);
      if (set.status === 'PRIMARY' && service.taskSets.length > 1 && input.force !== true) {
        throw invalid('The PRIMARY task set cannot be deleted while others remain; pass force.');
      }
      const shape = taskSetShape(service, set);
      deleteTaskSet(state, service, set);
      settleService(state, service);
      return { taskSet: { ...shape, status: 'DRAINING' } };
    },
  };
}
