/**
 * One webhook attempt: a single POST to the customer's endpoint, judged by its status. The URL is
 * checked again, its host resolved here (through `DNS_SERVERS`, like the verifier), every address
 * checked, and the connection made to the checked address itself, so a name that answers
 * differently a moment later (DNS rebinding) cannot lead inside. No redirects, one deadline for
 * the whole attempt, and no exception: whatever happens becomes the result the delivery log keeps.
 */

import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { parseRetryAfter } from '../domain/webhook-retry.js';
import { checkWebhookUrl, forbiddenAddress, isLocalhostName } from '../domain/webhook-url.js';
import { createResolver } from './dns.js';

export const WEBHOOK_TIMEOUT_MS = 10_000;
/** How much of the receiver's answer the delivery log keeps. */
export const RESPONSE_BODY_LIMIT = 1024;
const USER_AGENT = 'Krafter-Webhooks/1.0';

export interface SendInput {
  url: string;
  headers: Record<string, string>;
  body: string;
  /** The whole attempt, name lookup included. */
  timeoutMs?: number;
  allowLocal: boolean;
}

export interface SendResult {
  delivered: boolean;
  statusCode: number | null;
  durationMs: number;
  /** What went wrong, for the delivery log: never holds a header or the body sent. */
  error: string | null;
  /** The first 1 KiB of the answer. */
  responseBody: string;
  /** Seconds the receiver asked to wait (Retry-After on 429 or 503). */
  retryAfterSeconds?: number;
  /** 410 Gone: the receiver wants no more deliveries. */
  gone: boolean;
}

/** A host name's IPv4 and IPv6 addresses; empty when the name has none. Stops when `signal` aborts. */
export type ResolveHost = (hostname: string, signal: AbortSignal) => Promise<string[]>;

class RefusedTarget extends Error {}

export async function sendWebhook(
  input: SendInput,
  resolveHost: ResolveHost = resolveWithDnsServers,
): Promise<SendResult> {
  const started = performance.now();
  const timeoutMs = input.timeoutMs ?? WEBHOOK_TIMEOUT_MS;
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), timeoutMs);
  const result = (part: Partial<SendResult>): SendResult => ({
    delivered: false,
    statusCode: null,
    error: null,
    responseBody: '',
    gone: false,
    ...part,
    durationMs: Math.round(performance.now() - started),
  });
  try {
    const check = checkWebhookUrl(input.url, { allowLocal: input.allowLocal });
    if (!check.ok) return result({ error: check.reason });
    const address = await untilAborted(
      targetAddress(check.url, input.allowLocal, (host) => resolveHost(host, deadline.signal)),
      deadline.signal,
    );
    const answer = await post(check.url, address, input, deadline.signal);
    const status = answer.statusCode;
    const retryAfter = status === 429 || status === 503 ? parseRetryAfter(answer.retryAfter, Date.now()) : undefined;
    const delivered = status >= 200 && status < 300;
    return result({
      delivered,
      statusCode: status,
      error: delivered
        ? null
        : status >= 300 && status < 400
          ? `HTTP ${status}: redirects are not followed`
          : `HTTP ${status}`,
      responseBody: answer.body,
      gone: status === 410,
      ...(retryAfter === undefined ? {} : { retryAfterSeconds: retryAfter }),
    });
  } catch (error) {
    return result({ error: describe(error, deadline.signal.aborted, timeoutMs) });
  } finally {
    clearTimeout(timer);
  }
}

/** The one address this attempt connects to, after every address of the host passed the check. */
async function targetAddress(
  url: URL,
  allowLocal: boolean,
  resolveHost: (hostname: string) => Promise<string[]>,
): Promise<string> {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  // Loopback by definition (RFC 6761), and only reachable here when allowLocal let the URL through.
  else if (isLocalhostName(host)) addresses = ['127.0.0.1'];
  else {
    addresses = await resolveHost(host.replace(/\.+$/, ''));
    if (addresses.length === 0) throw new RefusedTarget(`host ${host} has no address`);
  }
  for (const address of addresses) {
    const why = forbiddenAddress(address, { allowLocal });
    if (why !== null) throw new RefusedTarget(`host ${host} resolves to a refused address (${why}); not sent`);
  }
  const chosen = addresses.find((a) => isIP(a) === 4) ?? addresses[0]!;
  // The Lambda runtime API shares our loopback; nothing may reach it, whatever the settings say.
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  if (isRuntimeApi(chosen, port)) throw new RefusedTarget('the Lambda runtime API is never a webhook target');
  return chosen;
}

/** True when address:port is the runtime API Lambda names in AWS_LAMBDA_RUNTIME_API (IPv4-mapped forms too). */
function isRuntimeApi(address: string, port: string): boolean {
  const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(process.env.AWS_LAMBDA_RUNTIME_API ?? '');
  if (!match || match[2] !== port || !ipaddr.isValid(match[1]!)) return false;
  return ipaddr.process(match[1]!).toString() === ipaddr.process(address).toString();
}

/** A and AAAA records through `DNS_SERVERS`; one family failing is fine when the other answers. */
export async function resolveWithDnsServers(hostname: string, signal: AbortSignal): Promise<string[]> {
  const resolver = createResolver();
  // Past the deadline the answer is of no use: the queries are cancelled rather than left retrying.
  const cancel = () => resolver.cancel();
  signal.addEventListener('abort', cancel, { once: true });
  const [v4, v6] = await Promise.allSettled([resolver.resolve4(hostname), resolver.resolve6(hostname)]).finally(() =>
    signal.removeEventListener('abort', cancel),
  );
  const addresses = [v4, v6].flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
  if (addresses.length > 0) return addresses;
  const codes = [v4, v6].map((r) =>
    r.status === 'rejected' ? String((r.reason as { code?: unknown }).code) : 'ENODATA',
  );
  if (codes.every((code) => code === 'ENOTFOUND' || code === 'ENODATA')) return [];
  throw new RefusedTarget(
    `DNS lookup for ${hostname} failed: ${codes.find((c) => c !== 'ENOTFOUND' && c !== 'ENODATA')}`,
  );
}

interface Answer {
  statusCode: number;
  body: string;
  retryAfter: string | undefined;
}

/** POSTs to `address` while the Host header and TLS name stay the URL's host; never follows a redirect. */
function post(url: URL, address: string, input: SendInput, signal: AbortSignal): Promise<Answer> {
  const family = isIP(address);
  const pinned: LookupFunction = (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  };
  const name = url.hostname.replace(/\.+$/, '');
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<Answer>((resolve, reject) => {
    let response: IncomingMessage | undefined;
    const chunks: Buffer[] = [];
    let size = 0;
    const answer = () => {
      if (!response) return;
      resolve({
        statusCode: response.statusCode ?? 0,
        body: Buffer.concat(chunks).subarray(0, RESPONSE_BODY_LIMIT).toString('utf8'),
        retryAfter: [response.headers['retry-after']].flat()[0],
      });
    };
    const req = request(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': USER_AGENT,
        ...input.headers,
        'content-length': String(Buffer.byteLength(input.body)),
      },
      // A fresh connection per attempt: a pooled socket could belong to another address or endpoint.
      agent: false,
      lookup: pinned,
      ...(isIP(name) || url.protocol !== 'https:' ? {} : { servername: name }),
      signal,
    });
    req.on('response', (res) => {
      response = res;
      res.on('data', (chunk: Buffer) => {
        if (size < RESPONSE_BODY_LIMIT) chunks.push(chunk);
        size += chunk.length;
        // Enough kept: the rest of a large or endless answer is not waited for.
        if (size >= RESPONSE_BODY_LIMIT) {
          answer();
          res.destroy();
        }
      });
      res.on('end', answer);
      res.on('close', answer);
      res.on('error', answer);
    });
    // After the status line arrived, a cut-off body still leaves an answer to judge.
    req.on('error', (error) => (response ? answer() : reject(error)));
    req.end(input.body);
  });
}

function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error('aborted'));
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** Error text for the delivery log: the failure's kind, without anything the request carried. */
function describe(error: unknown, timedOut: boolean, timeoutMs: number): string {
  if (timedOut) return `timed out after ${timeoutMs} ms`;
  if (error instanceof RefusedTarget) return error.message;
  const code = (error as { code?: unknown }).code;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
      return 'connection reset by the receiver';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'receiver unreachable';
    case 'ETIMEDOUT':
      return 'connection timed out';
  }
  if (typeof code === 'string' && (code.includes('CERT') || code.startsWith('ERR_TLS') || code.includes('SSL'))) {
    return `TLS error: ${code}`;
  }
  return typeof code === 'string' ? `request failed: ${code}` : 'request failed';
}
