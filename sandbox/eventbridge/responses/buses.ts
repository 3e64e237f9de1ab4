/** Event bus operations: CreateEventBus, DeleteEventBus, DescribeEventBus, ListEventBuses (EventBridge API reference). */
import type { OperationHandler } from '../../core/types.js';
import type { EventBus } from '../models/bus.js';
import type { EventBuses } from '../models/buses.js';
import { limit, page, validation } from './params.js';

/** CreateEventBus Name: 1 to 256 of letters, digits and /.-_ ; "aws." names belong to partner event sources. */
const BUS_NAME = /^[/.\-_A-Za-z0-9]{1,256}$/;

const view = (bus: EventBus) => ({ Name: bus.name, Arn: bus.arn, CreationTime: bus.createdAt / 1000 });

/** The event bus operations. */
export function busOperations(buses: EventBuses): Record<string, OperationHandler> {
  return {
    CreateEventBus: (input) => {
      const name = input.Name;
      if (typeof name !== 'string' || !BUS_NAME.test(name))
        throw validation(
          `Event bus name ${JSON.stringify(name)} is not valid: 1 to 256 of letters, digits, "/", ".", "-" or "_".`,
        );
      if (name.startsWith('aws.') && input.EventSourceName === undefined)
        throw validation('Event bus names starting with "aws." are for partner event sources.');
      return { EventBusArn: buses.create(name).arn };
    },
    DeleteEventBus: (input) => {
      if (typeof input.Name !== 'string' || input.Name.length === 0) throw validation('Name is required.');
      buses.delete(input.Name);
      return {};
    },
    DescribeEventBus: (input) => view(buses.resolve(input.Name)),
    ListEventBuses: (input) => {
      const prefix = typeof input.NamePrefix === 'string' ? input.NamePrefix : '';
      const { items, next } = page(
        buses.list().filter((b) => b.name.startsWith(prefix)),
        input.NextToken,
        limit(input.Limit, 100),
        'ListEventBuses',
        prefix,
      );
      return { EventBuses: items.map(view), ...(next ? { NextToken: next } : {}) };
    },
  };
}
