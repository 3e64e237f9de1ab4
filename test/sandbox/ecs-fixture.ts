/** Starts a sandbox on a free port with real SDK clients pointed at it, for the ECS, control and scenario tests. */
import { ECSClient, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../sandbox/index.js';

export interface EcsFixture {
  sandbox: Sandbox;
  ecs: ECSClient;
  cloudMap: ServiceDiscoveryClient;
  close(): Promise<void>;
}

/** A deterministic random source (mulberry32), so task ids and fault rolls repeat run to run. */
export function seededRandom(seed = 42): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function startEcsFixture(options: SandboxOptions = {}): Promise<EcsFixture> {
  // A long tick keeps these tests deterministic: deployments progress when the test advances the clock.
  const sandbox = await startSandbox({ port: 0, random: seededRandom(), tickMs: 60_000, ...options });
  const config = {
    endpoint: sandbox.url,
    region: sandbox.region,
    credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
  };
  const ecs = new ECSClient(config);
  const cloudMap = new ServiceDiscoveryClient(config);
  return {
    sandbox,
    ecs,
    cloudMap,
    async close() {
      ecs.destroy();
      cloudMap.destroy();
      await sandbox.close();
    },
  };
}

/** Registers a one-container task definition with a named port. */
export async function registerApp(ecs: ECSClient, family = 'app'): Promise<string> {
  const { taskDefinition } = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family,
      containerDefinitions: [
        { name: 'app', image: 'nginx:latest', portMappings: [{ name: 'http', containerPort: 8080 }] },
      ],
    }),
  );
  return taskDefinition!.taskDefinitionArn!;
}
