/**
 * Container stop timeouts (ContainerDefinition.stopTimeout, ECS API reference): "Time duration (in seconds) to
 * wait before the container is forcefully killed if it doesn't exit normally on its own. For tasks that use the
 * Fargate launch type, the max stop timeout value is 120 seconds and if the parameter is not specified, the
 * default value of 30 seconds is used. [...] The valid values for Fargate are 2-120 seconds."
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerDefinition.html
 * On EC2 an unset stopTimeout falls back to the agent's ECS_CONTAINER_STOP_TIMEOUT, itself 30 s by default.
 */
import type { TaskDefinition } from './model.js';

/** The stop timeout of a container that sets none (Fargate; the EC2 agent's default too). */
export const DEFAULT_STOP_TIMEOUT_SECONDS = 30;
/** Fargate's valid range of stopTimeout. */
export const FARGATE_STOP_TIMEOUT_SECONDS = { min: 2, max: 120 } as const;

/** A container's stopTimeout as registered, or undefined when it sets none. */
export function explicitStopTimeout(container: Record<string, unknown>): number | undefined {
  const value = container.stopTimeout;
  return typeof value === 'number' ? value : undefined;
}

/** The container of a task definition that is killed first after SIGTERM: the shortest effective stop timeout. */
export function shortestStopTimeout(definition: TaskDefinition): {
  container: string;
  seconds: number;
  explicit: boolean;
} {
  let shortest: { container: string; seconds: number; explicit: boolean } | undefined;
  for (const container of definition.containerDefinitions) {
    const explicit = explicitStopTimeout(container);
    const seconds = explicit ?? DEFAULT_STOP_TIMEOUT_SECONDS;
    if (!shortest || seconds < shortest.seconds)
      shortest = { container: String(container.name), seconds, explicit: explicit !== undefined };
  }
  return shortest ?? { container: '', seconds: DEFAULT_STOP_TIMEOUT_SECONDS, explicit: false };
}

/**
 * How long a stopping task of this definition stays in STOPPING (SIGTERM sent, containers not yet killed), in ms,
 * when a container sets stopTimeout: the longest one, as ECS waits for every container up to its own timeout. Undefined
 * when none sets it: the sandbox's stop delay then stands in for the whole stop (see tasks.ts).
 */
export function stoppingSpanMs(definition: TaskDefinition): number | undefined {
  const explicit = definition.containerDefinitions.map(explicitStopTimeout).filter((s): s is number => s !== undefined);
  return explicit.length ? Math.max(...explicit) * 1000 : undefined;
}
