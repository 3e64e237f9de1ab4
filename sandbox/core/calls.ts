import type { IncomingMessage } from 'node:http';

/** One request in the call log: who (the SDK user-agent's app id, e.g. a replica id), where and when. */
export interface CallRecord {
  /** Real time (ms) the request arrived, and when its response was sent. */
  at: number;
  finishedAt?: number;
  operation: string;
  /** `app/<id>` of the user-agent (the SDK's userAgentAppId), if any. */
  caller?: string;
  /** The region the request was signed for (AWS SigV4 credential scope). */
  region?: string;
  status?: number;
  /** DynamoDB writes of a lease row that change its owner: the lease (target) and the owner it sets (null: released). */
  lease?: { target: string; owner: string | null };
}

/**
 * The lease change a DynamoDB request body asks for, if it writes a lease row's owner (pk "lease"): lets tests
 * rebuild who held which lease when from the call log alone.
 */
export function leaseChange(body: string): CallRecord['lease'] {
  try {
    const input = JSON.parse(body) as {
      Key?: Record<string, { S?: string }>;
      UpdateExpression?: string;
      ExpressionAttributeValues?: Record<string, { S?: string }>;
    };
    if (input.Key?.pk?.S !== 'lease' || !input.Key.sk?.S || !input.UpdateExpression) return undefined;
    const set = /SET\s+leaseOwner\s*=\s*(:\w+)/.exec(input.UpdateExpression);
    if (set) return { target: input.Key.sk.S, owner: input.ExpressionAttributeValues?.[set[1]]?.S ?? null };
    if (/REMOVE\s+leaseOwner/.test(input.UpdateExpression)) return { target: input.Key.sk.S, owner: null };
  } catch {
    // not JSON: dynalite answers with its own error
  }
  return undefined;
}

/** The newest calls the log keeps (bounded memory under benchmarks). */
const LOG_LIMIT = 50_000;

/** Caller and region of a request, from its user-agent and Authorization headers. */
export function describeCaller(req: IncomingMessage): { caller?: string; region?: string } {
  const agent = `${req.headers['x-amz-user-agent'] ?? ''} ${req.headers['user-agent'] ?? ''}`;
  const caller = /(?:^|\s)app\/([^\s]+)/.exec(agent)?.[1];
  const region = /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(String(req.headers.authorization ?? ''))?.[1];
  return { ...(caller ? { caller } : {}), ...(region ? { region } : {}) };
}

/** Counts requests per "service:Operation" since start or the last reset (GET/DELETE /_sandbox/calls), and logs them (GET /_sandbox/calls/log). */
export class CallCounter {
  private counts = new Map<string, number>();
  private entries: CallRecord[] = [];

  record(operation: string, details?: Omit<CallRecord, 'operation' | 'at'>): CallRecord {
    this.counts.set(operation, (this.counts.get(operation) ?? 0) + 1);
    const entry: CallRecord = { at: Date.now(), operation, ...details };
    this.entries.push(entry);
    if (this.entries.length > LOG_LIMIT) this.entries.splice(0, this.entries.length - LOG_LIMIT);
    return entry;
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }

  /** The logged calls, oldest first. */
  log(): CallRecord[] {
    return this.entries.map((e) => ({ ...e }));
  }

  total(): number {
    let sum = 0;
    for (const n of this.counts.values()) sum += n;
    return sum;
  }

  reset(): void {
    this.counts.clear();
    this.entries = [];
  }
}
