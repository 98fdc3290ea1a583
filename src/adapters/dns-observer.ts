/**
 * Asks DNS every question the diagnostics need, in parallel, through the resolver configured by
 * DNS_SERVERS (the system's resolvers when unset). Answers are data: found, none, or an error code.
 * All the questions of one check share a deadline: name servers that never answer cost a check a
 * few seconds, not the resolver's timeout times its tries times its servers, so they cannot hold a
 * batch past the function's time.
 */

import { type Answers, type Mx, type Observation, type Question, questionKey } from '../domain/diagnosis.js';
import { createResolver, DnsLookupError, lookup, type Resolver } from './dns.js';

/** How long one check waits for all its DNS answers: a lost packet still gets a second try. */
export const DNS_DEADLINE_MS = 4_000;

/** The code of an answer that did not come before the deadline, as the resolver names its own timeouts. */
export const DEADLINE_CODE = 'ETIMEOUT';

const servers = process.env.DNS_SERVERS;

export interface ObserveOptions {
  readonly deadlineMs?: number;
  /** The resolver to ask (its lookups are cancelled at the deadline); by default a new one per call, so a deadline cancels only its own check's lookups. */
  readonly resolver?: Resolver;
}

export async function observe(questions: readonly Question[], options: ObserveOptions = {}): Promise<Answers> {
  const resolver = options.resolver ?? createResolver(servers);
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<Observation<never>>((resolve) => {
    timer = setTimeout(() => {
      resolve({ kind: 'error', code: DEADLINE_CODE });
      // Stops the resolver's retries: nobody waits for them any more.
      resolver.cancel();
    }, options.deadlineMs ?? DNS_DEADLINE_MS);
  });

  async function ask(q: Question): Promise<Observation<string | Mx>> {
    try {
      const r = await lookup(resolver, q.name, q.type);
      return r.found ? { kind: 'found', values: r.records } : { kind: 'none', reason: r.reason };
    } catch (err) {
      const code = err instanceof DnsLookupError ? err.code : 'EUNKNOWN';
      // Cancelled by the deadline: the server did not answer in time.
      return { kind: 'error', code: code === 'ECANCELLED' ? DEADLINE_CODE : code };
    }
  }

  try {
    const answers = await Promise.all(
      questions.map(async (q) => [questionKey(q), await Promise.race([ask(q), expired])] as const),
    );
    return new Map(answers);
  } finally {
    clearTimeout(timer);
  }
}
