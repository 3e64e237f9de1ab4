import { randomBytes } from 'node:crypto';

const LOWER_ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** Random lowercase alphanumeric string, the alphabet of Cloud Map resource ids. */
export function randomLowerAlnum(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  // 252 = 7 * 36: reject the top bytes so every character is equally likely.
  for (let i = 0; out.length < length; i++) {
    const byte = i < bytes.length ? bytes[i] : randomBytes(1)[0];
    if (byte < 252) out += LOWER_ALNUM[byte % 36];
  }
  return out;
}

/** A namespace id in AWS's form: "ns-" and 16 lowercase alphanumerics. */
export function newNamespaceId(): string {
  return `ns-${randomLowerAlnum(16)}`;
}

/** A service id in AWS's form: "srv-" and 16 lowercase alphanumerics. */
export function newServiceId(): string {
  return `srv-${randomLowerAlnum(16)}`;
}

/** An operation id shaped like AWS's ("gv4g5meo7ndmeh4fqskygvk23d2fijwa-k9302yzd"). */
export function newOperationId(): string {
  return `${randomLowerAlnum(32)}-${randomLowerAlnum(8)}`;
}

/** A Route 53 hosted zone id ("Z" and 13 uppercase alphanumerics) for DNS namespaces. */
export function newHostedZoneId(): string {
  return `Z${randomLowerAlnum(13).toUpperCase()}`;
}

/** ARN builders and parsers for the two taggable Cloud Map resource kinds. */
export function namespaceArn(region: string, account: string, id: string): string {
  return `arn:aws:servicediscovery:${region}:${account}:namespace/${id}`;
}

/** The ARN of a Cloud Map service. */
export function serviceArn(region: string, account: string, id: string): string {
  return `arn:aws:servicediscovery:${region}:${account}:service/${id}`;
}

/** Splits a servicediscovery ARN into its resource kind and id; undefined when it is not one. */
export function parseArn(
  arn: string,
): { kind: 'namespace' | 'service'; id: string; region: string; account: string } | undefined {
  const match = /^arn:aws[a-z-]*:servicediscovery:([a-z0-9-]+):(\d{12}):(namespace|service)\/([A-Za-z0-9-]+)$/.exec(
    arn,
  );
  if (!match) return undefined;
  return { region: match[1], account: match[2], kind: match[3] as 'namespace' | 'service', id: match[4] };
}
