/** Go/Kubernetes-style durations ("90s", "15m", "5h", "1h30m", "250ms", "0s"). */

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const DURATION_PATTERN = /^(?:\d+(?:ms|s|m|h))+$/;

/** The regular expression a valid duration matches, shared with the JSON schema. */
export const DURATION_REGEX_SOURCE = '^([0-9]+(ms|s|m|h))+$';

/** Parses a duration into milliseconds; returns undefined when the text is not a valid duration. */
export function parseDuration(text: string): number | undefined {
  if (typeof text !== 'string' || !DURATION_PATTERN.test(text)) return undefined;
  let total = 0;
  for (const match of text.matchAll(/(\d+)(ms|s|m|h)/g)) {
    total += Number(match[1]) * UNIT_MS[match[2]];
  }
  return Number.isSafeInteger(total) ? total : undefined;
}

/** Parses a duration or throws an error that names the offending text and what was expected. */
export function requireDuration(text: string, what = 'duration'): number {
  const ms = parseDuration(text);
  if (ms === undefined) {
    throw new Error(`invalid ${what} "${text}": expected a Go-style duration such as 90s, 15m, 5h or 1h30m`);
  }
  return ms;
}

/** Formats milliseconds as the shortest Go-style duration ("1h30m", "45s", "0s"). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(Math.round(ms));
  let out = '';
  for (const [unit, size] of [
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1_000],
    ['ms', 1],
  ] as const) {
    const count = Math.floor(rest / size);
    if (count > 0) {
      out += `${count}${unit}`;
      rest -= count * size;
    }
  }
  return sign + out;
}
