/**
 * The event buses of one account and Region: the default bus (ECS's events arrive there) and custom buses made with
 * CreateEventBus. A bus is named by name or ARN in every call that takes EventBusName.
 */
import { AwsError } from '../../core/errors.js';
import type { SqsPort } from '../../core/ports.js';
import type { SandboxContext } from '../../core/types.js';
import { EventBus, type RoutingStats } from './bus.js';

export class EventBuses {
  readonly stats: RoutingStats = { published: 0, matched: 0, delivered: 0, dropped: 0 };
  readonly default: EventBus;
  private readonly byName = new Map<string, EventBus>();

  constructor(
    private readonly ctx: SandboxContext,
    private readonly sqs: SqsPort,
  ) {
    this.default = this.add('default');
  }

  private add(name: string): EventBus {
    const bus = new EventBus(this.ctx, this.sqs, name, this.stats, this.ctx.clock.now());
    this.byName.set(name, bus);
    return bus;
  }

  /** The bus a request names (none: the default bus), or ResourceNotFoundException. */
  resolve(nameOrArn: unknown): EventBus {
    if (nameOrArn === undefined || nameOrArn === null) return this.default;
    const text = String(nameOrArn);
    const name = text.startsWith('arn:') ? /:event-bus\/(.+)$/.exec(text)?.[1] : text;
    const bus = name === undefined ? undefined : this.byName.get(name);
    if (!bus || (text.startsWith('arn:') && text !== bus.arn))
      throw new AwsError('ResourceNotFoundException', `Event bus ${text} does not exist.`);
    return bus;
  }

  /** CreateEventBus: a new custom bus; ResourceAlreadyExistsException for a taken name (default included). */
  create(name: string): EventBus {
    if (this.byName.has(name))
      throw new AwsError('ResourceAlreadyExistsException', `Event bus ${name} already exists.`);
    return this.add(name);
  }

  /**
   * DeleteEventBus: removes a custom bus and its rules ("Deleting an event bus deletes the rules associated with that
   * event bus", https://docs.aws.amazon.com/eventbridge/latest/userguide/event-bus-delete.html); "You can't delete
   * your account's default event bus" (API_DeleteEventBus); an unknown name is a no-op.
   */
  delete(name: string): void {
    if (name === 'default') throw new AwsError('ValidationException', 'Cannot delete event bus default.');
    this.byName.delete(name);
  }

  /** Every bus, by name. */
  list(): EventBus[] {
    return [...this.byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  }
}
