/**
 * Timers moved to the clock module (controller/util/clock.ts), the one place controller code touches time;
 * re-exported here for the runtime files that still import them from this path.
 */
export { ManualTimers, systemTimers, withinTime, type TimerHandle, type Timers } from '../util/clock.js';
