import type { PolicyProblem } from './types.js';

/** One problem as a compiler-style line: "file:line:col: severity: message (at field)", for CLIs and logs. */
export function formatProblem(problem: PolicyProblem): string {
  const where = problem.line > 0 ? `${problem.file}:${problem.line}:${problem.column}` : problem.file;
  return `${where}: ${problem.severity}: ${problem.message}${problem.path ? ` (at ${problem.path})` : ''}`;
}
