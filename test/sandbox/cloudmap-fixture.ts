import {
  CreateHttpNamespaceCommand,
  CreatePrivateDnsNamespaceCommand,
  GetOperationCommand,
  ServiceDiscoveryClient,
} from '@aws-sdk/client-servicediscovery';
import { VirtualClock } from '../../sandbox/core/clock.js';
import { startAwsServer, type RunningServer } from '../../sandbox/core/server.js';
import type { SandboxContext } from '../../sandbox/core/types.js';
import { createCloudMap, type CloudMapEmulator, type CloudMapOptions } from '../../sandbox/cloudmap/index.js';

export const ACCOUNT = '111122223333';
export const REGION = 'eu-west-1';
/** Where the frozen test clock starts: real time does not move it, only clock.advance(). */
export const START_MS = Date.parse('2026-03-01T12:00:00Z');

export interface CloudMapFixture {
  cm: CloudMapEmulator;
  clock: VirtualClock;
  client: ServiceDiscoveryClient;
  server: RunningServer;
  close(): Promise<void>;
}

/** Starts the Cloud Map emulator on 127.0.0.1:0 with a frozen virtual clock and a real SDK client for it. */
export async function startCloudMap(options: CloudMapOptions = {}): Promise<CloudMapFixture> {
  const clock = new VirtualClock(() => START_MS);
  const ctx: SandboxContext = { clock, account: ACCOUNT, region: REGION, events: { publish() {} } };
  const cm = createCloudMap(ctx, options);
  const server = await startAwsServer({ services: [cm.service], port: 0 });
  const client = new ServiceDiscoveryClient({
    endpoint: server.url,
    region: REGION,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
    // DiscoverInstances has the "data-" host prefix; a local endpoint has no such host.
    disableHostPrefix: true,
  });
  return {
    cm,
    clock,
    client,
    server,
    async close() {
      client.destroy();
      await server.close();
    },
  };
}

/** Creates an HTTP namespace over the API and returns its id (the sandbox's operation succeeds at once). */
export async function httpNamespace(client: ServiceDiscoveryClient, name: string): Promise<string> {
  const { OperationId } = await client.send(new CreateHttpNamespaceCommand({ Name: name }));
  const { Operation } = await client.send(new GetOperationCommand({ OperationId }));
  return Operation!.Targets!.NAMESPACE!;
}

/** Creates a private DNS namespace over the API and returns its id. */
export async function dnsNamespace(client: ServiceDiscoveryClient, name: string): Promise<string> {
  const { OperationId } = await client.send(new CreatePrivateDnsNamespaceCommand({ Name: name, Vpc: 'vpc-0abc' }));
  const { Operation } = await client.send(new GetOperationCommand({ OperationId }));
  return Operation!.Targets!.NAMESPACE!;
}
