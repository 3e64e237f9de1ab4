/**
 * Multi-target reads: policies name a region and optionally a role to assume. Policies sharing a target
 * share one read; each target gets clients of its own (assumed-role credentials refreshed before expiry).
 */
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { Inventory } from '../inventory/model.js';
import type { Policy } from '../policy/types.js';
import { systemClock } from '../util/clock.js';
import { createAwsClients, type AwsClientOptions, type AwsClients, type AwsCredentials } from './clients.js';
import { readInventory } from './inventory-reader.js';
import type { ReadOptions } from './read-context.js';

/** Where a group of policies reads and acts: a region, and a role when the account is not the controller's. */
export interface ReadTarget {
  /** "region" or "region|roleArn"; stable, used to group policies. */
  key: string;
  region: string;
  roleArn?: string;
  /** True for the controller's own region and credentials. */
  isDefault: boolean;
}

export interface TargetInventory {
  target: ReadTarget;
  policies: Policy[];
  inventory: Inventory;
}

/** The target a policy acts on, given the controller's own region. */
export function targetOf(policy: Policy, defaultRegion: string): ReadTarget {
  const region = policy.target.region ?? defaultRegion;
  const roleArn = policy.target.roleArn;
  return {
    key: roleArn ? `${region}|${roleArn}` : region,
    region,
    ...(roleArn ? { roleArn } : {}),
    isDefault: region === defaultRegion && !roleArn,
  };
}

/** Policies grouped by target, the controller's own target first. */
export function groupByTarget(
  policies: readonly Policy[],
  defaultRegion: string,
): { target: ReadTarget; policies: Policy[] }[] {
  const groups = new Map<string, { target: ReadTarget; policies: Policy[] }>();
  for (const policy of policies) {
    const target = targetOf(policy, defaultRegion);
    let group = groups.get(target.key);
    if (!group) groups.set(target.key, (group = { target, policies: [] }));
    group.policies.push(policy);
  }
  return [...groups.values()].sort(
    (a, b) => Number(b.target.isDefault) - Number(a.target.isDefault) || a.target.key.localeCompare(b.target.key),
  );
}

/** Refresh assumed-role credentials this long before they expire, so no call is signed with stale ones. */
const REFRESH_BEFORE_EXPIRY_MS = 5 * 60_000;

/**
 * Credentials of an assumed role, fetched with STS AssumeRole on first use and again shortly before they
 * expire; concurrent callers share one AssumeRole call.
 */
export function assumeRoleCredentials(
  roleArn: string,
  options: { region: string; endpoint?: string; sessionName?: string; now?: () => number; sts?: STSClient },
): AwsCredentials {
  const sts =
    options.sts ??
    new STSClient({ region: options.region, ...(options.endpoint ? { endpoint: options.endpoint } : {}) });
  const now = options.now ?? systemClock.now;
  type Identity = { accessKeyId: string; secretAccessKey: string; sessionToken?: string; expiration?: Date };
  let cached: Identity | undefined;
  let inFlight: Promise<Identity> | undefined;
  const fresh = (id: Identity | undefined) =>
    id !== undefined && (id.expiration === undefined || id.expiration.getTime() - now() > REFRESH_BEFORE_EXPIRY_MS);
  return async () => {
    if (fresh(cached)) return cached!;
    inFlight ??= (async () => {
      try {
        const out = await sts.send(
          new AssumeRoleCommand({
            RoleArn: roleArn,
            RoleSessionName: options.sessionName ?? 'ecs-discovery-controller',
            DurationSeconds: 3600,
          }),
        );
        const c = out.Credentials;
        if (!c?.AccessKeyId || !c.SecretAccessKey)
          throw new Error(`STS AssumeRole of ${roleArn} returned no credentials`);
        cached = {
          accessKeyId: c.AccessKeyId,
          secretAccessKey: c.SecretAccessKey,
          sessionToken: c.SessionToken,
          ...(c.Expiration ? { expiration: c.Expiration } : {}),
        };
        return cached;
      } finally {
        inFlight = undefined;
      }
    })();
    return inFlight;
  };
}

/** Clients for a target: the default ones for the controller's own target, new ones otherwise. */
export function clientsForTarget(
  defaults: AwsClients,
  target: ReadTarget,
  base: AwsClientOptions = {},
): { clients: AwsClients; owned: boolean } {
  if (target.isDefault) return { clients: defaults, owned: false };
  const credentials = target.roleArn
    ? assumeRoleCredentials(target.roleArn, {
        region: target.region,
        ...(base.endpoint ? { endpoint: base.endpoint } : {}),
      })
    : base.credentials;
  // Quotas are per account and region: the target gets token buckets of its own (base.pacing's rates), never another target's.
  const { pacer: _shared, ...own } = base;
  return {
    clients: createAwsClients({ ...own, region: target.region, ...(credentials ? { credentials } : {}) }),
    owned: true,
  };
}

/**
 * Reads one inventory per target, one target after another (each read is already concurrent inside).
 * A target whose credentials cannot be obtained yields an inventory whose account-scope read error says
 * so, never a silently empty one.
 */
export async function readInventories(
  defaults: AwsClients,
  policies: readonly Policy[],
  options: ReadOptions & { clientOptions?: AwsClientOptions } = {},
): Promise<TargetInventory[]> {
  const out: TargetInventory[] = [];
  for (const group of groupByTarget(policies, defaults.region)) {
    const { clients, owned } = clientsForTarget(defaults, group.target, options.clientOptions);
    try {
      if (group.target.roleArn) options.onProgress?.(`target ${group.target.region} as ${group.target.roleArn}`);
      out.push({ ...group, inventory: await readInventory(clients, group.policies, options) });
    } finally {
      if (owned) clients.destroy();
    }
  }
  return out;
}
