/**
 * The executor of every action type: the AWS write, with the re-checks just before it. The other half of an
 * action type's entry is in controller/model/actions.ts; a type without an executor here is a type error.
 * Each AWS service's file exports the executors of its types (cloudmap.ts, ecs.ts), gathered below.
 */
import type { ActionType, Action } from '../model/findings.js';
import { CLOUD_MAP_EXECUTORS } from './cloudmap.js';
import type { ExecutorContext } from './context.js';
import { ECS_EXECUTORS } from './ecs.js';
import { NAMESPACE_EXECUTORS } from './namespace.js';
import type { ExecutorResult } from './types.js';

/** What an executor may know about the plan its action comes from. */
export interface PlanContext {
  /** When the plan was made: the time its evidence was observed. */
  generatedAt: number;
  /** When the journal last shows a redeploy of this ECS service resource asked for (by this or a previous owner). */
  lastRedeployIntent?: (resource: string) => number | undefined;
}

/** Sends one action's write; throws (ActionFailure or an SDK error) when it fails. */
export type Executor<A extends Action> = (
  ctx: ExecutorContext,
  action: A,
  plan: PlanContext,
) => Promise<ExecutorResult>;

/** One executor per action type in `T`, typed for its action. */
export type Executors<T extends ActionType> = { [K in T]: Executor<Extract<Action, { type: K }>> };

/** Every action type's executor. */
export const EXECUTORS = {
  ...CLOUD_MAP_EXECUTORS,
  ...NAMESPACE_EXECUTORS,
  ...ECS_EXECUTORS,
} satisfies Executors<ActionType>;

/** Runs the executor of an action's type. */
export function execute(ctx: ExecutorContext, action: Action, plan: PlanContext): Promise<ExecutorResult> {
  return (EXECUTORS[action.type] as Executor<Action>)(ctx, action, plan);
}
