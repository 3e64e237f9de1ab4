import { AwsError } from './errors.js';

/** POST /_sandbox/faults body: operation is "service:Operation" or "*". */
export interface FaultSpec {
  operation: string;
  throttleRate?: number;
  errorRate?: number;
  latencyMs?: number;
  /**
   * Always fail with this AWS error code (e.g. AccessDeniedException) instead of a random rate. With
   * operationFailRate it is instead the ErrorCode of the Cloud Map operations that fail (default INTERNAL_FAILURE).
   */
  errorCode?: string;
  /**
   * Cloud Map's asynchronous writes only: the call succeeds and returns an OperationId, and this share of the
   * operations end in GetOperation Status FAIL with `errorCode` (e.g. ACCESS_DENIED, when the caller lacks
   * the Route 53 permissions behind the write). Their effect is never applied.
   */
  operationFailRate?: number;
  /** Only apply to requests whose body contains this substring (e.g. a cluster name). */
  match?: string;
}

/** GetOperation's ErrorCode values (aws-facts §4; botocore servicediscovery Operation.ErrorCode documentation). */
export const OPERATION_ERROR_CODES = [
  'ACCESS_DENIED',
  'CANNOT_CREATE_HOSTED_ZONE',
  'EXPIRED_TOKEN',
  'HOSTED_ZONE_NOT_FOUND',
  'INTERNAL_FAILURE',
  'INVALID_CHANGE_BATCH',
  'THROTTLED_REQUEST',
];

function checkRate(name: string, value: unknown): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !(value >= 0 && value <= 1))
    throw new AwsError('InvalidInput', `${name} must be a number from 0 to 1`);
  return value;
}

/** Injects throttling, server errors, fixed errors and latency into chosen operations. */
export class FaultInjector {
  private specs: FaultSpec[] = [];

  constructor(private readonly random: () => number = Math.random) {}

  add(spec: FaultSpec): void {
    if (!spec || typeof spec.operation !== 'string' || !/^(\*|[a-z0-9-]+:(\*|[A-Za-z]+))$/.test(spec.operation)) {
      throw new AwsError(
        'InvalidInput',
        'operation must be "*", "service:*" or "service:Operation" (e.g. "ecs:ListServices")',
      );
    }
    checkRate('throttleRate', spec.throttleRate);
    checkRate('errorRate', spec.errorRate);
    checkRate('operationFailRate', spec.operationFailRate);
    if (
      spec.operationFailRate !== undefined &&
      spec.errorCode !== undefined &&
      !OPERATION_ERROR_CODES.includes(spec.errorCode)
    ) {
      throw new AwsError(
        'InvalidInput',
        `with operationFailRate, errorCode must be a Cloud Map operation error code: ${OPERATION_ERROR_CODES.join(', ')}`,
      );
    }
    if (
      spec.latencyMs !== undefined &&
      !(typeof spec.latencyMs === 'number' && spec.latencyMs >= 0 && spec.latencyMs <= 60_000)
    ) {
      throw new AwsError('InvalidInput', 'latencyMs must be a number from 0 to 60000');
    }
    this.specs.push({ ...spec });
  }

  clear(): void {
    this.specs = [];
  }

  list(): FaultSpec[] {
    return this.specs.map((s) => ({ ...s }));
  }

  private matching(operation: string, body?: string): FaultSpec[] {
    const service = operation.split(':')[0];
    return this.specs.filter(
      (s) =>
        (s.operation === '*' || s.operation === operation || s.operation === `${service}:*`) &&
        (s.match === undefined || (body ?? '').includes(s.match)),
    );
  }

  /** The ErrorCode the operation a Cloud Map write just submitted must end with, or undefined when it succeeds. */
  operationFailure(operation: string, body?: string): string | undefined {
    for (const spec of this.matching(operation, body)) {
      if (spec.operationFailRate && this.random() < spec.operationFailRate) return spec.errorCode ?? 'INTERNAL_FAILURE';
    }
    return undefined;
  }

  /** Waits for injected latency, then throws the injected error, if any applies to this request. */
  async apply(operation: string, body?: string): Promise<void> {
    for (const spec of this.matching(operation, body)) {
      if (spec.latencyMs) await new Promise((r) => setTimeout(r, spec.latencyMs));
      if (spec.errorCode && spec.operationFailRate === undefined)
        throw new AwsError(
          spec.errorCode,
          `injected ${spec.errorCode}`,
          spec.errorCode.startsWith('Internal') || spec.errorCode.startsWith('Server') ? 500 : 400,
        );
      if (spec.throttleRate && this.random() < spec.throttleRate)
        throw new AwsError('ThrottlingException', 'Rate exceeded', 400);
      if (spec.errorRate && this.random() < spec.errorRate)
        throw new AwsError('ServerException', 'injected server error', 500);
    }
  }
}
