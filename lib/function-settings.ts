/**
 * What differs from function to function: the environment each is given, its sizing, and its
 * reserved concurrency. Everything is keyed by the function names of src/routes.ts, so a new
 * background function that needs a setting here is a compiler error until it has one.
 */
import { Duration } from 'aws-cdk-lib';
import {
  DEFAULT_SES_BACKGROUND_RATE,
  EVENT_BUS_NAME,
  EVENT_SOURCE,
  type FunctionEnvironment,
  METRICS_NAMESPACE,
  SERVICE_NAME,
} from '../src/deployment.js';
import type { BackgroundFunctionName, FunctionName } from '../src/routes.js';
import { FUNCTION_GRANTS } from '../src/routes.js';
import type { ApiFunctionProps } from './api-function.js';
import type { DomainsStackConfig } from './stack-config.js';

export const VERIFIER_BATCH_SIZE = 10;
/** Few concurrent verifiers, since SES is the bottleneck anyway; 2 is the lowest value Lambda accepts. */
export const VERIFIER_MAX_CONCURRENCY = 2;
/** Deliveries one worker invocation attempts at once: a receiver that hangs holds up none of the others. */
export const DELIVER_BATCH_SIZE = 10;
/** Concurrent delivery workers: at 10 s an attempt at worst, 20 x 10 deliveries every 10 s and more when receivers answer. */
export const DELIVER_MAX_CONCURRENCY = 20;
/** One attempt's 10 seconds, after the delivery, the endpoint and its secrets are read, with room to record it. */
export const DELIVER_TIMEOUT = Duration.seconds(30);
/** Stream records handed to one fan-out invocation. */
export const FANOUT_BATCH_SIZE = 25;
/** Attempts at a stream batch before its records (bisected down to the failing one) go to the DLQ. */
export const FANOUT_RETRY_ATTEMPTS = 10;
export const FANOUT_TIMEOUT = Duration.seconds(60);

/** DNS lookups, the SES call with the SDK's retries and the table writes of one check (functions/verifier.ts). */
const CHECK_ALLOWANCE_SECONDS = 20;
const MIN_VERIFIER_TIMEOUT_SECONDS = 60;

/**
 * The verifier's timeout for a given SES pace. A batch's checks run in parallel, each first waiting
 * for its slot of the shared SES budget, and the other concurrent verifier queues for slots too:
 * the last check of a full batch starts after about batch size x concurrency / rate seconds.
 */
export function verifierTimeout(sesBackgroundRate: number): Duration {
  const pacing = Math.ceil((VERIFIER_BATCH_SIZE * VERIFIER_MAX_CONCURRENCY) / sesBackgroundRate);
  return Duration.seconds(Math.max(MIN_VERIFIER_TIMEOUT_SECONDS, pacing + CHECK_ALLOWANCE_SECONDS));
}

/**
 * Reserved concurrency. For an API function it is a ceiling, so a flood has a known cost and cannot
 * take the account's concurrency from other functions; for the verifier and the scheduler it is a
 * guarantee, so no flood can take what they need. 0 in context means no reservation at all.
 */
export const DEFAULT_API_CONCURRENCY = 10;
/** Equal to the queue trigger's maximum concurrency: the verifier is never invoked otherwise. */
export const DEFAULT_VERIFIER_CONCURRENCY = VERIFIER_MAX_CONCURRENCY;
/** One run every 5 minutes; a rare overlap waits in Lambda's asynchronous queue. */
export const DEFAULT_SCHEDULER_CONCURRENCY = 1;
/** Equal to the queue trigger's maximum concurrency, as for the verifier. */
export const DEFAULT_DELIVER_CONCURRENCY = DELIVER_MAX_CONCURRENCY;
/** The stream runs one invocation per shard at a time; a few shards at once is the table's busiest. */
export const DEFAULT_FANOUT_CONCURRENCY = 5;

type Sizing = Pick<ApiFunctionProps, 'memorySize' | 'timeout'>;

/** Per-function sizing that differs from ApiFunction's defaults (the verifier's follows its SES pace). */
const SIZING: Readonly<Partial<Record<FunctionName, Sizing>>> = {
  // Several SES control-plane calls, throttled at about 1 request/second per account, yet still
  // inside API Gateway's 30-second integration limit.
  'create-domain': { timeout: Duration.seconds(25) },
  'delete-domain': { timeout: Duration.seconds(15) },
  scheduler: { timeout: Duration.seconds(60) },
  // One webhook attempt may take its whole 10 seconds, after the key and the secrets are read.
  'test-webhook': { timeout: Duration.seconds(20) },
  'replay-webhook-delivery': { timeout: Duration.seconds(20) },
  'webhook-deliver': { timeout: DELIVER_TIMEOUT },
  'webhook-fanout': { timeout: FANOUT_TIMEOUT },
};

/** What the stack knows only once it has created them. */
export interface DeployedResources {
  readonly tableName: string;
  readonly verifyQueueUrl: string;
  readonly deliveryQueueUrl: string;
  readonly sesRegions: readonly string[];
  /** The KMS key that seals webhook signing secrets. */
  readonly webhookKeyArn: string;
  /** With cells configured: SES_CELLS as checked, and the quota of each. */
  readonly cells?: { readonly json: string; readonly quota: number };
}

export interface FunctionSettings {
  readonly environment: FunctionEnvironment;
  readonly sizing: Sizing;
  /** Undefined: no reservation. */
  readonly reservedConcurrency: number | undefined;
}

/** Every function's settings from the stack's configuration: total, so no lookup can miss. */
export function functionSettings(
  config: DomainsStackConfig,
  resources: DeployedResources,
): (name: FunctionName) => FunctionSettings {
  const sesBackgroundRate = config.sesBackgroundRate ?? DEFAULT_SES_BACKGROUND_RATE;
  const [sesRegion] = resources.sesRegions;
  const everyFunction: FunctionEnvironment = {
    TABLE_NAME: resources.tableName,
    SES_REGION: sesRegion,
    ...(resources.sesRegions.length > 1 ? { SES_REGIONS: resources.sesRegions.join(',') } : {}),
    EVENT_SOURCE,
    // SES identities are tagged with it, and only this stage's may be changed (see grants.ts).
    STAGE: config.stage,
    POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
    POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
    LOG_LEVEL: config.logLevel ?? 'INFO',
  };
  // Both the create (the first due time) and the verifier (the release) read the grace.
  const releaseGrace: FunctionEnvironment =
    config.unverifiedReleaseGraceHours === undefined
      ? {}
      : { UNVERIFIED_RELEASE_GRACE_HOURS: String(config.unverifiedReleaseGraceHours) };
  const reservedDomains = config.reservedDomains ?? [];
  // Settings only one function reads.
  const ownEnvironment: Readonly<Partial<Record<FunctionName, FunctionEnvironment>>> = {
    verifier: { SES_BACKGROUND_RATE: String(sesBackgroundRate), EVENT_BUS_NAME, ...releaseGrace },
    'create-domain': {
      ...(config.maxDomainsPerTeam !== undefined && { MAX_DOMAINS_PER_TEAM: String(config.maxDomainsPerTeam) }),
      ...(reservedDomains.length > 0 && { RESERVED_DOMAINS: reservedDomains.join(',') }),
      ...releaseGrace,
    },
    'webhook-deliver': { EVENT_BUS_NAME },
    'create-webhook': {
      ...(config.maxWebhooksPerTeam !== undefined && { MAX_WEBHOOKS_PER_TEAM: String(config.maxWebhooksPerTeam) }),
    },
  };
  const sizing: Readonly<Partial<Record<FunctionName, Sizing>>> = {
    ...SIZING,
    verifier: { timeout: verifierTimeout(sesBackgroundRate) },
  };

  // 0 in context: no reservation (Lambda reads a reservation of 0 as "never run").
  const reservation = (configured: number | undefined, fallback: number) => {
    const n = configured ?? fallback;
    return n > 0 ? n : undefined;
  };
  const apiConcurrency = reservation(config.apiConcurrency, DEFAULT_API_CONCURRENCY);
  // Every background function has its own reservation; every function behind the API the same ceiling.
  const backgroundConcurrency: Readonly<Record<BackgroundFunctionName, number | undefined>> = {
    verifier: reservation(config.verifierConcurrency, DEFAULT_VERIFIER_CONCURRENCY),
    scheduler: reservation(config.schedulerConcurrency, DEFAULT_SCHEDULER_CONCURRENCY),
    'webhook-fanout': reservation(config.fanoutConcurrency, DEFAULT_FANOUT_CONCURRENCY),
    'webhook-deliver': reservation(config.deliverConcurrency, DEFAULT_DELIVER_CONCURRENCY),
  };
  const verifierReserved = backgroundConcurrency.verifier;
  if (verifierReserved !== undefined && verifierReserved < VERIFIER_MAX_CONCURRENCY) {
    throw new Error(
      `The verifier's reserved concurrency (${verifierReserved}) is below its queue trigger's ${VERIFIER_MAX_CONCURRENCY}`,
    );
  }
  const isBackground = (name: FunctionName): name is BackgroundFunctionName =>
    Object.hasOwn(backgroundConcurrency, name);

  const cells = resources.cells;
  // The functions that call SES (to reach each domain's cell) and the scheduler (to report how full each is).
  const readsCells = (name: FunctionName) => (FUNCTION_GRANTS[name]?.ses.length ?? 0) > 0 || name === 'scheduler';
  const cellsEnvironment = (name: FunctionName): FunctionEnvironment =>
    cells && readsCells(name) ? { SES_CELLS: cells.json, SES_IDENTITY_QUOTA: String(cells.quota) } : {};

  return (name) => ({
    environment: {
      ...everyFunction,
      ...cellsEnvironment(name),
      ...(FUNCTION_GRANTS[name]?.sendToVerifyQueue ? { VERIFY_QUEUE_URL: resources.verifyQueueUrl } : {}),
      ...(FUNCTION_GRANTS[name]?.sendToDeliveryQueue ? { WEBHOOK_DELIVERY_QUEUE_URL: resources.deliveryQueueUrl } : {}),
      // WEBHOOKS_ALLOW_LOCAL_TARGETS is never set here: a deployed stack calls public HTTPS receivers only.
      ...((FUNCTION_GRANTS[name]?.secrets.length ?? 0) > 0 ? { WEBHOOK_KMS_KEY_ID: resources.webhookKeyArn } : {}),
      ...ownEnvironment[name],
    },
    sizing: sizing[name] ?? {},
    reservedConcurrency: isBackground(name) ? backgroundConcurrency[name] : apiConcurrency,
  });
}
