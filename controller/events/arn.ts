/**
 * ECS ARN parsing for event mapping. ECS has two ARN formats: the long one that carries the cluster
 * (`service/CLUSTER/NAME`, `task/CLUSTER/ID`) and the old one that does not (`service/NAME`), which
 * accounts that never opted in to the new format still produce.
 */

/** `arn:aws:ecs:eu-west-1:111122223333:cluster/prod` -> `prod`; a bare name is returned unchanged. */
export function clusterNameFrom(clusterArnOrName: string): string | undefined {
  const value = clusterArnOrName.trim();
  if (value.length === 0) return undefined;
  if (!value.startsWith('arn:')) return value;
  const resource = arnResource(value);
  if (!resource?.startsWith('cluster/')) return undefined;
  const name = resource.slice('cluster/'.length);
  return name.length > 0 ? name : undefined;
}

export interface ServiceRef {
  /** Undefined for an old-format ARN, which does not name its cluster. */
  cluster?: string;
  service: string;
}

/** Parses an ECS service ARN in either format; undefined when the string is not a service ARN. */
export function parseServiceArn(arn: string): ServiceRef | undefined {
  const resource = arnResource(arn);
  if (!resource?.startsWith('service/')) return undefined;
  const parts = resource.slice('service/'.length).split('/');
  if (parts.some((p) => p.length === 0)) return undefined;
  if (parts.length === 1) return { service: parts[0] };
  if (parts.length === 2) return { cluster: parts[0], service: parts[1] };
  return undefined;
}

/** A service given by name or ARN (CloudTrail requestParameters accept both), with the cluster it names if any. */
export function serviceRefFrom(nameOrArn: string): ServiceRef | undefined {
  const value = nameOrArn.trim();
  if (value.length === 0) return undefined;
  return value.startsWith('arn:') ? parseServiceArn(value) : { service: value };
}

/** The resource part of an ARN (after the fifth colon), or undefined when it is not an ARN. */
function arnResource(arn: string): string | undefined {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return undefined;
  return parts.slice(5).join(':');
}
