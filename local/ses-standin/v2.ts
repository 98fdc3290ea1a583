/**
 * SES v2 (REST-JSON) as the SDK's serializers send it: CreateEmailIdentity, GetEmailIdentity,
 * DeleteEmailIdentity, ListEmailIdentities, PutEmailIdentityMailFromAttributes and
 * PutEmailIdentityDkimSigningAttributes, for domain identities.
 */
import type { ServerResponse } from 'node:http';
import type { Account, CallContext } from './account.js';
import { signingOf } from './dkim.js';
import { badRequest, SesError } from './errors.js';
import { sendJson } from './http.js';
import { applySigning, domainOf, type Identity, refresh, setMailFrom, verification } from './identities.js';

type Body = Record<string, unknown>;
type Action = (account: Account, call: CallContext, raw: string, body: Body) => Promise<unknown>;

const ID = '([^/]+)';
/** SES v2 routes as the SDK's serializers send them (ListEmailIdentities moved to POST list-identities). */
const ROUTES: [string, RegExp, string][] = [
  ['POST', /^\/v2\/email\/identities\/?$/, 'CreateEmailIdentity'],
  ['GET', /^\/v2\/email\/identities\/?$/, 'ListEmailIdentities'],
  ['POST', /^\/v2\/email\/list-identities\/?$/, 'ListEmailIdentities'],
  ['GET', new RegExp(`^/v2/email/identities/${ID}/?$`), 'GetEmailIdentity'],
  ['DELETE', new RegExp(`^/v2/email/identities/${ID}/?$`), 'DeleteEmailIdentity'],
  ['PUT', new RegExp(`^/v2/email/identities/${ID}/mail-from/?$`), 'PutEmailIdentityMailFromAttributes'],
  ['PUT', new RegExp(`^/v2/email/identities/${ID}/dkim/signing/?$`), 'PutEmailIdentityDkimSigningAttributes'],
];

const seconds = (ms: number | undefined) => (ms === undefined ? undefined : Math.floor(ms / 1000));

const dkimAttributes = (id: Identity) =>
  id.byodkim
    ? {
        SigningEnabled: true,
        Status: id.dkim?.status ?? 'NOT_STARTED',
        Tokens: [],
        SigningAttributesOrigin: 'EXTERNAL',
      }
    : {
        SigningEnabled: id.dkimTokens !== undefined,
        Status: id.dkim?.status ?? 'NOT_STARTED',
        ...(id.dkimTokens && { Tokens: id.dkimTokens, SigningHostedZone: 'dkim.amazonses.com' }),
        SigningAttributesOrigin: 'AWS_SES',
        NextSigningKeyLength: id.keyLength,
        ...(id.dkimTokens && {
          CurrentSigningKeyLength: id.keyLength,
          LastKeyGenerationTimestamp: seconds(id.createdAt),
        }),
      };

const ACTIONS: Record<string, Action> = {
  async CreateEmailIdentity(account, call, _, body) {
    const name = domainOf(body.EmailIdentity, 'EmailIdentity');
    if (account.identities.has(name))
      throw new SesError('AlreadyExistsException', 400, `Email identity ${name} already exist.`);
    const attributes = (body.DkimSigningAttributes ?? {}) as Body;
    if (typeof body.ConfigurationSetName === 'string') {
      throw new SesError('NotFoundException', 404, `Configuration set <${body.ConfigurationSetName}> does not exist.`);
    }
    const external = attributes.DomainSigningPrivateKey !== undefined || attributes.DomainSigningSelector !== undefined;
    // Checked before the identity exists: a refused key creates nothing.
    const signing = signingOf(attributes, external);
    const now = account.now();
    const id = account.identities.add(name, call.region, now);
    applySigning(id, signing, now);
    id.tags = Array.isArray(body.Tags) ? (body.Tags as Identity['tags']) : [];
    account.save();
    return { IdentityType: 'DOMAIN', VerifiedForSendingStatus: false, DkimAttributes: dkimAttributes(id) };
  },
  async GetEmailIdentity(account, _, raw) {
    const id = account.identities.existing(raw);
    await refresh(id, account);
    account.save();
    const v = verification(id);
    return {
      IdentityType: 'DOMAIN',
      FeedbackForwardingStatus: true,
      VerifiedForSendingStatus: v.status === 'SUCCESS',
      DkimAttributes: dkimAttributes(id),
      // Without a custom MAIL FROM, SES leaves out the domain and its status (that enum has no NOT_STARTED).
      MailFromAttributes: {
        ...(id.mailFrom && { MailFromDomain: id.mailFrom.domain, MailFromDomainStatus: id.mailFrom.status }),
        BehaviorOnMxFailure: id.behaviorOnMxFailure,
      },
      Policies: {},
      Tags: id.tags,
      VerificationStatus: v.status,
      VerificationInfo: {
        LastCheckedTimestamp: seconds(v.lastChecked),
        LastSuccessTimestamp: seconds(v.lastSuccess),
        ErrorType: v.status === 'SUCCESS' ? undefined : v.problem,
      },
    };
  },
  async DeleteEmailIdentity(account, _, raw) {
    account.identities.delete(account.identities.existing(raw).name);
    account.save();
    return {};
  },
  async PutEmailIdentityMailFromAttributes(account, _, raw, body) {
    const id = account.identities.find(raw);
    if (!id) throw badRequest(`Identity <${raw}> does not exist.`); // SES answers 400 here, not 404
    const behavior = body.BehaviorOnMxFailure ?? 'USE_DEFAULT_VALUE';
    if (behavior !== 'USE_DEFAULT_VALUE' && behavior !== 'REJECT_MESSAGE') {
      throw badRequest(`Invalid BehaviorOnMxFailure ${String(behavior)}.`);
    }
    const domain = body.MailFromDomain ? domainOf(body.MailFromDomain, 'MailFromDomain') : undefined;
    setMailFrom(id, domain, behavior, account.now());
    account.save();
    return {};
  },
  async PutEmailIdentityDkimSigningAttributes(account, _, raw, body) {
    const id = account.identities.existing(raw);
    const origin = body.SigningAttributesOrigin;
    if (origin !== 'AWS_SES' && origin !== 'EXTERNAL')
      throw badRequest(`Invalid SigningAttributesOrigin ${String(origin)}.`);
    const attributes = (body.SigningAttributes ?? {}) as Body;
    if (
      origin === 'AWS_SES' &&
      !id.byodkim &&
      id.dkimTokens &&
      (attributes.NextSigningKeyLength ?? id.keyLength) === id.keyLength
    ) {
      throw badRequest('The identity already uses this DKIM key length.');
    }
    applySigning(id, signingOf(attributes, origin === 'EXTERNAL'), account.now());
    account.save();
    return { DkimStatus: id.dkim?.status, DkimTokens: id.dkimTokens ?? [] };
  },
  /** Statuses as of the last GetEmailIdentity: listing looks nothing up. */
  async ListEmailIdentities(account, _, __, body) {
    const size = Number(body.PageSize ?? 100);
    if (!Number.isInteger(size) || size < 1 || size > 1000) throw badRequest('Invalid PageSize.');
    const start =
      typeof body.NextToken === 'string' ? Number(Buffer.from(body.NextToken, 'base64url').toString()) || 0 : 0;
    const all = account.identities.list();
    const next = start + size < all.length ? Buffer.from(String(start + size)).toString('base64url') : undefined;
    const EmailIdentities = all.slice(start, start + size).map((id) => ({
      IdentityType: 'DOMAIN',
      IdentityName: id.name,
      SendingEnabled: verification(id).status === 'SUCCESS',
      VerificationStatus: verification(id).status,
    }));
    return { EmailIdentities, NextToken: next };
  },
};

/** A v2 call ready to run, or the answer SES gives before it counts as a call. */
export type V2Request =
  | { readonly action: string; readonly run: (account: Account, call: CallContext) => Promise<unknown> }
  | { readonly refused: (res: ServerResponse) => void };

export function v2Request(method: string, url: URL, text: string): V2Request {
  const route = ROUTES.map(([m, re, name]) => [m === method && re.exec(url.pathname), name] as const).find(
    ([match]) => match,
  );
  if (!route) return { refused: (res) => sendJson(res, 404, { message: null }, 'UnknownOperationException') };
  const [match, action] = route;
  let body: Body;
  try {
    // Older SDKs list with GET and query parameters.
    body = { ...Object.fromEntries(url.searchParams), ...(text ? (JSON.parse(text) as Body) : {}) };
  } catch {
    return { refused: (res) => sendJson(res, 400, { message: 'Invalid JSON body.' }, 'BadRequestException') };
  }
  const id = (match || [])[1] ?? '';
  return { action, run: (account, call) => ACTIONS[action]!(account, call, decodeURIComponent(id), body) };
}

export const answerV2 = (res: ServerResponse, _action: string, result: unknown) => sendJson(res, 200, result);

export const failV2 = (res: ServerResponse, error: SesError) =>
  sendJson(res, error.status, { message: error.message }, error.code);
