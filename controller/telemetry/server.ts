import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from './logger.js';
import type { ControllerMetrics } from './metrics.js';
import { redactRoleArns } from './redact.js';

/** Answer of the readiness provider: ready, or not ready with a reason a person can act on. */
export type Readiness = { ready: true } | { ready: false; reason: string };

/** Where to listen and the callbacks that answer each endpoint. */
export interface TelemetryServerOptions {
  /** "host:port", ":port" (all interfaces) or "port"; default ":9464". */
  address?: string;
  metrics: ControllerMetrics;
  logger: Logger;
  /** Decides /readyz; see `reconcileReadiness` for the controller's rule. */
  readiness: () => Readiness;
  /** Body of /status (policies with revision, conditions, drift counts, recent actions). */
  status: () => unknown;
  /** --status-redact: /status (and /readyz's reason) carry no IAM role ARNs. */
  redactStatus?: boolean;
  /** Connection limits; the defaults suit one scraper and a health check. */
  limits?: Partial<ServerLimits>;
}

/**
 * The server is reachable by whatever can reach the task: a client that opens many connections, or sends
 * headers a byte a minute (slowloris), must not exhaust the process or hold /healthz hostage.
 */
export interface ServerLimits {
  maxConnections: number;
  /** Time to receive the complete request headers. */
  headersTimeoutMs: number;
  /** Time to receive the whole request. */
  requestTimeoutMs: number;
}

export const DEFAULT_SERVER_LIMITS: ServerLimits = {
  maxConnections: 64,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
};

/** A running telemetry server. */
export interface TelemetryServer {
  /** Base URL, e.g. http://127.0.0.1:9464. */
  url: string;
  port: number;
  close(): Promise<void>;
}

export const DEFAULT_METRICS_ADDRESS = ':9464';

/** Parses a --metrics-addr value ("host:port", ":port", "[::1]:port" or "port"); throws on anything else. */
export function parseListenAddress(address: string): { host?: string; port: number } {
  const match = /^(?:(\[[^\]]+\]|[^:]*):)?(\d{1,5})$/.exec(address.trim());
  const port = match ? Number(match[2]) : NaN;
  if (!match || port > 65535) {
    throw new Error(`invalid listen address "${address}": expected "host:port", ":port" or "port" (e.g. ":9464")`);
  }
  const host = match[1]?.replace(/^\[|\]$/g, '');
  return host ? { host, port } : { port };
}

/**
 * The controller's readiness rule: policies are loaded and the last successful reconcile is not older than
 * three resync periods (so one slow or failed run does not flap the pod, but a stuck loop does).
 */
export function reconcileReadiness(input: {
  policiesLoaded: boolean;
  lastSuccessfulReconcileAt: number | undefined;
  resyncPeriodMs: number;
  now: number;
}): Readiness {
  if (!input.policiesLoaded) return { ready: false, reason: 'no valid policy set has been loaded yet' };
  if (input.lastSuccessfulReconcileAt === undefined) return { ready: false, reason: 'no reconcile has succeeded yet' };
  const ageMs = input.now - input.lastSuccessfulReconcileAt;
  if (ageMs > 3 * input.resyncPeriodMs) {
    return {
      ready: false,
      reason: `last successful reconcile was ${Math.round(ageMs / 1000)}s ago, over three resync periods (${Math.round((3 * input.resyncPeriodMs) / 1000)}s)`,
    };
  }
  return { ready: true };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`${JSON.stringify(body, null, 2)}\n`);
}

async function route(req: IncomingMessage, res: ServerResponse, options: TelemetryServerOptions): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  switch (path) {
    case '/metrics': {
      const { contentType, body } = await options.metrics.exposition();
      res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
      res.end(body);
      return;
    }
    case '/healthz':
      sendJson(res, 200, { status: 'ok' });
      return;
    case '/readyz': {
      const readiness = options.readiness();
      if (readiness.ready) sendJson(res, 200, { status: 'ready' });
      // The reason may name a target's role (controller.readiness): redacted like /status.
      else
        sendJson(res, 503, {
          status: 'not-ready',
          reason: options.redactStatus ? redactRoleArns(readiness.reason) : readiness.reason,
        });
      return;
    }
    case '/status':
      sendJson(res, 200, options.redactStatus ? redactRoleArns(options.status()) : options.status());
      return;
    default:
      sendJson(res, 404, { error: `no such endpoint ${path}; try /metrics, /healthz, /readyz or /status` });
  }
}

/** Starts the HTTP server for /metrics, /healthz, /readyz and /status. */
export async function startTelemetryServer(options: TelemetryServerOptions): Promise<TelemetryServer> {
  const { host, port } = parseListenAddress(options.address ?? DEFAULT_METRICS_ADDRESS);
  const limits = { ...DEFAULT_SERVER_LIMITS, ...options.limits };
  const server: Server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      // How often Node checks those timeouts (default 30 s, longer than the limits themselves).
      connectionsCheckingInterval: Math.max(10, Math.min(1_000, Math.floor(limits.headersTimeoutMs / 2))),
    },
    (req, res) => {
      route(req, res, options).catch((error: unknown) => {
        options.logger.error({ err: error, path: req.url }, 'telemetry endpoint failed');
        if (!res.headersSent) sendJson(res, 500, { error: 'internal error; see the controller log' });
        else res.destroy();
      });
    },
  );
  // Scrapers keep connections alive; without this close() would wait for their idle sockets.
  server.keepAliveTimeout = 5_000;
  // Beyond this, new connections are closed at once (existing ones, such as the health check, keep working).
  server.maxConnections = limits.maxConnections;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  const urlHost =
    bound.family === 'IPv6'
      ? `[${bound.address === '::' ? '::1' : bound.address}]`
      : bound.address === '0.0.0.0'
        ? '127.0.0.1'
        : bound.address;
  options.logger.info({ address: `${bound.address}:${bound.port}` }, 'telemetry server listening');
  return {
    url: `http://${urlHost}:${bound.port}`,
    port: bound.port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeIdleConnections();
      }),
  };
}
