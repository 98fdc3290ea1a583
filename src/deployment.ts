/**
 * What a deployment of the service is, as plain data: the environment variables the functions read
 * (with their defaults and limits), the service and metric names, and where status events go. The
 * CDK stack, the local stack and the configuration parser (config.ts) all read it, so none of them
 * can drift from the others. Nothing here imports CDK or Powertools: synthesizing the stack must not
 * construct a logger, and a function bundle must not carry CDK.
 */

/** Powertools' `service` dimension and log field (POWERTOOLS_SERVICE_NAME). */
export const SERVICE_NAME = 'domains-api';
/** CloudWatch namespace of the EMF metrics (POWERTOOLS_METRICS_NAMESPACE). */
export const METRICS_NAMESPACE = 'Krafter/Domains';
/** EventBridge `source` of status-change events. */
export const EVENT_SOURCE = 'krafter.domains';
/** Status-change events go to the account's default bus, where other services' rules can pick them up. */
export const EVENT_BUS_NAME = 'default';

/** Metric names, shared by the code that emits them and the stack's alarms and dashboard. */
export const METRIC = {
  domainCreated: 'DomainCreated',
  domainDeleted: 'DomainDeleted',
  /** A never-verified domain let go of its name (see services/release.ts). */
  domainReleased: 'DomainReleased',
  /** Dimension `outcome`: verified | pending | failed | skipped. */
  verificationCheck: 'VerificationCheck',
  /** Dimension `to`: the new status. */
  statusTransition: 'StatusTransition',
  sesThrottled: 'SesThrottled',
  sesRetry: 'SesRetry',
  /** A webhook attempt the receiver took (2xx). */
  webhookDelivered: 'WebhookDelivered',
  /** A webhook delivery given up: its schedule spent, a 410, or its endpoint deleted or off. */
  webhookFailed: 'WebhookFailed',
  /** A failed webhook attempt with another one scheduled. */
  webhookRetried: 'WebhookRetried',
  /** Dimension `reason`: an endpoint the service switched off (gone, or failing for days). */
  webhookDisabled: 'WebhookDisabled',
} as const;

/**
 * Metrics of SES cells, emitted and read (alarms, dashboard) only when cells are configured
 * (SES_CELLS): apart from METRIC, every name of which any stack reads.
 */
export const CELL_METRIC = {
  /** Dimension `cell`: percent of SES_IDENTITY_QUOTA placed in the cell (reported by the scheduler). */
  cellFill: 'CellFill',
} as const;

/** EventBridge `detail-type` of the operator's event when the service switches a webhook endpoint off. */
export const WEBHOOK_DISABLED_DETAIL_TYPE = 'Webhook Endpoint Disabled';

/** A deployment stage: part of the stack name, and the tag that keeps stages' SES identities apart. */
export const STAGE_PATTERN = /^[a-z][a-z0-9-]{0,19}$/;
/**
 * An AWS region name. The trailing number may have several digits: a region the deploy accepts must
 * not be dropped silently by the function that reads SES_REGIONS.
 */
export const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d+$/;
export const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT', 'CRITICAL'] as const;
export const DEFAULT_LOG_LEVEL = 'INFO';

/** SES allows about 1 identity call per second per account and region, shared by everything in it. */
export const SES_ACCOUNT_RATE = 1;
/** The verifier's share by default; the rest is headroom for the API's create and delete calls. */
export const DEFAULT_SES_BACKGROUND_RATE = 0.8;
/**
 * The slowest pace: the verifier's timeout grows as the pace falls (lib/function-settings.ts), and at
 * this pace it stays well inside Lambda's 15 minutes.
 */
export const MIN_SES_BACKGROUND_RATE = 0.05;
/**
 * The fastest pace a function accepts. A deployment is held to SES_ACCOUNT_RATE; the local stand-ins
 * have no such limit, and the tests and the bench run their checks faster.
 */
export const MAX_SES_BACKGROUND_RATE = 1000;

/**
 * Identities the API may place in one cell: SES holds 10,000 per account and region, and the last
 * hundred are left for identities made outside the API.
 */
export const DEFAULT_SES_IDENTITY_QUOTA = 9_900;
export const MAX_SES_IDENTITY_QUOTA = 10_000;

export const DEFAULT_MAX_DOMAINS_PER_TEAM = 100;
export const DEFAULT_UNVERIFIED_RELEASE_GRACE_HOURS = 168;
export const MAX_UNVERIFIED_RELEASE_GRACE_HOURS = 24 * 365;
export const DEFAULT_API_KEY_CACHE_SECONDS = 30;
export const MAX_API_KEY_CACHE_SECONDS = 300;
export const DEFAULT_RATE_LIMIT_PER_MINUTE = 600;
export const DEFAULT_MAX_WEBHOOKS_PER_TEAM = 10;
/**
 * Attempts of one endpoint in flight at once, each holding a delivery worker for up to its 10 s: a
 * hanging receiver holds this many workers, no more. Below the worker's concurrency (20 deployed,
 * 8 locally), or endpoints that hang could still hold every worker.
 */
export const DEFAULT_WEBHOOK_ENDPOINT_CONCURRENCY = 2;
export const MAX_WEBHOOK_ENDPOINT_CONCURRENCY = 10;

interface EnvVariable {
  /** What the variable holds. */
  readonly meaning: string;
  /** The value a function uses when it is unset; undefined: the function cannot start without it. */
  readonly default?: string;
  /** Given to every function by the stack (and the local stack), rather than to those that read it. */
  readonly everyFunction?: true;
}

/**
 * Every environment variable a function reads, besides what Lambda and the AWS SDK read themselves
 * (AWS_REGION, AWS_ENDPOINT_URL_<SERVICE>, credentials).
 */
export const FUNCTION_ENV = {
  TABLE_NAME: { meaning: 'The table', everyFunction: true },
  VERIFY_QUEUE_URL: { meaning: 'The verify queue; given only to the functions granted to send to it' },
  SES_REGION: { meaning: 'Default region of the SES identities', everyFunction: true },
  SES_REGIONS: { meaning: 'Every region a domain may be created in, comma-separated, the default first', default: '' },
  STAGE: { meaning: 'The deployment stage SES identities are tagged with', everyFunction: true },
  SES_CELLS: {
    meaning:
      'The SES cells (account and region each), a JSON array of {id, region, roleArn?, draining?}; unset: one cell of the own account per region, id = region, uncounted',
    default: '',
  },
  SES_IDENTITY_QUOTA: {
    meaning: `Identities the API may place in one cell when SES_CELLS is set, 1 to ${MAX_SES_IDENTITY_QUOTA}`,
    default: String(DEFAULT_SES_IDENTITY_QUOTA),
  },
  EVENT_SOURCE: { meaning: 'EventBridge source of status events', default: EVENT_SOURCE, everyFunction: true },
  EVENT_BUS_NAME: { meaning: 'EventBridge bus of status events', default: EVENT_BUS_NAME },
  POWERTOOLS_SERVICE_NAME: { meaning: 'Service name of logs and metrics', default: SERVICE_NAME, everyFunction: true },
  POWERTOOLS_METRICS_NAMESPACE: {
    meaning: 'Namespace of the metrics',
    default: METRICS_NAMESPACE,
    everyFunction: true,
  },
  LOG_LEVEL: { meaning: 'Powertools log level', default: DEFAULT_LOG_LEVEL, everyFunction: true },
  SES_BACKGROUND_RATE: {
    meaning: 'SES identity calls per second the verifier may make, across its containers',
    default: String(DEFAULT_SES_BACKGROUND_RATE),
  },
  MAX_DOMAINS_PER_TEAM: {
    meaning: 'Domains one team may hold at once; 0: no limit',
    default: String(DEFAULT_MAX_DOMAINS_PER_TEAM),
  },
  RESERVED_DOMAINS: { meaning: "Names refused besides AWS's own, comma-separated", default: '' },
  UNVERIFIED_RELEASE_GRACE_HOURS: {
    meaning: 'Hours after the 72-hour window before a never-verified domain is released',
    default: String(DEFAULT_UNVERIFIED_RELEASE_GRACE_HOURS),
  },
  API_KEY_CACHE_SECONDS: {
    meaning: 'How long a key lookup is reused inside one container',
    default: String(DEFAULT_API_KEY_CACHE_SECONDS),
  },
  RATE_LIMIT_PER_MINUTE: {
    meaning: 'Requests per team per minute; 0: no limit',
    default: String(DEFAULT_RATE_LIMIT_PER_MINUTE),
  },
  DNS_SERVERS: { meaning: "DNS servers to ask (host:port,...); the system's resolvers when unset", default: '' },
  WEBHOOK_KMS_KEY_ID: {
    meaning: 'The KMS key that seals webhook signing secrets; given only to the functions granted to use it',
  },
  MAX_WEBHOOKS_PER_TEAM: {
    meaning: 'Webhook endpoints one team may have at once',
    default: String(DEFAULT_MAX_WEBHOOKS_PER_TEAM),
  },
  WEBHOOKS_ALLOW_LOCAL_TARGETS: {
    meaning: 'Local runs only (`1`): webhook URLs may be http:// and loopback. A deployed stack never sets it',
    default: '',
  },
  CONSOLE_ASSETS_DIR: {
    meaning: "Local runs only: the folder of the console's built files. Unset: `console/` beside the function's bundle",
    default: '',
  },
  WEBHOOK_DELIVERY_QUEUE_URL: {
    meaning: 'The webhook delivery queue; given only to the functions granted to send to it',
  },
  WEBHOOK_RETRY_SCHEDULE_SECONDS: {
    meaning: 'Delays between webhook attempts, comma-separated seconds; unset: 5 s, 5 min, 30 min, … 24 h',
    default: '',
  },
  WEBHOOK_ENDPOINT_CONCURRENCY: {
    meaning: `Webhook attempts of one endpoint in flight at once, 1 to ${MAX_WEBHOOK_ENDPOINT_CONCURRENCY}; keep it below the delivery worker's concurrency`,
    default: String(DEFAULT_WEBHOOK_ENDPOINT_CONCURRENCY),
  },
} as const satisfies Record<string, EnvVariable>;

export type EnvName = keyof typeof FUNCTION_ENV;

/** A function's environment: only variables named above can be set. */
export type FunctionEnvironment = Partial<Record<EnvName, string>>;

/**
 * The variables a local run passes on to the functions from its own environment when they are set
 * (local/start.ts): the deployment settings an operator may want to try locally.
 */
export const LOCAL_PASSTHROUGH_ENV = [
  'SES_REGIONS',
  'SES_CELLS',
  'SES_IDENTITY_QUOTA',
  'MAX_DOMAINS_PER_TEAM',
  'RESERVED_DOMAINS',
  'UNVERIFIED_RELEASE_GRACE_HOURS',
  'MAX_WEBHOOKS_PER_TEAM',
  'WEBHOOKS_ALLOW_LOCAL_TARGETS',
  'WEBHOOK_RETRY_SCHEDULE_SECONDS',
  'WEBHOOK_ENDPOINT_CONCURRENCY',
] as const satisfies readonly EnvName[];
