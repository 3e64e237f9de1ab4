import { AwsError } from '../../core/errors.js';
import type { OperationHandler } from '../../core/types.js';
import type { OperationRecord } from '../models/operations.js';
import { listPage } from './params.js';
import { wireTime } from './shapes.js';
import { invalid, oneOf, requiredString } from './params.js';
import type { ApiContext } from './context.js';

type OperationFilter =
  | { name: 'NAMESPACE_ID' | 'SERVICE_ID'; values: string[] }
  | { name: 'STATUS' | 'TYPE'; values: string[] }
  | { name: 'UPDATE_DATE'; from: number; to: number };

function parseOperationFilters(value: unknown): OperationFilter[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalid('Filters must be a list.');
  return value.map((raw, i): OperationFilter => {
    const name = oneOf(raw?.Name, `Filters[${i}].Name`, [
      'NAMESPACE_ID',
      'SERVICE_ID',
      'STATUS',
      'TYPE',
      'UPDATE_DATE',
    ] as const);
    const allowed =
      name === 'UPDATE_DATE'
        ? (['BETWEEN'] as const)
        : name === 'STATUS' || name === 'TYPE'
          ? (['EQ', 'IN'] as const)
          : (['EQ'] as const);
    const condition = oneOf(
      raw?.Condition ?? (name === 'UPDATE_DATE' ? 'BETWEEN' : 'EQ'),
      `Filters[${i}].Condition`,
      allowed,
    );
    const values = raw?.Values;
    if (
      !Array.isArray(values) ||
      values.length === 0 ||
      values.some((v) => typeof v !== 'string' || v.length < 1 || v.length > 255)
    ) {
      throw invalid(`Filters[${i}].Values must be a non-empty list of strings of 1 to 255 characters.`);
    }
    if (condition === 'EQ' && values.length !== 1)
      throw invalid(`Filters[${i}]: condition EQ takes exactly one value.`);
    if (name === 'UPDATE_DATE') {
      const [from, to] = values.map(Number);
      if (values.length !== 2 || !Number.isFinite(from) || !Number.isFinite(to))
        throw invalid(`Filters[${i}]: UPDATE_DATE BETWEEN takes two epoch-second timestamps.`);
      return { name, from: from * 1000, to: to * 1000 };
    }
    return { name, values };
  });
}

/** GetOperation and ListOperations over the operations the asynchronous calls submitted. */
export function operationOperations(api: ApiContext): Record<string, OperationHandler> {
  const { operations, ctx, state } = api;

  function matches(op: OperationRecord, filter: OperationFilter): boolean {
    switch (filter.name) {
      case 'NAMESPACE_ID':
        return op.namespaceId !== undefined && filter.values.includes(op.namespaceId);
      case 'SERVICE_ID':
        return op.targets.SERVICE !== undefined && filter.values.includes(op.targets.SERVICE);
      case 'STATUS':
        return filter.values.includes(operations.status(op));
      case 'TYPE':
        return filter.values.includes(op.type);
      case 'UPDATE_DATE':
        return op.updatedAt >= filter.from && op.updatedAt <= filter.to;
    }
  }

  return {
    GetOperation(input) {
      const id = requiredString(input, 'OperationId', 255);
      // "For operations associated with namespaces that are shared with your account, you must specify an
      // OwnerAccount" (GetOperationRequest): without it, such an operation is not found.
      const owner = operations.peekNamespace(id).flatMap((ns) => state.namespaces.get(ns)?.owner ?? [])[0];
      if (owner && input.OwnerAccount !== owner)
        throw new AwsError(
          'OperationNotFound',
          `No operation found with ID ${id} (it belongs to a namespace of account ${owner}: pass OwnerAccount).`,
        );
      const op = operations.poll(id);
      return {
        Operation: {
          Id: op.id,
          OwnerAccount: owner ?? ctx.account,
          Type: op.type,
          Status: operations.status(op),
          CreateDate: wireTime(op.createdAt),
          UpdateDate: wireTime(op.updatedAt),
          Targets: { ...op.targets },
          ...(operations.status(op) === 'FAIL' && op.failure
            ? { ErrorCode: op.failure.code, ErrorMessage: op.failure.message }
            : {}),
        },
      };
    },
    ListOperations(input) {
      const filters = parseOperationFilters(input.Filters);
      // Like Cloud Map: take MaxResults operations, then filter them (a page may come back empty).
      const page = listPage('ListOperations', operations, input, filters);
      return {
        Operations: page.items
          .map((op) => operations.refresh(op))
          .filter((op) => filters.every((f) => matches(op, f)))
          .map((op) => ({ Id: op.id, Status: operations.status(op) })),
        NextToken: page.nextToken,
      };
    },
  };
}
