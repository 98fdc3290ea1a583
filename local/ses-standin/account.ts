/** What the SES actions of both API generations work on: one account's identities in one region. */
import type { Identities, Lookup } from './identities.js';

export interface Account {
  /** The 12-digit AWS account id. */
  readonly account: string;
  readonly identities: Identities;
  /** The region SES "runs in": the MAIL FROM MX of its identities must point there. */
  readonly region: string;
  readonly now: () => number;
  readonly lookup: Lookup;
  /** Persists the identities after a change. */
  save(): void;
}

/** One call: the region of its SigV4 credential scope, where an identity it creates lives. */
export interface CallContext {
  readonly region: string;
}
