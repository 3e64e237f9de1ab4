import type { CliIo } from '../io.js';
import { EXIT } from '../io.js';

/** Placeholder until the 'run' command lands. */
export async function run(_argv: string[], io: CliIo): Promise<number> {
  io.stderr.write('error: the "run" command is not implemented yet\n');
  return EXIT.failure;
}
