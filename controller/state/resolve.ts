/** Turns `--state` (memory | dynamodb://TABLE) into a state store. */
import { createDynamoClient, type AwsClientOptions } from '../aws/clients.js';
import { DynamoStateStore } from './dynamodb.js';
import { MemoryStateStore } from './memory.js';
import type { StateStore } from './types.js';

/** DynamoDB table names: 3-255 of [a-zA-Z0-9_.-] (DynamoDB API reference, CreateTable TableName). */
const TABLE_NAME = /^[a-zA-Z0-9_.-]{3,255}$/;

/** The problem with a `--state` value, or undefined when it is valid. */
export function stateUrlProblem(url: string): string | undefined {
  if (url === 'memory') return undefined;
  const match = /^dynamodb:\/\/(.*)$/.exec(url);
  if (!match) return `--state / STATE: "${url}" is neither "memory" nor "dynamodb://TABLE"`;
  if (!TABLE_NAME.test(match[1]))
    return `--state / STATE: "${match[1]}" is not a DynamoDB table name (3-255 letters, digits, _ . -)`;
  return undefined;
}

/** Creates the store a valid `--state` value names; DynamoDB clients are configured like the AWS clients. */
export function createStateStore(url: string, options: AwsClientOptions = {}): StateStore {
  const problem = stateUrlProblem(url);
  if (problem) throw new Error(problem);
  if (url === 'memory') return new MemoryStateStore();
  return new DynamoStateStore(createDynamoClient(options), url.slice('dynamodb://'.length));
}
