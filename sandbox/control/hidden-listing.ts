/**
 * Listing drift (POST /_sandbox/drift {"kind":"hide-services"} / {"kind":"show-services"}): ListServices answers
 * with an empty, successful page while DescribeServices, ListTasks and everything else still see the services.
 * It models the failure the sanity guard exists for: a read that "succeeds" with nothing (an eventually
 * consistent listing, a wrong region or account behind a proxy), which no error code warns about.
 */
import { AwsError } from '../core/errors.js';
import type { OperationHandler } from '../core/types.js';
import type { EcsEmulator } from '../ecs/index.js';

export interface ListingDriftRequest {
  kind: 'hide-services' | 'show-services';
  /** Only this cluster's listing (name or ARN); default: every cluster. */
  cluster?: string;
}

const HIDE_KIND = 'hide-services';
const SHOW_KIND = 'show-services';

/** Is this drift request one of the listing kinds handled here? */
export function isListingDrift(body: unknown): body is ListingDriftRequest {
  const kind = (body as { kind?: unknown } | undefined)?.kind;
  return kind === HIDE_KIND || kind === SHOW_KIND;
}

interface HiddenState {
  original: OperationHandler;
  /** Cluster names or ARNs hidden; "*" hides all. */
  clusters: Set<string>;
}

const hiddenByEmulator = new WeakMap<EcsEmulator, HiddenState>();

/** A cluster name from a name or an ARN. */
function clusterName(ref: string): string {
  return ref.includes('/') ? ref.slice(ref.lastIndexOf('/') + 1) : ref;
}

function clusterOf(input: Record<string, any>): string {
  return clusterName(typeof input.cluster === 'string' && input.cluster.length > 0 ? input.cluster : 'default');
}

/**
 * Hides (or shows again) the services of one or every cluster from ListServices by wrapping the emulator's
 * handler; showing the last hidden cluster restores the original handler, so existing behaviour is untouched.
 */
export function applyListingDrift(ecs: EcsEmulator, request: ListingDriftRequest): Record<string, unknown> {
  const operations = ecs.service.operations;
  let state = hiddenByEmulator.get(ecs);
  const target = request.cluster ? clusterName(request.cluster) : '*';
  if (request.cluster !== undefined && (typeof request.cluster !== 'string' || request.cluster.length === 0)) {
    throw new AwsError(
      'InvalidInput',
      `${request.kind} drift: "cluster" must be a cluster name or ARN (omit it for every cluster).`,
      400,
    );
  }
  if (request.kind === HIDE_KIND) {
    if (target !== '*' && !ecs.state.clusters.has(target)) {
      throw new AwsError('InvalidInput', `hide-services drift: cluster ${target} does not exist.`, 400);
    }
    if (!state) {
      const original = operations.ListServices;
      const created: HiddenState = { original, clusters: new Set() };
      operations.ListServices = (input, context) => {
        if (created.clusters.has('*') || created.clusters.has(clusterOf(input ?? {}))) {
          // Still validate the cluster as ECS would, then answer "nothing here".
          const result = original(input, context);
          return result instanceof Promise ? result.then(() => ({ serviceArns: [] })) : { serviceArns: [] };
        }
        return original(input, context);
      };
      hiddenByEmulator.set(ecs, created);
      state = created;
    }
    state.clusters.add(target);
  } else if (state) {
    if (target === '*') state.clusters.clear();
    else state.clusters.delete(target);
    if (state.clusters.size === 0) {
      operations.ListServices = state.original;
      hiddenByEmulator.delete(ecs);
      state = undefined;
    }
  }
  return { kind: request.kind, hiddenClusters: state ? [...state.clusters].sort() : [] };
}
