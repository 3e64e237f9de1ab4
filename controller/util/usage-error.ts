/**
 * A usage mistake (a bad flag or environment value): printed with the command's help, exit code 2.
 * It lives below every layer because limits and operator bounds are parsed there, not only in the CLI.
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
