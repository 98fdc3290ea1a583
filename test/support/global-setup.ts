/**
 * Starts one in-memory DynamoDB Local for the whole jest run and hands its endpoint to the test
 * workers through the environment. The Java child is killed on teardown and on any exit or signal.
 * Jest loads this file outside its module mapper, so tsx's loader resolves the TypeScript imports.
 */
import { register } from 'tsx/esm/api';

export default async function globalSetup(): Promise<void> {
  register();
  const { startDynamoDbLocal } = await import('../../local/dynamodb-local.js');
  const dynamo = await startDynamoDbLocal({ inMemory: true });
  process.env.TEST_DYNAMODB_ENDPOINT = dynamo.endpoint;
  (globalThis as { __dynamo?: { stop(): Promise<void> } }).__dynamo = dynamo;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void dynamo.stop().finally(() => process.exit(130));
    });
  }
}
