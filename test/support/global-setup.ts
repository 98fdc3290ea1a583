/**
 * Starts one in-memory DynamoDB Local for the whole jest run and hands its endpoint to the test
 * workers through the environment. The Java child is killed on teardown and on any exit or signal.
 */
import { startDynamoDbLocal } from '../../local/dynamodb-local.js';

export default async function globalSetup(): Promise<void> {
  const dynamo = await startDynamoDbLocal({ inMemory: true });
  process.env.TEST_DYNAMODB_ENDPOINT = dynamo.endpoint;
  (globalThis as { __dynamo?: typeof dynamo }).__dynamo = dynamo;
}
