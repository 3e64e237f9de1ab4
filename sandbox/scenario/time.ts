/** Scenario times: relative to load time ("-7h", "-2d", "-1h30m", "now") or absolute ISO-8601. */

const RELATIVE = /^-?(?:\d+(?:ms|s|m|h|d))+$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds of a duration such as "5h", "90s" or "2d"; undefined when it is not one. */
export function durationMs(text: string): number | undefined {
  if (!/^(?:\d+(?:ms|s|m|h|d))+$/.test(text)) return undefined;
  let total = 0;
  for (const match of text.matchAll(/(\d+)(ms|s|m|h|d)/g)) total += Number(match[1]) * UNIT_MS[match[2]];
  return total;
}

/** Resolves a scenario time to epoch milliseconds; undefined when the text is not a time. */
export function resolveTime(value: unknown, now: number): number | undefined {
  if (value instanceof Date) return value.getTime();
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (text === 'now') return now;
  if (RELATIVE.test(text)) {
    const negative = text.startsWith('-');
    const ms = durationMs(negative ? text.slice(1) : text)!;
    return negative ? now - ms : now + ms;
  }
  const parsed = Date.parse(text);
  return /^\d{4}-\d{2}-\d{2}/.test(text) && Number.isFinite(parsed) ? parsed : undefined;
}
