/**
 * namespaceSoa against moto (issue #15): the policy that drives the public namespace's SOA, and what moto models of a
 * DNS namespace's SOA where it differs from AWS, read through the SDK so a moto upgrade that changes it shows up
 * (sandbox/README.md, "Where moto differs from AWS").
 */
import {
  ServiceDiscoveryClient,
  CreatePublicDnsNamespaceCommand,
  GetNamespaceCommand,
  GetOperationCommand,
  ListNamespacesCommand,
  ListServicesCommand,
  UpdatePublicDnsNamespaceCommand,
} from '@aws-sdk/client-servicediscovery';
import { awsErrorCode } from '../../../controller/util/aws-error.js';
import { CLUSTER, PUBLIC_NAMESPACE } from './scenario.js';

/**
 * namespaceSoa alone on the public namespace. The service rules are off because moto's ListServices ignores its
 * NAMESPACE_ID filter: every service of the account would be read as a service of this namespace on moto only.
 */
export const PUBLIC_SOA_POLICY = `apiVersion: ecs-discovery.io/v1alpha1
kind: DiscoveryPolicy
metadata:
  name: public-soa
spec:
  mode: enforce
  target:
    clusters: [${CLUSTER}]
    namespaces: [${PUBLIC_NAMESPACE}]
  rules:
    serviceConnectRefresh: { enabled: false }
    cloudMapOrphans: { enabled: false }
    dnsTtl: { enabled: false }
    taskLimit: { enabled: false }
    namespaceSoa: { max: 60s, set: 15s }
`;

const credentials = { accessKeyId: 'judge', secretAccessKey: 'judge' };

function client(endpoint: string, region: string): ServiceDiscoveryClient {
  return new ServiceDiscoveryClient({ endpoint, region, credentials, maxAttempts: 1 });
}

/** How many services ListServices answers for a NAMESPACE_ID filter naming the namespace `name`. */
export async function servicesListedIn(endpoint: string, region: string, name: string): Promise<number> {
  const cloudMap = client(endpoint, region);
  try {
    const namespace = (await cloudMap.send(new ListNamespacesCommand({}))).Namespaces!.find((n) => n.Name === name)!;
    const { Services } = await cloudMap.send(
      new ListServicesCommand({ Filters: [{ Name: 'NAMESPACE_ID', Values: [namespace.Id!], Condition: 'EQ' }] }),
    );
    return Services?.length ?? 0;
  } finally {
    cloudMap.destroy();
  }
}

/** What a backend does with SOA changes of a fresh public namespace (created with an SOA TTL of 300 s). */
export interface SoaUpdates {
  /** The error code of a change to 2147483648 s, one above RecordTTL's maximum; undefined when accepted. */
  aboveRangeError?: string;
  /** After a valid change to 20 s has succeeded: the SOA TTL and hosted zone id GetNamespace reports. */
  soaTtl?: number;
  hostedZoneId?: string;
  /** The hosted zone id before the change. */
  hostedZoneIdBefore?: string;
}

/** Creates public namespace `name`, sends an out-of-range then a valid SOA change, and reads the namespace back. */
export async function soaUpdates(
  endpoint: string,
  region: string,
  name: string,
  settle: () => void = () => {},
): Promise<SoaUpdates> {
  const cloudMap = client(endpoint, region);
  try {
    const { OperationId } = await cloudMap.send(
      new CreatePublicDnsNamespaceCommand({ Name: name, Properties: { DnsProperties: { SOA: { TTL: 300 } } } }),
    );
    const id = (await cloudMap.send(new GetOperationCommand({ OperationId }))).Operation!.Targets!.NAMESPACE!;
    const read = async () => (await cloudMap.send(new GetNamespaceCommand({ Id: id }))).Namespace!.Properties!;
    const hostedZoneIdBefore = (await read()).DnsProperties?.HostedZoneId;
    const change = (ttl: number) =>
      cloudMap.send(
        new UpdatePublicDnsNamespaceCommand({
          Id: id,
          Namespace: { Properties: { DnsProperties: { SOA: { TTL: ttl } } } },
        }),
      );
    let aboveRangeError: string | undefined;
    await change(2_147_483_648).catch((error) => (aboveRangeError = awsErrorCode(error)));
    await change(20);
    settle();
    const after = (await read()).DnsProperties;
    return {
      ...(aboveRangeError ? { aboveRangeError } : {}),
      soaTtl: after?.SOA?.TTL,
      hostedZoneId: after?.HostedZoneId,
      hostedZoneIdBefore,
    };
  } finally {
    cloudMap.destroy();
  }
}
