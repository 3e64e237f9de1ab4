/**
 * `--state dynamodb://TABLE`: the state store in one DynamoDB table (string keys `pk` and `sk`, TTL attribute
 * `ttl`). Lease rows (dynamodb-leases.ts) also carry the target's pending journal entries, so an intent and
 * its outcome are conditional updates of the lease row: a replica that lost the lease cannot write either.
 * Finished entries are copied to their own items, which the table's TTL expires. Grace clocks, ownership
 * evidence and counters are items under the target's partition keys.
 */
import {
  BatchWriteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';
import { systemSleep } from '../util/clock.js';
import { conditionFailed, DynamoLeases, LEASE_PK } from './dynamodb-leases.js';
import { JOURNAL_RETENTION_MS } from './memory.js';
import { FenceLostError, type Fence, type JournalEntry, type OwnershipEvidence, type StateStore } from './types.js';

const n = (value: number): AttributeValue => ({ N: String(value) });
const s = (value: string): AttributeValue => ({ S: value });
const ttlSeconds = (atMs: number): AttributeValue => n(Math.ceil((atMs + JOURNAL_RETENTION_MS) / 1000));
/** Partition key of one kind of a target's items. */
const part = (target: string, kind: string): AttributeValue => s(`${kind}#${target}`);
/** BatchWriteItem takes at most 25 requests. */
const BATCH = 25;

/** The DynamoDB actions this store sends: the IAM policies grant exactly these (test/manifests/iam-vs-code). */
export const DYNAMODB_ACTIONS = [
  'dynamodb:BatchWriteItem',
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:Query',
  'dynamodb:UpdateItem',
] as const;

/** The DynamoDB-backed state store. */
export class DynamoStateStore implements StateStore {
  readonly description: string;
  readonly leases: DynamoLeases;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
  ) {
    this.description = `dynamodb://${table}`;
    this.leases = new DynamoLeases(client, table);
  }

  async graceClocks(target: string): Promise<Map<string, number>> {
    const clocks = new Map<string, number>();
    for (const item of await this.query(part(target, 'grace'))) clocks.set(item.sk.S!, Number(item.firstSeen.N));
    return clocks;
  }

  async updateGraceClocks(target: string, set: ReadonlyMap<string, number>, removed: readonly string[]): Promise<void> {
    const pk = part(target, 'grace');
    const requests: WriteRequest[] = [
      ...removed.map((key) => ({ DeleteRequest: { Key: { pk, sk: s(key) } } })),
      ...[...set].map(([key, at]) => ({ PutRequest: { Item: { pk, sk: s(key), firstSeen: n(at) } } })),
    ];
    await this.batchWrite(requests);
  }

  async evidence(target: string): Promise<Map<string, OwnershipEvidence>> {
    const evidence = new Map<string, OwnershipEvidence>();
    for (const item of await this.query(part(target, 'evidence'))) {
      evidence.set(item.sk.S!, {
        serviceId: item.sk.S!,
        ...(item.namespaceId?.S ? { namespaceId: item.namespaceId.S } : {}),
        firstSeenAt: Number(item.firstSeenAt.N),
        lastSeenAt: Number(item.lastSeenAt.N),
        ...(item.source?.S ? { source: item.source.S } : {}),
        ...(item.ecsServices?.S
          ? { ecsServices: JSON.parse(item.ecsServices.S) as { cluster: string; service: string }[] }
          : {}),
      });
    }
    return evidence;
  }

  async recordEvidence(target: string, items: readonly OwnershipEvidence[]): Promise<void> {
    for (const item of items) {
      // if_not_exists keeps the first sighting of whichever replica saw the service first.
      const sets = ['firstSeenAt = if_not_exists(firstSeenAt, :first)', 'lastSeenAt = :last'];
      const values: Record<string, AttributeValue> = { ':first': n(item.firstSeenAt), ':last': n(item.lastSeenAt) };
      if (item.namespaceId) (sets.push('namespaceId = :ns'), (values[':ns'] = s(item.namespaceId)));
      if (item.source) (sets.push('#source = :source'), (values[':source'] = s(item.source)));
      if (item.ecsServices)
        (sets.push('ecsServices = :names'), (values[':names'] = s(JSON.stringify(item.ecsServices))));
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: { pk: part(target, 'evidence'), sk: s(item.serviceId) },
          UpdateExpression: `SET ${sets.join(', ')}`,
          ...(item.source ? { ExpressionAttributeNames: { '#source': 'source' } } : {}),
          ExpressionAttributeValues: values,
        }),
      );
    }
  }

  async journalIntent(fence: Fence, entry: JournalEntry): Promise<void> {
    await this.fenced(fence, 'SET #pending.#id = :entry', { '#id': entry.id }, { ':entry': s(JSON.stringify(entry)) });
  }

  async journalOutcome(
    fence: Fence,
    id: string,
    outcome: NonNullable<JournalEntry['outcome']>,
    operationId?: string,
  ): Promise<void> {
    const pending = (await this.pendingJournal(fence.target)).find((e) => e.id === id);
    if (!pending) return;
    const entry: JournalEntry = { ...pending, outcome, ...(operationId ? { operationId } : {}) };
    // The outcome is first written on the lease row under the fence, so a replica that lost the lease writes
    // nothing, not even the finished copy below.
    await this.fenced(fence, 'SET #pending.#id = :entry', { '#id': id }, { ':entry': s(JSON.stringify(entry)) });
    if (outcome.result === 'submitted') return;
    // Then the finished copy, then the pending entry goes: a crash in between leaves a finished entry pending,
    // which the next settle copies again (same key) and removes.
    await this.client.send(
      new PutItemCommand({
        TableName: this.table,
        Item: {
          pk: part(fence.target, 'journal'),
          sk: s(`${String(entry.intentAt).padStart(15, '0')}#${id}`),
          entry: s(JSON.stringify(entry)),
          ttl: ttlSeconds(outcome.at),
        },
      }),
    );
    await this.fenced(fence, 'REMOVE #pending.#id', { '#id': id }, {});
  }

  async pendingJournal(target: string): Promise<JournalEntry[]> {
    const out = await this.client.send(
      new GetItemCommand({ TableName: this.table, Key: { pk: s(LEASE_PK), sk: s(target) }, ConsistentRead: true }),
    );
    const pending = out.Item?.pending?.M ?? {};
    return Object.values(pending)
      .map((v) => JSON.parse(v.S!) as JournalEntry)
      .sort((a, b) => a.intentAt - b.intentAt);
  }

  async recentJournal(target: string, since: number): Promise<JournalEntry[]> {
    const items = await this.query(part(target, 'journal'), { op: '>=', value: String(since).padStart(15, '0') });
    return items.map((item) => JSON.parse(item.entry.S!) as JournalEntry);
  }

  async addToCounter(
    target: string,
    name: string,
    windowStart: number,
    amount: number,
    limit: number,
  ): Promise<{ added: boolean; count: number }> {
    try {
      const out = await this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: { pk: part(target, 'counter'), sk: s(`${name}#${windowStart}`) },
          UpdateExpression: 'ADD #count :amount SET #ttl = :ttl',
          ConditionExpression: 'attribute_not_exists(#count) OR #count <= :max',
          ExpressionAttributeNames: { '#count': 'count', '#ttl': 'ttl' },
          ExpressionAttributeValues: {
            ':amount': n(amount),
            ':max': n(limit - amount),
            ':ttl': ttlSeconds(windowStart),
          },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return { added: true, count: Number(out.Attributes?.count?.N ?? amount) };
    } catch (error) {
      if (!conditionFailed(error)) throw error;
      return { added: false, count: await this.counter(target, name, windowStart) };
    }
  }

  async counter(target: string, name: string, windowStart: number): Promise<number> {
    const out = await this.client.send(
      new GetItemCommand({
        TableName: this.table,
        Key: { pk: part(target, 'counter'), sk: s(`${name}#${windowStart}`) },
        ConsistentRead: true,
      }),
    );
    return Number(out.Item?.count?.N ?? 0);
  }

  async postKeys(target: string, keys: readonly string[], at: number): Promise<void> {
    await this.client.send(
      new PutItemCommand({
        TableName: this.table,
        Item: {
          pk: part(target, 'inbox'),
          sk: s(`${String(at).padStart(15, '0')}#${randomUUID()}`),
          keys: s(JSON.stringify(keys)),
          ttl: ttlSeconds(at),
        },
      }),
    );
  }

  async takeKeys(target: string): Promise<string[]> {
    const items = await this.query(part(target, 'inbox'));
    if (items.length === 0) return [];
    await this.batchWrite(items.map((item) => ({ DeleteRequest: { Key: { pk: item.pk, sk: item.sk } } })));
    return items.flatMap((item) => JSON.parse(item.keys.S!) as string[]);
  }

  close(): void {
    this.client.destroy();
  }

  /** An update of the lease row that only its current holder (owner and fencing token) can make. */
  private async fenced(
    fence: Fence,
    update: string,
    names: Record<string, string>,
    values: Record<string, AttributeValue>,
  ): Promise<void> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: { pk: s(LEASE_PK), sk: s(fence.target) },
          UpdateExpression: update,
          ConditionExpression: 'leaseOwner = :owner AND fencingToken = :token',
          ExpressionAttributeNames: { '#pending': 'pending', ...names },
          ExpressionAttributeValues: { ':owner': s(fence.owner), ':token': n(fence.fencingToken), ...values },
        }),
      );
    } catch (error) {
      if (conditionFailed(error)) throw new FenceLostError(fence);
      throw error;
    }
  }

  private async query(
    pk: AttributeValue,
    from?: { op: '>='; value: string },
  ): Promise<Record<string, AttributeValue>[]> {
    const items: Record<string, AttributeValue>[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: from ? 'pk = :pk AND sk >= :from' : 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk, ...(from ? { ':from': s(from.value) } : {}) },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  /** BatchWriteItem in chunks of 25, resending what DynamoDB left unprocessed (throttling) a few times. */
  // (grace clocks and the inbox)
  private async batchWrite(requests: WriteRequest[]): Promise<void> {
    for (let i = 0; i < requests.length; i += BATCH) {
      let chunk: WriteRequest[] = requests.slice(i, i + BATCH);
      for (let attempt = 0; chunk.length > 0; attempt += 1) {
        if (attempt > 0) await systemSleep(Math.min(2_000, 50 * 2 ** attempt));
        if (attempt > 8) throw new Error(`DynamoDB left ${chunk.length} writes unprocessed in ${this.table}`);
        const out = await this.client.send(new BatchWriteItemCommand({ RequestItems: { [this.table]: chunk } }));
        chunk = out.UnprocessedItems?.[this.table] ?? [];
      }
    }
  }
}
