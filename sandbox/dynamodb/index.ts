/**
 * DynamoDB in the sandbox: the `dynalite` package (an implementation of the DynamoDB API on LevelDB, kept in
 * memory here) answers every `DynamoDB_20120810.*` request on the sandbox's one endpoint, so a single
 * AWS_ENDPOINT_URL covers the state store too. dynalite has no transactions and no UpdateTimeToLive; the
 * controller uses neither (TTL is set by Terraform/CloudFormation).
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceInUseException,
} from '@aws-sdk/client-dynamodb';
import type { Server } from 'node:http';
import dynalite from 'dynalite';
import type { RawService } from '../core/server.js';

export interface DynamoEmulator {
  service: RawService;
  close(): Promise<void>;
}

/** A dynalite instance that is never listened on: the sandbox server hands it DynamoDB requests. */
export function createDynamoDb(): DynamoEmulator {
  const server: Server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  return {
    service: {
      targetPrefix: 'DynamoDB_20120810',
      name: 'dynamodb',
      handle: (req, res) => server.emit('request', req, res),
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Creates the controller's state table as Terraform and CloudFormation do (string keys pk and sk,
 * on-demand), unless it exists; for the sandbox command, tests and benchmarks. The controller itself never
 * creates tables (its IAM role cannot).
 */
export async function ensureStateTable(options: { endpoint: string; region: string; table: string }): Promise<void> {
  const client = new DynamoDBClient({
    endpoint: options.endpoint,
    region: options.region,
    credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
  });
  try {
    await client.send(
      new CreateTableCommand({
        TableName: options.table,
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  for (let i = 0; i < 100; i += 1) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: options.table }));
    if (Table?.TableStatus === 'ACTIVE') break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  client.destroy();
}
