import type { DynamoDbLocal } from '../../local/dynamodb-local.js';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __dynamo?: DynamoDbLocal }).__dynamo?.stop();
}
