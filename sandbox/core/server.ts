import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AwsError } from './errors.js';
import type { EmulatedService } from './types.js';
import { CallCounter, describeCaller, leaseChange } from './calls.js';
import { FaultInjector } from './faults.js';
import type { QuotaLimiter } from './quotas.js';

/** Handles /_sandbox/* requests: returns the JSON body to send, or throws AwsError for a 4xx. */
export type ControlHandler = (method: string, path: string, body: unknown, url: URL) => unknown | Promise<unknown>;

/** A service implemented by another HTTP handler (dynalite) that reads the request itself. */
export interface RawService {
  /** X-Amz-Target prefix, e.g. "DynamoDB_20120810". */
  targetPrefix: string;
  /** Name in the call counters, e.g. "dynamodb". */
  name: string;
  handle(req: IncomingMessage, res: ServerResponse): void;
}

export interface AwsServerOptions {
  services: EmulatedService[];
  rawServices?: RawService[];
  control?: ControlHandler;
  calls?: CallCounter;
  faults?: FaultInjector;
  /** Quota mode: token buckets per service (off for services without a quota). */
  quotas?: QuotaLimiter;
  host?: string;
  port?: number;
  /** Virtual time, sent in every response's Date header as AWS sends its own time (clients measure their skew by it). */
  now?: () => number;
}

export interface RunningServer {
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 16 * 1024 * 1024;

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new AwsError('RequestEntityTooLarge', 'request body over 16 MiB', 413);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  contentType: string,
  headers: Record<string, string> = {},
): void {
  const text = body === undefined ? '{}' : JSON.stringify(body);
  res.writeHead(status, { 'content-type': contentType, 'x-amzn-requestid': crypto.randomUUID(), ...headers });
  res.end(text);
}

/** Starts one HTTP endpoint that serves every emulated service over the AWS JSON protocols, routed by X-Amz-Target. */
export async function startAwsServer(options: AwsServerOptions): Promise<RunningServer> {
  const byPrefix = new Map(
    options.services.flatMap((s) =>
      [s.targetPrefix, ...(s.targetPrefixAliases ?? [])].map((prefix) => [prefix, s] as const),
    ),
  );
  const calls = options.calls ?? new CallCounter();
  const faults = options.faults ?? new FaultInjector();

  const rawByPrefix = new Map((options.rawServices ?? []).map((s) => [s.targetPrefix, s]));

  const server = createServer(async (req, res) => {
    if (options.now) {
      // Every answer, raw services' (dynalite) included, carries virtual time: Node's automatic Date is wall time.
      const now = options.now;
      const writeHead = res.writeHead.bind(res);
      res.writeHead = ((...args: Parameters<ServerResponse['writeHead']>) => {
        if (!res.headersSent) res.setHeader('date', new Date(now()).toUTCString());
        return writeHead(...args);
      }) as ServerResponse['writeHead'];
    }
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const [rawPrefix, rawOperation] = String(req.headers['x-amz-target'] ?? '').split('.');
    const raw = rawByPrefix.get(rawPrefix);
    if (raw && rawOperation) {
      // Handed over unread: the implementation parses the body and answers on its own.
      const entry = calls.record(`${raw.name}:${rawOperation}`, describeCaller(req));
      // A copy of the body as it streams by (the handler reads the request itself), for the lease log.
      const chunks: Buffer[] = [];
      if (rawOperation === 'UpdateItem') req.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('finish', () => {
        entry.status = res.statusCode;
        entry.finishedAt = Date.now();
        const lease =
          chunks.length > 0 && res.statusCode === 200 ? leaseChange(Buffer.concat(chunks).toString('utf8')) : undefined;
        if (lease) entry.lease = lease;
      });
      raw.handle(req, res);
      return;
    }
    try {
      const raw = await readBody(req);
      if (url.pathname.startsWith('/_sandbox/')) {
        if (!options.control) throw new AwsError('NotFound', 'no control API', 404);
        let body: unknown;
        try {
          body = raw.length ? JSON.parse(raw) : undefined;
        } catch {
          throw new AwsError('InvalidInput', 'control API request body is not valid JSON', 400);
        }
        const result = await options.control(req.method ?? 'GET', url.pathname, body, url);
        send(res, 200, result ?? {}, 'application/json');
        return;
      }
      const target = String(req.headers['x-amz-target'] ?? '');
      // The operation follows the last dot: CloudTrail's prefix has dots of its own (com.amazonaws.cloudtrail.v20131101.…).
      const dot = target.lastIndexOf('.');
      const [prefix, operation] = dot < 0 ? [target, undefined] : [target.slice(0, dot), target.slice(dot + 1)];
      const service = byPrefix.get(prefix);
      const contentType = `application/x-amz-json-${service?.jsonVersion ?? '1.1'}`;
      if (!service || !operation) {
        send(res, 400, { __type: 'UnknownOperationException', message: `Unknown target "${target}"` }, contentType);
        return;
      }
      const handler = service.operations[operation];
      const qualified = `${service.name}:${operation}`;
      if (!handler) {
        calls.record(qualified);
        const code = 'UnknownOperationException';
        send(
          res,
          400,
          { __type: service.errorType?.(code) ?? code, message: `${operation} is not supported` },
          contentType,
        );
        return;
      }
      const entry = calls.record(qualified, describeCaller(req));
      res.on('finish', () => {
        entry.status = res.statusCode;
        entry.finishedAt = Date.now();
      });
      try {
        // The quota first: a throttled call never reaches the fault injector or the emulator.
        options.quotas?.take(service.name, operation);
        await faults.apply(qualified, raw);
        let input: Record<string, any> = {};
        if (raw.length) {
          try {
            input = JSON.parse(raw);
          } catch {
            throw new AwsError('SerializationException', 'request body is not valid JSON');
          }
        }
        const abort = new AbortController();
        res.on('close', () => {
          if (!res.writableFinished) abort.abort();
        });
        const output = await handler(input ?? {}, { signal: abort.signal });
        send(res, 200, output ?? {}, contentType);
      } catch (error) {
        if (!(error instanceof AwsError)) throw error;
        const type = service.errorType?.(error.code) ?? error.code;
        send(
          res,
          error.status,
          { __type: type, message: error.message, Message: error.message, ...error.extra },
          contentType,
          service.errorHeaders?.(error.code, error.status) ?? {},
        );
      }
    } catch (error) {
      if (error instanceof AwsError) {
        send(res, error.status, { __type: error.code, message: error.message }, 'application/json');
        return;
      }
      // An emulator bug must look like an AWS 500 to the client (which retries), never crash the process.
      send(
        res,
        500,
        { __type: 'InternalFailure', message: `sandbox error: ${(error as Error)?.message ?? error}` },
        'application/json',
      );
    }
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 4566, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
