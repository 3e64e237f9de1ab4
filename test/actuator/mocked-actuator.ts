/** An actuator whose AWS clients are stubbed (aws-sdk-client-mock), for narrow tests of its error and stop paths. */
import { mockClient } from 'aws-sdk-client-mock';
import { createAwsClients } from '../../controller/aws/clients.js';
import { Actuator } from '../../controller/actuator/actuator.js';
import { ControllerMetrics } from '../../controller/telemetry/metrics.js';
import { silentLogger } from '../../controller/telemetry/logger.js';
import { ManualClock } from '../../controller/util/clock.js';

/** The mocked actuator's clock starts here. */
export const NOW = Date.parse('2026-11-25T10:00:00Z');

/** An Actuator over real SDK clients whose ECS and Cloud Map sends aws-sdk-client-mock answers; done() restores them. */
export function mockedActuator(options: { concurrency?: number; operationTimeoutMs?: number } = {}) {
  const clients = createAwsClients({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9' });
  const ecs = mockClient(clients.ecs);
  const sd = mockClient(clients.serviceDiscovery);
  const metrics = new ControllerMetrics({ defaultMetrics: false });
  const clock = new ManualClock(NOW);
  const actuator = new Actuator({
    clients,
    logger: silentLogger(),
    clock,
    dryRun: false,
    metrics,
    operationTimeoutMs: options.operationTimeoutMs ?? 5_000,
    concurrency: options.concurrency,
  });
  return {
    clients,
    ecs,
    sd,
    metrics,
    actuator,
    clock,
    done: () => {
      ecs.restore();
      sd.restore();
      clients.destroy();
    },
  };
}
