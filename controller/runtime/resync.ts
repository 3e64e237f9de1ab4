/**
 * The periodic resync: on a cron schedule (node-cron), re-enqueue everything so a lost event costs minutes,
 * not correctness. Each tick is delayed by a random jitter so many controllers (or shards) sharing a
 * schedule do not hit the AWS APIs in the same second.
 */
import cron from 'node-cron';
import { CronExpressionParser } from 'cron-parser';
import { systemTimers } from '../util/clock.js';

export interface ResyncSchedule {
  stop(): void;
}

/** Calls `onTick` on the schedule until stopped; injectable so tests drive ticks themselves. */
export type ResyncScheduler = (expression: string, onTick: () => void) => ResyncSchedule;

/** Explains what is wrong with a resync expression, or returns undefined when node-cron accepts it. */
export function resyncExpressionProblem(expression: string): string | undefined {
  if (!cron.validate(expression)) {
    return (
      `invalid --resync cron expression "${expression}": expected five fields (minute hour day-of-month month day-of-week), e.g. "*/10 * * * *", ` +
      'or six with seconds first (second minute hour day-of-month month day-of-week), e.g. "*/30 * * * * *"'
    );
  }
  return undefined;
}

/** The shortest gap between two consecutive ticks over the next few, in ms (readiness counts in these). */
export function resyncPeriodMs(expression: string, from: Date): number {
  const iterator = CronExpressionParser.parse(expression, { currentDate: from });
  const times = Array.from({ length: 6 }, () => iterator.next().getTime());
  let shortest = Number.POSITIVE_INFINITY;
  for (let i = 1; i < times.length; i++) shortest = Math.min(shortest, times[i] - times[i - 1]);
  return shortest;
}

/** Jitter bound: a tenth of the period, at most a minute. */
export function resyncJitterMs(periodMs: number): number {
  return Math.min(60_000, Math.floor(periodMs / 10));
}

/** The production scheduler: node-cron with its built-in random delay, unref'd so it never holds the process open. */
export const nodeCronScheduler: ResyncScheduler = (expression, onTick) => {
  const task = cron.schedule(expression, () => onTick(), {
    name: 'ecs-discovery-resync',
    // node-cron ticks on the wall clock, so its period is measured from the wall clock's now.
    maxRandomDelay: resyncJitterMs(resyncPeriodMs(expression, new Date(systemTimers.now()))),
    noOverlap: true,
    unref: true,
  });
  return {
    stop() {
      void task.destroy();
    },
  };
};
