/** An AWS-shaped error: serialised as {"__type": code, "message": ...} with the HTTP status AWS uses. */
export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    /** Extra members AWS puts in the error body (e.g. DuplicateOperationId). */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = code;
  }
}
