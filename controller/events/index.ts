/** EventBridge events from SQS -> work-queue keys. */
export {
  mapEvent,
  mapEventBody,
  DETAIL_TYPES,
  type KnownFleet,
  type MappedEvent,
  type MalformedReason,
} from './mapper.js';
export {
  SqsEventConsumer,
  type SqsEventConsumerOptions,
  type ConsumerHooks,
  type EventMeta,
  type PollResult,
} from './consumer.js';
export { TaskVersionTracker } from './task-versions.js';
