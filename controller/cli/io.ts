/** Where a command writes and what it reads from its environment; tests pass their own. */
export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

/** A CLI command: parses its own arguments and returns the process exit code. */
export type CommandRunner = (argv: string[], io: CliIo) => Promise<number>;

/** Exit codes shared by every command. */
export const EXIT = { ok: 0, failure: 1, usage: 2, drift: 2 } as const;

/** Re-exported so every command imports its I/O vocabulary from one place. */
export { UsageError } from '../util/usage-error.js';

/** Splits repeated or comma-separated list flags (`--allowed-clusters a,b --allowed-clusters c`). */
export function listFlag(values: string | string[] | undefined): string[] {
  const all = Array.isArray(values) ? values : values === undefined ? [] : [values];
  return all
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v.length > 0);
}
