/** ECS task operations: ListTasks, DescribeTasks, StopTask. */
import { AwsError } from '../../core/errors.js';
import type { OperationHandler } from '../../core/types.js';
import type { EcsState } from '../models/state.js';
import type { SortedKeys } from '../models/sorted-keys.js';
import { taskArn } from '../models/model.js';
import { taskShape } from './shapes.js';
import { decodeToken, encodeToken, invalid, maxResults, optionalString, requiredString, stringList } from './params.js';
import { stopTask } from '../models/tasks.js';
import { settleService } from '../models/scheduler.js';

/** The ECS task operations, bound to the emulator state. */
export function taskOperations(state: EcsState): Record<string, OperationHandler> {
  return {
    ListTasks(input) {
      const cluster = state.requireCluster(input.cluster);
      const serviceName = optionalString(input, 'serviceName');
      const startedBy = optionalString(input, 'startedBy');
      const family = optionalString(input, 'family');
      const desiredStatus = optionalString(input, 'desiredStatus') ?? 'RUNNING';
      if (!['RUNNING', 'PENDING', 'STOPPED'].includes(desiredStatus))
        throw invalid('desiredStatus must be RUNNING, PENDING or STOPPED.');
      const limit = maxResults(input, 100);
      let index: SortedKeys | undefined;
      if (serviceName !== undefined) {
        const service = state.findService(cluster, serviceName);
        if (!service) throw new AwsError('ServiceNotFoundException', 'Service not found.');
        index = desiredStatus === 'STOPPED' ? service.stoppedTaskIds : service.runningTaskIds;
      } else {
        index = desiredStatus === 'STOPPED' ? cluster.stoppedTaskIds : cluster.runningTaskIds;
      }
      // No task ever has desired status PENDING.
      if (desiredStatus === 'PENDING') return { taskArns: [] };
      let after = decodeToken(input);
      const taskArns: string[] = [];
      for (;;) {
        const page = index.page(after, limit - taskArns.length);
        for (const id of page.keys) {
          const task = state.tasks.get(id);
          if (!task) continue;
          if (startedBy !== undefined && task.startedBy !== startedBy) continue;
          if (family !== undefined && task.taskDefinition.family !== family) continue;
          taskArns.push(taskArn(state.region, state.account, cluster.name, id));
        }
        after = page.keys[page.keys.length - 1] ?? after;
        if (!page.more) return { taskArns };
        if (taskArns.length >= limit) return { taskArns, nextToken: encodeToken(after!) };
      }
    },

    DescribeTasks(input) {
      const cluster = state.requireCluster(input.cluster);
      const refs = stringList(input, 'tasks', 100);
      const includeTags = Array.isArray(input.include) && input.include.includes('TAGS');
      const tasks: unknown[] = [];
      const failures: unknown[] = [];
      for (const ref of refs) {
        const task = state.findTask(cluster, ref);
        if (task) tasks.push(taskShape(state, task, includeTags));
        else
          failures.push({
            arn: ref.startsWith('arn:') ? ref : taskArn(state.region, state.account, cluster.name, ref),
            reason: 'MISSING',
          });
      }
      return { tasks, failures };
    },

    StopTask(input) {
      const cluster = state.requireCluster(input.cluster);
      const ref = requiredString(input, 'task');
      const task = state.findTask(cluster, ref);
      if (!task) throw invalid(`The referenced task ${ref} was not found.`);
      const reason = optionalString(input, 'reason') ?? 'Task stopped by user';
      stopTask(state, task, { reason, stopCode: 'UserInitiated' });
      // The scheduler notices at once and starts a replacement for a service task.
      if (task.service) settleService(state, task.service);
      return { task: taskShape(state, task, false) };
    },
  };
}
