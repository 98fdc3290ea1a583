/**
 * Configuration from the environment, parsed with valibot once per container (at import), so a
 * missing or malformed variable fails the first invoke loudly instead of a request later. The
 * variables, their defaults and their limits are named in deployment.ts, which the stack reads too.
 */
import * as v from 'valibot';
import {
  type EnvName,
  FUNCTION_ENV,
  MAX_API_KEY_CACHE_SECONDS,
  MAX_SES_BACKGROUND_RATE,
  MAX_SES_IDENTITY_QUOTA,
  MAX_UNVERIFIED_RELEASE_GRACE_HOURS,
  MAX_WEBHOOK_ENDPOINT_CONCURRENCY,
  MIN_SES_BACKGROUND_RATE,
  REGION_PATTERN,
  STAGE_PATTERN,
} from './deployment.js';
import { type Cell, parseCells, regionsOf } from './domain/cells.js';
import { parseRetrySchedule } from './domain/webhook-retry.js';

const nonEmpty = v.pipe(v.string(), v.trim(), v.minLength(1));

/**
 * Only the variables deployment.ts names can be read (and Lambda's own AWS_REGION), so the stack and
 * the local stack, which set them from the same list, cannot miss one by a typo.
 */
type EnvEntries<T> = v.ObjectEntries & { [K in keyof T]: K extends EnvName | 'AWS_REGION' ? v.GenericSchema : never };

function parse<const T extends EnvEntries<T>>(entries: T, what: string) {
  const result = v.safeParse(v.object(entries), process.env);
  if (!result.success) {
    const issues = result.issues.map((i) => `${v.getDotPath(i) ?? '?'}: ${i.message}`).join('; ');
    throw new Error(`Invalid ${what} configuration: ${issues}`);
  }
  return result.output;
}

type WithDefault = { [K in EnvName]: (typeof FUNCTION_ENV)[K] extends { default: string } ? K : never }[EnvName];

/** A number from the environment, checked by `number`, or the variable's default from deployment.ts. */
const numberOr = (name: WithDefault, number: v.GenericSchema<number, number>) =>
  v.optional(v.pipe(v.string(), v.toNumber(), number), FUNCTION_ENV[name].default);

export function tableConfig() {
  return parse({ TABLE_NAME: nonEmpty }, 'table');
}

export function queueConfig() {
  return parse({ VERIFY_QUEUE_URL: nonEmpty }, 'queue');
}

export function sesConfig() {
  // AWS_REGION is Lambda's own variable: the region the function runs in.
  return parse({ AWS_REGION: v.optional(nonEmpty, 'us-east-1'), SES_REGION: v.optional(nonEmpty) }, 'SES');
}

/** The default region of SES identities; the MX record points at the region's feedback endpoint. */
export function sesRegion(): string {
  const c = sesConfig();
  return c.SES_REGION ?? c.AWS_REGION;
}

function listedRegions(): string[] {
  return (process.env.SES_REGIONS ?? FUNCTION_ENV.SES_REGIONS.default)
    .split(',')
    .map((r) => r.trim())
    .filter((r) => REGION_PATTERN.test(r));
}

/**
 * Every region a domain may be created in, the default one first: those of SES_REGIONS
 * (comma-separated), or with SES_CELLS set, those of the cells.
 */
export function sesRegions(): string[] {
  if ((process.env.SES_CELLS ?? '').trim() !== '') return regionsOf(cellsConfig().cells, sesRegion());
  return [...new Set([sesRegion(), ...listedRegions()])];
}

export interface CellsConfig {
  /** Every cell, those of every region (see domain/cells.ts). */
  readonly cells: readonly Cell[];
  /** Identities the API may place in one cell. */
  readonly quota: number;
  /**
   * Whether placements are counted against the quota: only with SES_CELLS set. Without it the
   * service runs as before cells existed (one cell per region, SES's own limit the only one).
   */
  readonly counted: boolean;
}

let cellsCache: CellsConfig | undefined;

/** The SES cells, parsed once per container; a bad SES_CELLS fails the first invoke. */
export function cellsConfig(): CellsConfig {
  if (cellsCache) return cellsCache;
  const { SES_CELLS, SES_IDENTITY_QUOTA } = parse(
    {
      SES_CELLS: v.optional(v.string(), FUNCTION_ENV.SES_CELLS.default),
      SES_IDENTITY_QUOTA: numberOr(
        'SES_IDENTITY_QUOTA',
        v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(MAX_SES_IDENTITY_QUOTA)),
      ),
    },
    'cells',
  );
  const counted = SES_CELLS.trim() !== '';
  const cells = parseCells(SES_CELLS, { defaultRegion: sesRegion(), regions: listedRegions() });
  cellsCache = { cells, quota: SES_IDENTITY_QUOTA, counted };
  return cellsCache;
}

export function authConfig() {
  return parse(
    {
      API_KEY_CACHE_SECONDS: numberOr(
        'API_KEY_CACHE_SECONDS',
        v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(MAX_API_KEY_CACHE_SECONDS)),
      ),
    },
    'auth',
  );
}

export function verifierConfig() {
  return parse(
    {
      SES_BACKGROUND_RATE: numberOr(
        'SES_BACKGROUND_RATE',
        v.pipe(v.number(), v.minValue(MIN_SES_BACKGROUND_RATE), v.maxValue(MAX_SES_BACKGROUND_RATE)),
      ),
      EVENT_SOURCE: v.optional(nonEmpty, FUNCTION_ENV.EVENT_SOURCE.default),
      EVENT_BUS_NAME: v.optional(nonEmpty, FUNCTION_ENV.EVENT_BUS_NAME.default),
    },
    'verifier',
  );
}

export function rateLimitConfig() {
  return parse(
    { RATE_LIMIT_PER_MINUTE: numberOr('RATE_LIMIT_PER_MINUTE', v.pipe(v.number(), v.integer(), v.minValue(0))) },
    'rate limit',
  );
}

/** The deployment stage: SES identities are tagged with it, so stages sharing an account never take each other's. */
export function ownerStage(): string {
  return parse({ STAGE: v.pipe(nonEmpty, v.regex(STAGE_PATTERN)) }, 'stage').STAGE;
}

const commaList = v.pipe(
  v.optional(v.string(), ''),
  v.transform((s) =>
    s
      .split(',')
      .map((x) => x.trim().toLowerCase())
      .filter((x) => x !== ''),
  ),
);

export function claimsConfig() {
  return parse(
    {
      MAX_DOMAINS_PER_TEAM: numberOr('MAX_DOMAINS_PER_TEAM', v.pipe(v.number(), v.integer(), v.minValue(0))),
      /** Names refused besides AWS's own (see domain/reserved-names.ts), with every name below them. */
      RESERVED_DOMAINS: commaList,
    },
    'claims',
  );
}

/**
 * How long (ms) after the 72-hour verification window a never-verified domain keeps its name before
 * it is released (identity and claim removed), from UNVERIFIED_RELEASE_GRACE_HOURS; 0 releases at
 * the window's end.
 */
export function releaseGraceMs(): number {
  const hours = numberOr(
    'UNVERIFIED_RELEASE_GRACE_HOURS',
    v.pipe(v.number(), v.minValue(0), v.maxValue(MAX_UNVERIFIED_RELEASE_GRACE_HOURS)),
  );
  return parse({ UNVERIFIED_RELEASE_GRACE_HOURS: hours }, 'release').UNVERIFIED_RELEASE_GRACE_HOURS * 3_600_000;
}

/** The limit of endpoints per team, and whether http:// and loopback receivers are allowed (local runs only). */
export function webhooksConfig() {
  const c = parse(
    {
      MAX_WEBHOOKS_PER_TEAM: numberOr('MAX_WEBHOOKS_PER_TEAM', v.pipe(v.number(), v.integer(), v.minValue(1))),
      WEBHOOKS_ALLOW_LOCAL_TARGETS: v.optional(
        v.picklist(['', '0', '1']),
        FUNCTION_ENV.WEBHOOKS_ALLOW_LOCAL_TARGETS.default,
      ),
    },
    'webhooks',
  );
  return { maxPerTeam: c.MAX_WEBHOOKS_PER_TEAM, allowLocalTargets: c.WEBHOOKS_ALLOW_LOCAL_TARGETS === '1' };
}

/** The webhook delivery queue: only the functions allowed to send to it are given its URL. */
export function deliveryQueueConfig() {
  return parse({ WEBHOOK_DELIVERY_QUEUE_URL: nonEmpty }, 'delivery queue');
}

/**
 * The delivery worker's retry schedule, how many attempts of one endpoint may be in flight at once,
 * and where it reports the endpoints it switches off.
 */
export function deliveryConfig() {
  const c = parse(
    {
      WEBHOOK_RETRY_SCHEDULE_SECONDS: v.optional(v.string(), FUNCTION_ENV.WEBHOOK_RETRY_SCHEDULE_SECONDS.default),
      WEBHOOK_ENDPOINT_CONCURRENCY: numberOr(
        'WEBHOOK_ENDPOINT_CONCURRENCY',
        v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(MAX_WEBHOOK_ENDPOINT_CONCURRENCY)),
      ),
      EVENT_SOURCE: v.optional(nonEmpty, FUNCTION_ENV.EVENT_SOURCE.default),
      EVENT_BUS_NAME: v.optional(nonEmpty, FUNCTION_ENV.EVENT_BUS_NAME.default),
    },
    'delivery',
  );
  return {
    retrySchedule: parseRetrySchedule(c.WEBHOOK_RETRY_SCHEDULE_SECONDS),
    endpointConcurrency: c.WEBHOOK_ENDPOINT_CONCURRENCY,
    eventSource: c.EVENT_SOURCE,
    eventBusName: c.EVENT_BUS_NAME,
  };
}
