/**
 * Configuration from the environment, parsed with valibot once per container (at import), so a
 * missing or malformed variable fails the first invoke loudly instead of a request later.
 */
import * as v from 'valibot';

const nonEmpty = v.pipe(v.string(), v.trim(), v.minLength(1));

function parse<const T extends v.GenericSchema>(schema: T, what: string): v.InferOutput<T> {
  const result = v.safeParse(schema, process.env);
  if (!result.success) {
    const issues = result.issues.map((i) => `${v.getDotPath(i) ?? '?'}: ${i.message}`).join('; ');
    throw new Error(`Invalid ${what} configuration: ${issues}`);
  }
  return result.output;
}

export function tableConfig() {
  return parse(v.object({ TABLE_NAME: nonEmpty }), 'table');
}

export function queueConfig() {
  return parse(v.object({ VERIFY_QUEUE_URL: nonEmpty }), 'queue');
}

export function sesConfig() {
  return parse(
    v.object({
      AWS_REGION: v.optional(nonEmpty, 'us-east-1'),
      SES_REGION: v.optional(nonEmpty),
    }),
    'SES',
  );
}

/** The default region of SES identities; the MX record points at the region's feedback endpoint. */
export function sesRegion(): string {
  const c = sesConfig();
  return c.SES_REGION ?? c.AWS_REGION;
}

/** Every region a domain may be created in (SES_REGIONS, comma-separated); the default one first. */
export function sesRegions(): string[] {
  const listed = (process.env.SES_REGIONS ?? '')
    .split(',')
    .map((r) => r.trim())
    .filter((r) => /^[a-z]{2}(-[a-z]+)+-\d$/.test(r));
  return [...new Set([sesRegion(), ...listed])];
}

export function authConfig() {
  return parse(
    v.object({
      /** How long a key lookup is reused inside one container (revocation takes effect within it). */
      API_KEY_CACHE_SECONDS: v.optional(
        v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(0), v.maxValue(300)),
        '30',
      ),
    }),
    'auth',
  );
}

export function verifierConfig() {
  return parse(
    v.object({
      /** SES identity calls per second the background checks may use (SES allows about 1 per account and region). */
      SES_BACKGROUND_RATE: v.optional(v.pipe(v.string(), v.toNumber(), v.minValue(0.01), v.maxValue(1000)), '0.8'),
      /** EventBridge source of status events. */
      EVENT_SOURCE: v.optional(nonEmpty, 'krafter.domains'),
      EVENT_BUS_NAME: v.optional(nonEmpty, 'default'),
    }),
    'verifier',
  );
}

export function rateLimitConfig() {
  return parse(
    v.object({
      /** Requests per team per minute across the API; 0 turns limiting off. */
      RATE_LIMIT_PER_MINUTE: v.optional(v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(0)), '600'),
    }),
    'rate limit',
  );
}

/** The deployment stage: SES identities are tagged with it, so stages sharing an account never take each other's. */
export function ownerStage(): string {
  return parse(v.object({ STAGE: v.pipe(nonEmpty, v.regex(/^[a-z][a-z0-9-]{0,19}$/)) }), 'stage').STAGE;
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
    v.object({
      /** Domains one team may hold at once (claimed, whatever their status); 0 turns the limit off. */
      MAX_DOMAINS_PER_TEAM: v.optional(v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(0)), '100'),
      /** Names refused besides AWS's own (see domain/reserved-names.ts), with every name below them. */
      RESERVED_DOMAINS: commaList,
    }),
    'claims',
  );
}

/**
 * How long (ms) after the 72-hour verification window a never-verified domain keeps its name before
 * it is released (identity and claim removed), from UNVERIFIED_RELEASE_GRACE_HOURS; 0 releases at
 * the window's end.
 */
export function releaseGraceMs(): number {
  const hours = v.pipe(v.string(), v.toNumber(), v.minValue(0), v.maxValue(24 * 365));
  return (
    parse(v.object({ UNVERIFIED_RELEASE_GRACE_HOURS: v.optional(hours, '168') }), 'release')
      .UNVERIFIED_RELEASE_GRACE_HOURS * 3_600_000
  );
}
