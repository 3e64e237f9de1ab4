/** Entry point the plan benchmark compiles to plain JavaScript, so the measured process runs like the built CLI (no tsx). */
import { main } from '../controller/cli/main.js';

process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
