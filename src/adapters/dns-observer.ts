/**
 * Asks DNS every question the diagnostics need, in parallel, through the resolver configured by
 * DNS_SERVERS (the system's resolvers when unset). Answers are data: found, none, or an error code.
 */
import { createResolver, DnsLookupError, lookup } from './dns.js';
import { questionKey, type Answers, type Mx, type Observation, type Question } from '../domain/diagnostics.js';

const resolver = createResolver();

async function ask(q: Question): Promise<Observation<string | Mx>> {
  try {
    const r = await lookup(resolver, q.name, q.type);
    return r.found ? { kind: 'found', values: r.records } : { kind: 'none', reason: r.reason };
  } catch (err) {
    return { kind: 'error', code: err instanceof DnsLookupError ? err.code : 'EUNKNOWN' };
  }
}

export async function observe(questions: readonly Question[]): Promise<Answers> {
  const answers = await Promise.all(questions.map(async (q) => [questionKey(q), await ask(q)] as const));
  return new Map(answers);
}
