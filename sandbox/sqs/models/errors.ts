/**
 * SQS errors as the JSON protocol sends them: `__type` "com.amazonaws.sqs#<ShapeName>" plus the
 * `x-amzn-query-error: <QueryCode>;Sender` header. The SDK (awsQueryCompatible) resolves the error class from the
 * header's code first, so both must be right for `instanceof QueueDoesNotExist` to hold.
 * Shape names, query codes and statuses come from the @aws-sdk/client-sqs model.
 */
import { AwsError } from '../../core/errors.js';

const QUERY_CODES: Record<string, [queryCode: string, status: number]> = {
  BatchEntryIdsNotDistinct: ['AWS.SimpleQueueService.BatchEntryIdsNotDistinct', 400],
  BatchRequestTooLong: ['AWS.SimpleQueueService.BatchRequestTooLong', 400],
  EmptyBatchRequest: ['AWS.SimpleQueueService.EmptyBatchRequest', 400],
  InvalidBatchEntryId: ['AWS.SimpleQueueService.InvalidBatchEntryId', 400],
  MessageNotInflight: ['AWS.SimpleQueueService.MessageNotInflight', 400],
  PurgeQueueInProgress: ['AWS.SimpleQueueService.PurgeQueueInProgress', 403],
  QueueDeletedRecently: ['AWS.SimpleQueueService.QueueDeletedRecently', 400],
  QueueDoesNotExist: ['AWS.SimpleQueueService.NonExistentQueue', 400],
  QueueNameExists: ['QueueAlreadyExists', 400],
  ReceiptHandleIsInvalid: ['ReceiptHandleIsInvalid', 404],
  TooManyEntriesInBatchRequest: ['AWS.SimpleQueueService.TooManyEntriesInBatchRequest', 400],
  UnsupportedOperation: ['AWS.SimpleQueueService.UnsupportedOperation', 400],
  OverLimit: ['OverLimit', 403],
  RequestThrottled: ['RequestThrottled', 403],
};

/** Builds an SQS error with the HTTP status the SQS model gives that error. */
export function sqsError(code: string, message: string): AwsError {
  return new AwsError(code, message, QUERY_CODES[code]?.[1] ?? 400);
}

/** `__type` for an SQS error code. */
export function sqsErrorType(code: string): string {
  return `com.amazonaws.sqs#${code}`;
}

/** The x-amzn-query-error header for an SQS error (codes outside the model, e.g. InvalidParameterValue, pass through). */
export function sqsErrorHeaders(code: string, status: number): Record<string, string> {
  const queryCode = QUERY_CODES[code]?.[0] ?? code;
  return { 'x-amzn-query-error': `${queryCode};${status >= 500 ? 'Receiver' : 'Sender'}` };
}

/** AWS's message for a queue URL or name that does not resolve. */
export function queueDoesNotExist(what: string): AwsError {
  return sqsError(
    'QueueDoesNotExist',
    `The specified queue does not exist (${what}). Create it first, or check the account and name in the queue URL.`,
  );
}

/** InvalidParameterValue, the generic SQS validation error (not modelled as its own class in the SDK). */
export function invalidParameter(message: string): AwsError {
  return sqsError('InvalidParameterValue', message);
}
