/** Stops the DynamoDB Local that global-setup.ts started. */
export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __dynamo?: { stop(): Promise<void> } }).__dynamo?.stop();
}
