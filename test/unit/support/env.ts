/**
 * The environment the functions read at import time (see src/config.ts). Import this module before
 * any module under src/ or functions/: ESM evaluates imports in order, so the variables are set
 * before config is parsed. Nothing here points at a real endpoint: every AWS client is mocked.
 */
export const TEST_TABLE = 'domains-unit-test';
export const TEST_QUEUE_URL = 'https://sqs.eu-central-1.amazonaws.com/123456789012/verify-queue';
export const TEST_REGION = 'eu-central-1';

for (const name of Object.keys(process.env)) {
  if (name.startsWith('AWS_ENDPOINT_URL')) delete process.env[name];
}

Object.assign(process.env, {
  TABLE_NAME: TEST_TABLE,
  VERIFY_QUEUE_URL: TEST_QUEUE_URL,
  AWS_REGION: TEST_REGION,
  SES_REGION: TEST_REGION,
  STAGE: 'test',
  AWS_ACCESS_KEY_ID: 'unit-test',
  AWS_SECRET_ACCESS_KEY: 'unit-test',
  // Every test makes new keys; a cache would only hide the lookup a test wants to see.
  API_KEY_CACHE_SECONDS: '0',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  POWERTOOLS_DEV: 'false',
  POWERTOOLS_METRICS_DISABLED: 'true',
  // Rate limiting is tested end to end (test/e2e/rate-limit.test.ts); here it would add a write to every mock.
  RATE_LIMIT_PER_MINUTE: '0',
});
