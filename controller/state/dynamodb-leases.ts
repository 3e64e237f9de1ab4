/**
 * The lease rows of the DynamoDB state store, the way the Kinesis Client Library keeps shard leases: one item
 * per target (pk "lease", sk the target key) with the owner, a counter bumped by every renewal, and a fencing
 * token bumped whenever the owner changes. Every write is conditional on what the writer read, so two
 * replicas can never both believe they took the same lease.
 */
import {
  DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import type { Lease, LeaseStore } from './types.js';

export const LEASE_PK = 'lease';

/** True when a conditional write lost (someone else changed the row first). */
export function conditionFailed(error: unknown): boolean {
  return (error as { name?: string })?.name === 'ConditionalCheckFailedException';
}

const n = (value: number): AttributeValue => ({ N: String(value) });
const s = (value: string): AttributeValue => ({ S: value });

/** A lease row as the controller sees it. */
export function leaseFromItem(item: Record<string, AttributeValue>): Lease {
  return {
    target: item.sk.S!,
    ...(item.leaseOwner?.S ? { owner: item.leaseOwner.S } : {}),
    ...(item.handoffTo?.S ? { handoffTo: item.handoffTo.S } : {}),
    counter: Number(item.leaseCounter?.N ?? 0),
    fencingToken: Number(item.fencingToken?.N ?? 0),
    heartbeatAt: Number(item.heartbeatAt?.N ?? 0),
    expiresAt: Number(item.leaseExpiresAt?.N ?? 0),
  };
}

/** Lease rows in a DynamoDB table (pk/sk strings). */
export class DynamoLeases implements LeaseStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
  ) {}

  async list(): Promise<Lease[]> {
    const leases: Lease[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': s(LEASE_PK) },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) leases.push(leaseFromItem(item));
      start = page.LastEvaluatedKey;
    } while (start);
    return leases;
  }

  async create(target: string, now: number): Promise<void> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.table,
          Item: {
            pk: s(LEASE_PK),
            sk: s(target),
            leaseCounter: n(0),
            fencingToken: n(0),
            heartbeatAt: n(now),
            leaseExpiresAt: n(now),
            pending: { M: {} },
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (!conditionFailed(error)) throw error;
    }
  }

  async take(seen: Lease, owner: string, now: number, durationMs: number): Promise<Lease | undefined> {
    return this.conditional(
      seen.target,
      'SET leaseOwner = :owner, leaseCounter = leaseCounter + :one, fencingToken = fencingToken + :one, heartbeatAt = :now, leaseExpiresAt = :exp REMOVE handoffTo',
      seen.owner
        ? 'leaseCounter = :counter AND leaseOwner = :seen'
        : 'leaseCounter = :counter AND attribute_not_exists(leaseOwner)',
      {
        ':owner': s(owner),
        ':one': n(1),
        ':now': n(now),
        ':exp': n(now + durationMs),
        ':counter': n(seen.counter),
        ...(seen.owner ? { ':seen': s(seen.owner) } : {}),
      },
    );
  }

  async renew(held: Lease, now: number, durationMs: number): Promise<Lease | undefined> {
    return this.conditional(
      held.target,
      'SET leaseCounter = leaseCounter + :one, heartbeatAt = :now, leaseExpiresAt = :exp',
      'leaseOwner = :owner AND fencingToken = :token',
      {
        ':owner': s(held.owner ?? ''),
        ':token': n(held.fencingToken),
        ':one': n(1),
        ':now': n(now),
        ':exp': n(now + durationMs),
      },
    );
  }

  async release(held: Lease): Promise<boolean> {
    const released = await this.conditional(
      held.target,
      'REMOVE leaseOwner, handoffTo SET leaseCounter = leaseCounter + :one',
      'leaseOwner = :owner AND fencingToken = :token',
      {
        ':owner': s(held.owner ?? ''),
        ':token': n(held.fencingToken),
        ':one': n(1),
      },
    );
    return released !== undefined;
  }

  async requestHandoff(seen: Lease, to: string): Promise<boolean> {
    if (!seen.owner) return false;
    const asked = await this.conditional(
      seen.target,
      'SET handoffTo = :to',
      'leaseCounter = :counter AND leaseOwner = :seen',
      {
        ':to': s(to),
        ':counter': n(seen.counter),
        ':seen': s(seen.owner),
      },
    );
    return asked !== undefined;
  }

  async declineHandoff(held: Lease): Promise<boolean> {
    const cleared = await this.conditional(
      held.target,
      'REMOVE handoffTo',
      'leaseOwner = :owner AND fencingToken = :token',
      {
        ':owner': s(held.owner ?? ''),
        ':token': n(held.fencingToken),
      },
    );
    return cleared !== undefined;
  }

  async transfer(held: Lease, to: string, now: number, durationMs: number): Promise<boolean> {
    const moved = await this.conditional(
      held.target,
      'SET leaseOwner = :to, leaseCounter = leaseCounter + :one, fencingToken = fencingToken + :one, heartbeatAt = :now, leaseExpiresAt = :exp REMOVE handoffTo',
      'leaseOwner = :owner AND fencingToken = :token',
      {
        ':to': s(to),
        ':owner': s(held.owner ?? ''),
        ':token': n(held.fencingToken),
        ':one': n(1),
        ':now': n(now),
        ':exp': n(now + durationMs),
      },
    );
    return moved !== undefined;
  }

  private async conditional(
    target: string,
    update: string,
    condition: string,
    values: Record<string, AttributeValue>,
  ): Promise<Lease | undefined> {
    try {
      const out = await this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: { pk: s(LEASE_PK), sk: s(target) },
          UpdateExpression: update,
          ConditionExpression: condition,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return out.Attributes ? leaseFromItem(out.Attributes) : undefined;
    } catch (error) {
      if (conditionFailed(error)) return undefined;
      throw error;
    }
  }
}
