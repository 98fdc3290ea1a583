/**
 * A raw HTTP client for the API: any method, any path bytes, repeated or odd headers, any body, and
 * a deadline after which the request counts as timed out (the way a client gives up on a stalled
 * function). Unlike fetch it sends what it is given, which the bad-input corpus needs.
 */
import { Agent, request as httpRequest } from 'node:http';

export interface RawRequest {
  readonly method: string;
  /** Path below the API base (`/domains/...`), or absolute from the host when `absolute`. */
  readonly path: string;
  readonly absolute?: boolean;
  /** Header pairs, in order; a name may repeat. */
  readonly headers?: ReadonlyArray<readonly [string, string]>;
  readonly body?: string | Buffer;
  readonly timeoutMs?: number;
}

export interface Answer {
  readonly status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  readonly text: string;
  // biome-ignore lint/suspicious/noExplicitAny: a parsed answer body; each check reads the fields it asserts
  readonly json: any;
  readonly ms: number;
}

export type Outcome =
  | Answer
  | { readonly status: 'timeout'; readonly ms: number }
  | { readonly status: 'error'; readonly error: string; readonly ms: number };

export function isAnswer(o: Outcome): o is Answer {
  return typeof o.status === 'number';
}

/** Outcomes counted by status and, for errors, their code: `3× 409 identity_in_use, 1× timeout`. */
export function histogram(outs: readonly Outcome[]): string {
  const h = new Map<string, number>();
  for (const o of outs) {
    const k = isAnswer(o) ? `${o.status}${o.status >= 400 ? ` ${o.json?.error?.code ?? ''}` : ''}` : o.status;
    h.set(k, (h.get(k) ?? 0) + 1);
  }
  return [...h].map(([k, n]) => `${n}× ${k}`).join(', ');
}

export class RawClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 128 });
  private readonly base: URL;

  constructor(apiUrl: string) {
    this.base = new URL(apiUrl);
  }

  send(r: RawRequest): Promise<Outcome> {
    const started = Date.now();
    const path = r.absolute ? r.path : `${this.base.pathname}${r.path}`;
    // Repeated names go out as repeated header lines.
    const flat: Record<string, string | string[]> = {};
    for (const [k, v] of r.headers ?? []) {
      const name = k.toLowerCase();
      const had = flat[name];
      flat[name] = had === undefined ? v : ([] as string[]).concat(had, v);
    }
    const body = r.body === undefined ? undefined : Buffer.isBuffer(r.body) ? r.body : Buffer.from(r.body, 'utf8');
    if (body && flat['content-length'] === undefined) flat['content-length'] = String(body.length);
    return new Promise<Outcome>((resolve) => {
      let settled = false;
      const done = (o: Outcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(o);
      };
      let req: ReturnType<typeof httpRequest>;
      try {
        req = httpRequest(
          {
            host: this.base.hostname,
            port: this.base.port,
            method: r.method,
            path,
            headers: flat,
            agent: this.agent,
            setHost: true,
          },
          (res) => {
            const parts: Buffer[] = [];
            res.on('data', (c: Buffer) => parts.push(c));
            res.on('error', (e) => done({ status: 'error', error: String(e), ms: Date.now() - started }));
            res.on('end', () => {
              const text = Buffer.concat(parts).toString('utf8');
              let json: unknown;
              try {
                json = text ? JSON.parse(text) : undefined;
              } catch {
                json = undefined;
              }
              const headers: Record<string, string> = {};
              for (const [k, v] of Object.entries(res.headers))
                if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
              done({ status: res.statusCode ?? 0, headers, text, json, ms: Date.now() - started });
            });
          },
        );
      } catch (e) {
        done({ status: 'error', error: String(e), ms: 0 });
        return;
      }
      const timer = setTimeout(() => {
        done({ status: 'timeout', ms: Date.now() - started });
        req.destroy();
      }, r.timeoutMs ?? 20_000);
      req.on('error', (e) => done({ status: 'error', error: String(e), ms: Date.now() - started }));
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
