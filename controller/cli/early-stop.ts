/**
 * SIGTERM or SIGINT before `run` has installed its own handlers (modules still loading, clients being made,
 * the telemetry server binding) must still end cleanly: exit 0 with one log line, as a container stop expects.
 * The bin script installs the same handler even earlier (before tsx or dist/ load) under the same global
 * key, so whichever came first is the one `run` releases when its own handlers take over.
 */
import { systemClock } from '../util/clock.js';

const KEY = Symbol.for('ecs-discovery-controller.early-stop');

type Holder = { [KEY]?: (signal: NodeJS.Signals) => void };

/** Installs the start-up handler unless the bin script already did. */
export function installEarlyStop(): void {
  const holder = globalThis as Holder;
  if (holder[KEY]) return;
  const handler = (signal: NodeJS.Signals) => {
    const line = {
      level: 'info',
      time: new Date(systemClock.now()).toISOString(),
      app: 'ecs-discovery-controller',
      signal,
      msg: 'received signal during start-up; nothing was started, exiting',
    };
    process.stderr.write(`${JSON.stringify(line)}\n`, () => process.exit(0));
  };
  holder[KEY] = handler;
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}

/** Removes the start-up handler: the caller now handles SIGTERM and SIGINT itself. */
export function releaseEarlyStop(): void {
  const holder = globalThis as Holder;
  const handler = holder[KEY];
  if (!handler) return;
  process.off('SIGTERM', handler);
  process.off('SIGINT', handler);
  delete holder[KEY];
}
