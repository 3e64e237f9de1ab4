/** Driving an in-process Controller from a test: its resync schedule, and waiting for its work queue to empty. */
import type { Controller } from '../../controller/runtime/controller.js';
import type { ResyncScheduler } from '../../controller/runtime/resync.js';

/** A resync schedule the test drives: `tick()` runs the controller's scheduled resync, wall time never does. */
export function manualSchedule(): {
  scheduler: ResyncScheduler;
  tick(): void;
} {
  let onTick: (() => void) | undefined;
  return {
    scheduler: (_expression, tick) => {
      onTick = tick;
      return { stop: () => (onTick = undefined) };
    },
    tick: () => onTick?.(),
  };
}

/** Waits until the controller's work queue is idle; fails after 20 s with the queue's depth instead of hanging. */
export async function settleController(controller: Controller): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(
            `work queue not idle after 20 s (depth ${controller.queue.depth()}, active ${controller.queue.active()})`,
          ),
        ),
      20_000,
    );
  });
  try {
    await Promise.race([controller.whenIdle(), limit]);
  } finally {
    clearTimeout(timer);
  }
}
