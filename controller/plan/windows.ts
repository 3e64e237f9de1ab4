/** Maintenance windows: is `now` inside [occurrence, occurrence + duration) of a window's latest opening? */
import { CronExpressionParser } from 'cron-parser';
import type { MaintenanceWindow } from '../policy/types.js';

/** Whether actions may run now, and why (or when the next window opens). */
export interface WindowStatus {
  open: boolean;
  detail: string;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Decides whether `now` falls in one of the windows; no windows means always open. */
export function windowStatus(windows: readonly MaintenanceWindow[], now: number): WindowStatus {
  if (windows.length === 0) return { open: true, detail: 'no maintenance windows: always allowed' };
  let nextOpening = Infinity;
  const problems: string[] = [];
  for (const window of windows) {
    try {
      // +1 ms so that an opening exactly at `now` counts as the latest one at or before now.
      const latest = CronExpressionParser.parse(window.schedule, {
        currentDate: new Date(now + 1),
        tz: window.timezone,
      })
        .prev()
        .getTime();
      if (now >= latest && now < latest + window.durationMs) {
        return {
          open: true,
          detail: `inside window "${window.schedule}" (${window.timezone}) until ${iso(latest + window.durationMs)}`,
        };
      }
      const next = CronExpressionParser.parse(window.schedule, { currentDate: new Date(now), tz: window.timezone })
        .next()
        .getTime();
      nextOpening = Math.min(nextOpening, next);
    } catch (error) {
      problems.push(`window "${window.schedule}" (${window.timezone}) cannot be read: ${(error as Error).message}`);
    }
  }
  const when = Number.isFinite(nextOpening) ? `next window opens at ${iso(nextOpening)}` : 'no window can open';
  return { open: false, detail: [when, ...problems].join('; ') };
}
