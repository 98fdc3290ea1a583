/** SES v1 (Query/XML): VerifyDomainIdentity, for the `_amazonses` TXT token, and DeleteIdentity. */
import { randomBytes, randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Account, CallContext } from './account.js';
import { SesError } from './errors.js';
import { send } from './http.js';
import { domainOf, startTxtVerification } from './identities.js';

const NS = 'http://ses.amazonaws.com/doc/2010-12-01/';

const xml = (s: string) => s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** v1 actions return the inner XML of their `<Action>Result>` element. */
const ACTIONS: Record<string, (account: Account, call: CallContext, form: URLSearchParams) => Promise<string>> = {
  async VerifyDomainIdentity(account, call, form) {
    let name: string;
    try {
      name = domainOf(form.get('Domain'), 'Domain');
    } catch (error) {
      throw new SesError('InvalidParameterValue', 400, (error as Error).message);
    }
    // The same identity as v2's: VerifyDomainIdentity first makes CreateEmailIdentity answer AlreadyExists.
    const id = account.identities.find(name) ?? account.identities.add(name, call.region, account.now());
    // Calling it again restarts a search that failed.
    const token = startTxtVerification(id, () => randomBytes(32).toString('base64'), account.now());
    account.save();
    return `<VerificationToken>${xml(token)}</VerificationToken>`;
  },
  async DeleteIdentity(account, _, form) {
    // v1 deletes idempotently: an unknown identity is not an error.
    account.identities.delete(form.get('Identity') ?? '');
    account.save();
    return '';
  },
};

/** The v1 call a form body asks for; an unknown action fails as a call, like SES's InvalidAction. */
export function v1Request(text: string): {
  readonly action: string;
  readonly run: (account: Account, call: CallContext) => Promise<unknown>;
} {
  const form = new URLSearchParams(text);
  const action = form.get('Action') ?? 'Unknown';
  const op = ACTIONS[action];
  return {
    action,
    run: (account, call) =>
      op ? op(account, call, form) : Promise.reject(new SesError('InvalidAction', 400, `Unknown action ${action}.`)),
  };
}

const meta = () => `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata>`;

export const answerV1 = (res: ServerResponse, action: string, result: unknown) =>
  send(
    res,
    200,
    'xml',
    `<${action}Response xmlns="${NS}"><${action}Result>${String(result)}</${action}Result>${meta()}</${action}Response>`,
  );

export function failV1(res: ServerResponse, error: SesError) {
  const detail = `<Type>${error.fault}</Type><Code>${error.code}</Code><Message>${xml(error.message)}</Message>`;
  send(
    res,
    error.status,
    'xml',
    `<ErrorResponse xmlns="${NS}"><Error>${detail}</Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
  );
}
