/** The /_sandbox/ control API: clock, faults, drift, truth and call counters, as JSON over the sandbox's endpoint. */
import { AwsError } from '../core/errors.js';
import type { CallCounter } from '../core/calls.js';
import type { VirtualClock } from '../core/clock.js';
import type { FaultInjector, FaultSpec } from '../core/faults.js';
import type { QuotaLimiter, QuotaSpec } from '../core/quotas.js';
import type { ControlHandler } from '../core/server.js';
import type { CloudMapPort } from '../core/ports.js';
import type { EcsEmulator } from '../ecs/index.js';
import type { SandboxTruth } from '../truth/truth.js';
import { durationMs } from '../scenario/time.js';
import { injectDrift, type DriftRequest } from './drift.js';
import { applyListingDrift, isListingDrift } from './hidden-listing.js';

export interface ControlDeps {
  clock: VirtualClock;
  faults: FaultInjector;
  quotas: QuotaLimiter;
  calls: CallCounter;
  ecs: EcsEmulator;
  cloudMap: CloudMapPort;
  truth(): SandboxTruth;
  /** Extra state (url, region, account) for GET /_sandbox/info. */
  info(): Record<string, unknown>;
}

const notFound = (method: string, path: string) =>
  new AwsError('NotFound', `${method} ${path} is not a sandbox control route (see GET /_sandbox/info)`, 404);
const bad = (message: string) => new AwsError('InvalidInput', message, 400);

function advanceBy(body: any): number {
  if (typeof body?.advanceMs === 'number') return body.advanceMs;
  const text = body?.advance;
  const ms = typeof text === 'string' ? durationMs(text) : undefined;
  if (ms === undefined)
    throw bad('POST /_sandbox/clock needs {"advance": "6h"} (a duration: ms, s, m, h, d) or {"advanceMs": n}.');
  return ms;
}

/** Builds the handler startAwsServer calls for every /_sandbox/ request. */
export function createControlHandler(deps: ControlDeps): ControlHandler {
  const clockState = () => ({ now: new Date(deps.clock.now()).toISOString() });
  return (method, path, body) => {
    const route = `${method} ${path.replace(/\/+$/, '')}`;
    switch (route) {
      case 'GET /_sandbox/info':
        return {
          ...deps.info(),
          ...clockState(),
          routes: [
            'GET|POST /_sandbox/clock',
            'GET|POST|DELETE /_sandbox/faults',
            'GET|POST|DELETE /_sandbox/quotas',
            'POST /_sandbox/drift',
            'GET /_sandbox/truth',
            'GET|DELETE /_sandbox/calls',
            'GET /_sandbox/calls/log',
          ],
        };
      case 'GET /_sandbox/clock':
        return clockState();
      case 'POST /_sandbox/clock': {
        const ms = advanceBy(body);
        if (!(ms >= 0)) throw bad('the clock only moves forward');
        deps.clock.advance(ms);
        deps.ecs.settle();
        return clockState();
      }
      case 'GET /_sandbox/faults':
        return { faults: deps.faults.list() };
      case 'POST /_sandbox/faults':
        deps.faults.add(body as FaultSpec);
        return { faults: deps.faults.list() };
      case 'DELETE /_sandbox/faults':
        deps.faults.clear();
        return { faults: [] };
      case 'GET /_sandbox/quotas':
        return { quotas: deps.quotas.list() };
      case 'POST /_sandbox/quotas':
        // {"service": "ecs", "rate": 20, "burst": 50}: a full bucket, counters from zero.
        deps.quotas.set(body as QuotaSpec);
        return { quotas: deps.quotas.list() };
      case 'DELETE /_sandbox/quotas':
        deps.quotas.clear();
        return { quotas: {} };
      case 'POST /_sandbox/drift':
        deps.ecs.settle();
        if (isListingDrift(body)) return applyListingDrift(deps.ecs, body);
        return injectDrift(deps.ecs.state, deps.cloudMap, body as DriftRequest);
      case 'GET /_sandbox/truth':
        deps.ecs.settle();
        return deps.truth();
      case 'GET /_sandbox/calls':
        return deps.calls.snapshot();
      case 'GET /_sandbox/calls/log':
        return { calls: deps.calls.log() };
      case 'DELETE /_sandbox/calls':
        deps.calls.reset();
        return {};
      default:
        throw notFound(method, path);
    }
  };
}
