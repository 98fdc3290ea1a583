/**
 * The stack's parameters, read from CDK context (`-c stage=prod -c sesRegion=eu-central-1`, or
 * cdk.json) and checked with valibot before anything is built. Values given with `-c` arrive as
 * strings, so lists are accepted either as lists or as comma-separated strings, and every number
 * either as a number or as its text.
 */
import type { Node } from 'constructs';
import * as v from 'valibot';
import {
  LOG_LEVELS,
  MAX_SES_IDENTITY_QUOTA,
  MAX_UNVERIFIED_RELEASE_GRACE_HOURS,
  MIN_SES_BACKGROUND_RATE,
  REGION_PATTERN,
  SES_ACCOUNT_RATE,
  STAGE_PATTERN,
} from '../src/deployment.js';
import { DELIVER_MAX_CONCURRENCY, VERIFIER_MAX_CONCURRENCY } from './function-settings.js';

export interface DomainsStackConfig {
  /** Deployment stage; part of the stack name. */
  readonly stage: string;
  /** Default region of the SES identities. @default the stack's region, or us-east-1 when env-agnostic */
  readonly sesRegion?: string;
  /** Further SES regions a domain may be created in (`region` on create). @default none */
  readonly extraSesRegions?: readonly string[];
  /**
   * The SES cells (one account and region each), as SES_CELLS takes them: a JSON list (or its
   * text) of `{ id, region, roleArn?, draining? }`, checked by src/domain/cells.ts when the stack is
   * built. @default none: one cell of the stack's own account per region, uncounted
   */
  readonly sesCells?: string | readonly unknown[];
  /** Identities the API may place in one cell (SES_IDENTITY_QUOTA), with cells. @default 9900 */
  readonly sesIdentityQuota?: number;
  /** Origins allowed by CORS; CORS stays off when empty. */
  readonly corsOrigins?: readonly string[];
  /** Powertools log level of every function. @default INFO */
  readonly logLevel?: string;
  /**
   * SES identity calls per second the verifier may make, across all its containers. SES allows
   * about 1 per account and region, shared with the API's create and delete calls and with any
   * other stage in the same account and region. @default 0.8
   */
  readonly sesBackgroundRate?: number;
  /** Subscribed to the alarm topic when given. */
  readonly alarmEmail?: string;
  /** Domains one team may hold at once (MAX_DOMAINS_PER_TEAM); 0 = no limit. @default 100 */
  readonly maxDomainsPerTeam?: number;
  /** Webhook endpoints one team may have at once (MAX_WEBHOOKS_PER_TEAM). @default 10 */
  readonly maxWebhooksPerTeam?: number;
  /** Names refused besides AWS's own, with every name below them (RESERVED_DOMAINS). @default none */
  readonly reservedDomains?: readonly string[];
  /** Hours after the 72-hour window before a never-verified domain is released. @default 168 */
  readonly unverifiedReleaseGraceHours?: number;
  /** Default stage throttling of every route. @default DEFAULT_THROTTLE */
  readonly throttle?: ThrottleConfig;
  /** Throttling of the routes whose function calls SES to change identities. @default DEFAULT_SES_ROUTE_THROTTLE */
  readonly sesRouteThrottle?: ThrottleConfig;
  /** Reserved concurrency (a ceiling) of each API function; 0: none. @default 10 */
  readonly apiConcurrency?: number;
  /** Reserved concurrency of the verifier; 0: none, else at least the queue trigger's 2. @default 2 */
  readonly verifierConcurrency?: number;
  /** Reserved concurrency of the scheduler; 0: none. @default 1 */
  readonly schedulerConcurrency?: number;
  /** Reserved concurrency of the webhook delivery worker; 0: none, else at least its queue trigger's 20. @default 20 */
  readonly deliverConcurrency?: number;
  /** Reserved concurrency of the webhook fan-out; 0: none. @default 5 */
  readonly fanoutConcurrency?: number;
}

export interface ThrottleConfig {
  /** Steady-state requests per second. */
  readonly rate: number;
  /** Requests that may arrive at once, above the rate, before API Gateway answers 429. */
  readonly burst: number;
}

/**
 * Stage throttling of the HTTP API, per route, in requests per second (rate) and the size of the
 * token bucket (burst). Every route not listed gets the default; a route whose function spends SES
 * identity calls gets the SES route setting, since SES allows about 1 such call per second per
 * account and region (see docs/deploy.md for how the numbers were chosen).
 */
export const DEFAULT_THROTTLE = { rate: 50, burst: 100 } as const;
export const DEFAULT_SES_ROUTE_THROTTLE = { rate: 1, burst: 5 } as const;
/** API Gateway's own account-level limits per region: a stage cannot be allowed more. */
const MAX_THROTTLE_RATE = 10_000;
const MAX_THROTTLE_BURST = 5_000;

/** Deliberately loose: SNS and the confirmation email are the real check. */
const EMAIL_PATTERN = /^[^@\s,]+@[^@\s,]+\.[^@\s,]+$/;
const ORIGIN_PATTERN = /^https?:\/\/[^/\s]+$/;
const ASCII_DOMAIN_PATTERN = /^[a-z0-9-]+(\.[a-z0-9-]+)*$/;

/** A number given as a number or as its text. */
const numeric = v.pipe(v.union([v.number(), v.pipe(v.string(), v.trim(), v.nonEmpty(), v.toNumber())]), v.finite());
/** A whole number: 0 for no reservation, otherwise at least `min`. */
const reservation = (min: number) =>
  v.pipe(
    numeric,
    v.integer(),
    v.check((n) => n === 0 || n >= min),
  );
const text = v.pipe(v.string(), v.trim());
/** A list given as a list or as a comma-separated string; blanks dropped. */
const list = <T extends v.GenericSchema<string, string>>(item: T) =>
  v.pipe(
    v.union([
      v.pipe(
        v.string(),
        v.transform((s) => s.split(',')),
      ),
      v.array(v.string()),
    ]),
    v.transform((items) => items.map((i) => i.trim()).filter((i) => i !== '')),
    v.array(item),
  );

const throttleRate = [
  v.pipe(numeric, v.minValue(1), v.maxValue(MAX_THROTTLE_RATE)),
  `requests per second from 1 to ${MAX_THROTTLE_RATE}`,
] as const;
const throttleBurst = [
  v.pipe(numeric, v.integer(), v.minValue(1), v.maxValue(MAX_THROTTLE_BURST)),
  `a whole number of requests from 1 to ${MAX_THROTTLE_BURST}`,
] as const;

/** Each context key: its schema, and what a value must be, for the error message. */
const CONTEXT = {
  stage: [
    v.pipe(text, v.regex(STAGE_PATTERN)),
    `a stage name matching ${STAGE_PATTERN} (it becomes part of the stack name)`,
  ],
  sesRegion: [v.pipe(text, v.regex(REGION_PATTERN)), 'an AWS region such as eu-central-1'],
  sesRegions: [list(v.pipe(v.string(), v.regex(REGION_PATTERN))), 'a list of AWS regions such as us-east-1'],
  sesCells: [
    v.union([v.pipe(text, v.nonEmpty()), v.array(v.unknown())]),
    'a JSON list of cells such as [{"id":"c1","region":"eu-central-1"}]',
  ],
  sesIdentityQuota: [
    v.pipe(numeric, v.integer(), v.minValue(1), v.maxValue(MAX_SES_IDENTITY_QUOTA)),
    `a whole number of identities from 1 to ${MAX_SES_IDENTITY_QUOTA} (SES holds ${MAX_SES_IDENTITY_QUOTA} per account and region)`,
  ],
  logLevel: [v.pipe(text, v.toUpperCase(), v.picklist(LOG_LEVELS)), `one of ${LOG_LEVELS.join(', ')}`],
  corsOrigins: [
    list(
      v.pipe(
        v.string(),
        v.check((o) => o === '*' || ORIGIN_PATTERN.test(o)),
      ),
    ),
    'a list of origins (scheme://host[:port], no path) or *',
  ],
  sesBackgroundRate: [
    v.pipe(numeric, v.minValue(MIN_SES_BACKGROUND_RATE), v.maxValue(SES_ACCOUNT_RATE)),
    `a number of SES calls per second from ${MIN_SES_BACKGROUND_RATE} to ${SES_ACCOUNT_RATE} (SES allows about ${SES_ACCOUNT_RATE} per account and region)`,
  ],
  alarmEmail: [v.pipe(text, v.regex(EMAIL_PATTERN)), 'one email address'],
  throttleRate,
  throttleBurst,
  sesThrottleRate: throttleRate,
  sesThrottleBurst: throttleBurst,
  apiConcurrency: [reservation(1), 'a whole number: 0 for no reservation, otherwise at least 1'],
  // The queue trigger runs up to VERIFIER_MAX_CONCURRENCY at once; a smaller reservation would throttle it.
  verifierConcurrency: [
    reservation(VERIFIER_MAX_CONCURRENCY),
    `a whole number: 0 for no reservation, otherwise at least ${VERIFIER_MAX_CONCURRENCY}`,
  ],
  schedulerConcurrency: [reservation(1), 'a whole number: 0 for no reservation, otherwise at least 1'],
  deliverConcurrency: [
    reservation(DELIVER_MAX_CONCURRENCY),
    `a whole number: 0 for no reservation, otherwise at least ${DELIVER_MAX_CONCURRENCY}`,
  ],
  fanoutConcurrency: [reservation(1), 'a whole number: 0 for no reservation, otherwise at least 1'],
  maxDomainsPerTeam: [v.pipe(numeric, v.integer(), v.minValue(0)), 'a whole number of domains (0: no limit)'],
  maxWebhooksPerTeam: [v.pipe(numeric, v.integer(), v.minValue(1)), 'a whole number of webhook endpoints (at least 1)'],
  unverifiedReleaseGraceHours: [
    v.pipe(numeric, v.minValue(0), v.maxValue(MAX_UNVERIFIED_RELEASE_GRACE_HOURS)),
    `a number of hours from 0 to ${MAX_UNVERIFIED_RELEASE_GRACE_HOURS}`,
  ],
  reservedDomains: [
    list(v.pipe(v.string(), v.toLowerCase(), v.regex(ASCII_DOMAIN_PATTERN))),
    'a list of domain names in ASCII',
  ],
} as const satisfies Record<string, readonly [v.GenericSchema, string]>;

type ContextKey = keyof typeof CONTEXT;

/** Reads one context value; absent, null and '' all mean "not given". */
function read<K extends ContextKey>(node: Node, key: K): v.InferOutput<(typeof CONTEXT)[K][0]> | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  const [schema, expected] = CONTEXT[key];
  const result = v.safeParse(schema, value);
  if (result.success) return result.output;
  const issue = result.issues[0];
  // A bad item of a list is named on its own.
  const got = issue.path !== undefined && issue.path.length > 0 ? issue.input : value;
  throw new Error(`Context "${key}" must be ${expected}, got ${JSON.stringify(got)}`);
}

/** Reads and checks the stack parameters; a bad value stops the synth with the key's name. */
export function stackConfigFromContext(node: Node): DomainsStackConfig {
  const throttle = (
    rateKey: 'throttleRate' | 'sesThrottleRate',
    burstKey: 'throttleBurst' | 'sesThrottleBurst',
    defaults: ThrottleConfig,
  ): ThrottleConfig => ({
    rate: read(node, rateKey) ?? defaults.rate,
    burst: read(node, burstKey) ?? defaults.burst,
  });
  return {
    stage: read(node, 'stage') ?? 'dev',
    sesRegion: read(node, 'sesRegion'),
    extraSesRegions: read(node, 'sesRegions') ?? [],
    sesCells: read(node, 'sesCells'),
    sesIdentityQuota: read(node, 'sesIdentityQuota'),
    corsOrigins: read(node, 'corsOrigins') ?? [],
    logLevel: read(node, 'logLevel'),
    sesBackgroundRate: read(node, 'sesBackgroundRate'),
    alarmEmail: read(node, 'alarmEmail'),
    throttle: throttle('throttleRate', 'throttleBurst', DEFAULT_THROTTLE),
    sesRouteThrottle: throttle('sesThrottleRate', 'sesThrottleBurst', DEFAULT_SES_ROUTE_THROTTLE),
    apiConcurrency: read(node, 'apiConcurrency'),
    verifierConcurrency: read(node, 'verifierConcurrency'),
    schedulerConcurrency: read(node, 'schedulerConcurrency'),
    deliverConcurrency: read(node, 'deliverConcurrency'),
    fanoutConcurrency: read(node, 'fanoutConcurrency'),
    maxDomainsPerTeam: read(node, 'maxDomainsPerTeam'),
    maxWebhooksPerTeam: read(node, 'maxWebhooksPerTeam'),
    unverifiedReleaseGraceHours: read(node, 'unverifiedReleaseGraceHours'),
    reservedDomains: read(node, 'reservedDomains') ?? [],
  };
}

/** The tags the stack puts on all its resources, the functions' roles among them (a cell's role trusts them). */
export const STACK_TAGS = { project: 'project', stage: 'stage' } as const;
export const PROJECT_TAG = 'krafter-domains';

export function stackName(stage: string): string {
  return `KrafterDomains-${stage}`;
}
