/**
 * Which AWS account a request's credentials belong to, shared by the local STS and SES stand-ins:
 * the STS stand-in issues temporary credentials for a role and registers them here; the SES
 * stand-in reads the access key id of each call's SigV4 signature and serves that account's
 * identities. No HTTP here.
 *
 * Long-term keys (any id not starting `ASIA`: the local stack's `local`, a test's `AKIDTEST`) belong
 * to the stand-ins' own account unless registered for another; the stand-ins do not check secrets or
 * signatures, only whom a key id names. Temporary keys (`ASIA…`) exist only once issued, last until
 * their expiry, and must come with the session token they were issued with, as in AWS.
 */
import { randomBytes, randomInt } from 'node:crypto';

/** The account the local stack's own credentials stand for. */
export const LOCAL_ACCOUNT = '000000000000';

export interface TemporaryCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  /** ms since epoch. */
  readonly expiresAt: number;
  readonly account: string;
  /** The role assumed. */
  readonly roleArn: string;
}

/** Why a request's credentials name no account, as AWS words it. */
export type KeyProblem = 'unknown' | 'expired';

export type Resolved = { readonly account: string } | { readonly problem: KeyProblem };

const UPPER_DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const keyId = (prefix: string) =>
  prefix + Array.from({ length: 16 }, () => UPPER_DIGITS[randomInt(UPPER_DIGITS.length)]).join('');

export class AccessKeys {
  private readonly longTerm = new Map<string, string>();
  private readonly temporary = new Map<string, TemporaryCredentials>();

  constructor(
    private readonly now: () => number = Date.now,
    /** The account of every long-term key not registered for another. */
    readonly defaultAccount = LOCAL_ACCOUNT,
  ) {}

  /** A long-term key of another account (a test's second account without STS). */
  register(accessKeyId: string, account: string): void {
    this.longTerm.set(accessKeyId, account);
  }

  /** New temporary credentials of `account`, valid for `seconds` from now. */
  issue(account: string, roleArn: string, seconds: number): TemporaryCredentials {
    const credentials: TemporaryCredentials = {
      accessKeyId: keyId('ASIA'),
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: randomBytes(96).toString('base64'),
      expiresAt: this.now() + seconds * 1000,
      account,
      roleArn,
    };
    this.temporary.set(credentials.accessKeyId, credentials);
    return credentials;
  }

  /** The account a request's key id (and session token, for a temporary key) stands for. */
  resolve(accessKeyId: string | undefined, sessionToken: string | undefined): Resolved {
    if (!accessKeyId) return { problem: 'unknown' };
    if (!accessKeyId.startsWith('ASIA')) return { account: this.longTerm.get(accessKeyId) ?? this.defaultAccount };
    const issued = this.temporary.get(accessKeyId);
    if (!issued || issued.sessionToken !== sessionToken) return { problem: 'unknown' };
    if (this.now() >= issued.expiresAt) return { problem: 'expired' };
    return { account: issued.account };
  }

  /** Temporary credentials issued so far, without their secrets. */
  issued(): Omit<TemporaryCredentials, 'secretAccessKey' | 'sessionToken'>[] {
    return [...this.temporary.values()].map(({ secretAccessKey: _, sessionToken: __, ...rest }) => rest);
  }
}

/** The access key id of a SigV4 Authorization header (`Credential=<AKID>/<date>/<region>/<service>/aws4_request`). */
export const signedKeyId = (authorization: string | undefined) =>
  /Credential=([^/,\s]+)\//.exec(authorization ?? '')?.[1];

/** The region of a SigV4 credential scope. */
export const signedRegion = (authorization: string | undefined) =>
  /Credential=[^/]+\/\d{8}\/([a-z0-9-]+)\//.exec(authorization ?? '')?.[1];
