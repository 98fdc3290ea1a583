/**
 * An authoritative DNS server for tests (dns2), on 127.0.0.1 over UDP and TCP on the same free
 * port, serving records the test sets. It answers like a real zone: NXDOMAIN for unknown names,
 * NOERROR with no answer when the name has other types only, and a CNAME (followed inside the
 * zone) for any other type asked of a name that has one.
 */
import dns2 from 'dns2';
import type { DnsHandler, Resource } from 'dns2';
import type { Socket } from 'node:net';

const { Packet } = dns2;

export type RecordType = 'TXT' | 'CNAME' | 'MX' | 'A';
export type RecordValue = string | { exchange: string; priority: number };
/** servfail answers SERVFAIL, refused answers REFUSED, timeout never answers. */
export type FailureMode = 'servfail' | 'refused' | 'timeout';

export interface DnsTestServer {
  readonly port: number;
  /** '127.0.0.1:PORT', ready for `DNS_SERVERS` or `Resolver.setServers`. */
  readonly address: string;
  /** Replaces the record set of this name and type. */
  set(name: string, type: RecordType, values: RecordValue[]): void;
  /** Removes one record set of a name, or the whole name when no type is given. */
  remove(name: string, type?: string): void;
  /** Makes every query for this name fail (until `remove(name)` or `clear()`). */
  fail(name: string, mode?: FailureMode): void;
  clear(): void;
  close(): Promise<void>;
}

/** RFC 1035 §4.1.1 response codes (dns2 has them at runtime, not in its types). */
const RCODE = { FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 } as const;
const TTL = 60;
const MAX_CNAME_HOPS = 8;
const TXT_CHUNK = 255;

type Zone = Map<string, Map<RecordType, RecordValue[]>>;

const key = (name: string) => name.trim().toLowerCase().replace(/\.$/, '');

export async function startDnsServer(): Promise<DnsTestServer> {
  const zone: Zone = new Map();
  const failures = new Map<string, FailureMode>();

  const handle: DnsHandler = (request, send) => {
    const response = Packet.createResponseFromRequest(request);
    response.header.aa = 1;
    const question = request.questions[0];
    const failure = question && failures.get(key(question.name));
    if (failure === 'timeout') return;
    if (!question) response.header.rcode = RCODE.FORMERR;
    else if (failure) response.header.rcode = failure === 'servfail' ? RCODE.SERVFAIL : RCODE.REFUSED;
    else {
      if (!zone.has(key(question.name))) response.header.rcode = RCODE.NXDOMAIN;
      response.answers = answer(zone, question.name, question.type);
    }
    send(response).catch(() => undefined);
  };

  const { udp, tcp, port } = await listenOnSamePort(handle);
  // Resolvers keep TCP connections open; close() must not wait for them.
  const sockets = new Set<Socket>();
  tcp.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  return {
    port,
    address: `127.0.0.1:${port}`,
    set(name, type, values) {
      const records = zone.get(key(name)) ?? new Map<RecordType, RecordValue[]>();
      records.set(type, [...values]);
      zone.set(key(name), records);
    },
    remove(name, type) {
      failures.delete(key(name));
      if (type === undefined) zone.delete(key(name));
      else {
        const records = zone.get(key(name));
        records?.delete(type.toUpperCase() as RecordType);
        if (records?.size === 0) zone.delete(key(name));
      }
    },
    fail(name, mode = 'servfail') {
      failures.set(key(name), mode);
    },
    clear() {
      zone.clear();
      failures.clear();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await Promise.all([
        new Promise<void>((resolve) => udp.close(() => resolve())),
        new Promise<void>((resolve) => tcp.close(() => resolve())),
      ]);
    },
  };
}

function answer(zone: Zone, qname: string, qtype: number): Resource[] {
  const answers: Resource[] = [];
  let name = key(qname);
  for (let hop = 0; hop <= MAX_CNAME_HOPS; hop++) {
    const records = zone.get(name);
    if (!records) break;
    const cname = records.get('CNAME');
    // A CNAME owns its name: whatever else is stored there is shadowed, as on a real server.
    if (cname && cname.length > 0 && qtype !== Packet.TYPE.CNAME) {
      const target = key(String(cname[0]));
      answers.push(resource(name, 'CNAME', target));
      name = target;
      continue;
    }
    const type = typeName(qtype);
    for (const value of (type && records.get(type)) || []) answers.push(resource(name, type as RecordType, value));
    break;
  }
  return answers;
}

function typeName(qtype: number): RecordType | undefined {
  return (['TXT', 'CNAME', 'MX', 'A'] as const).find((t) => Packet.TYPE[t] === qtype);
}

function resource(name: string, type: RecordType, value: RecordValue): Resource {
  const base = { name, type: Packet.TYPE[type], class: Packet.CLASS.IN, ttl: TTL };
  switch (type) {
    case 'TXT':
      // dns2 writes Buffers as they are (strings would be re-encoded, breaking a split character).
      return new Packet.Resource({ ...base, data: chunks(String(value)) as unknown as string[] });
    case 'CNAME':
      return new Packet.Resource({ ...base, domain: key(String(value)) });
    case 'MX': {
      const mx = typeof value === 'string' ? { exchange: value, priority: 10 } : value;
      return new Packet.Resource({ ...base, exchange: key(mx.exchange), priority: mx.priority });
    }
    case 'A':
      return new Packet.Resource({ ...base, address: String(value) });
  }
}

/** TXT strings hold at most 255 bytes each; a longer value is published as consecutive strings. */
function chunks(value: string): Buffer[] {
  const bytes = Buffer.from(value, 'utf8');
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += TXT_CHUNK) out.push(bytes.subarray(i, i + TXT_CHUNK));
  return out.length > 0 ? out : [Buffer.alloc(0)];
}

/**
 * Binds UDP on a free port, then TCP on the same number (a resolver retries a truncated answer
 * over TCP on the port it was given); starts over when that TCP port happens to be taken.
 */
async function listenOnSamePort(handle: DnsHandler) {
  for (let attempt = 1; ; attempt++) {
    const udp = dns2.createUDPServer(handle);
    const tcp = dns2.createTCPServer(handle);
    udp.on('requestError', () => undefined);
    tcp.on('requestError', () => undefined);
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(0, '127.0.0.1', () => resolve());
    });
    const port = udp.address().port;
    try {
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen(port, '127.0.0.1', () => resolve());
      });
      return { udp, tcp, port };
    } catch (error) {
      udp.close();
      if (attempt >= 10 || (error as { code?: string }).code !== 'EADDRINUSE') throw error;
    }
  }
}
