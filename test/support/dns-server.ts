/**
 * An authoritative DNS server for tests (dns2), on 127.0.0.1 over UDP and TCP on the same free
 * port, serving records the test sets. It answers like a real zone: NXDOMAIN for unknown names,
 * NOERROR with no answer when the name has other types only, and a CNAME (followed inside the
 * zone) for any other type asked of a name that has one. A large answer (hundreds of values, tens
 * of KB) goes as a real server sends it: truncated over UDP, whole over TCP.
 */

import type { Socket } from 'node:net';
import type { DnsHandler, Resource } from 'dns2';
import dns2 from 'dns2';
import ipaddr from 'ipaddr.js';

const { Packet } = dns2;

export type RecordType = 'TXT' | 'CNAME' | 'MX' | 'A' | 'AAAA';
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

  const handler =
    (transport: 'udp' | 'tcp'): DnsHandler =>
    (request, send) => {
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
      const message = large(response)
        ? encodeLarge(response, transport === 'udp' ? udpPayloadSize(request) : MAX_MESSAGE)
        : response;
      // dns2's TCP send returns nothing, whatever its types say: `.catch` on it threw inside the
      // handler, and dns2 then closed the connection with every query pipelined on it.
      Promise.resolve(send(message)).catch(() => undefined);
    };

  const { udp, tcp, port } = await listenOnSamePort(handler);
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
  return (['TXT', 'CNAME', 'MX', 'A', 'AAAA'] as const).find((t) => Packet.TYPE[t] === qtype);
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
    case 'AAAA':
      // All eight groups: dns2 cannot encode `::ffff:10.0.0.5` or other mixed notations.
      return new Packet.Resource({ ...base, address: ipaddr.IPv6.parse(String(value)).toNormalizedString() });
  }
}

/** TXT strings hold at most 255 bytes each; a longer value is published as consecutive strings. */
function chunks(value: string): Buffer[] {
  const bytes = Buffer.from(value, 'utf8');
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += TXT_CHUNK) out.push(bytes.subarray(i, i + TXT_CHUNK));
  return out.length > 0 ? out : [Buffer.alloc(0)];
}

/*
 * Large answers. dns2 writes messages bit by bit: some 60 KB take it over a second and a half, once
 * for UDP and again for TCP, enough to run past a check's DNS deadline on its own. Above a few KB
 * the message is written here with Buffers instead: over UDP a header and the question with the TC
 * flag (as dns2 does for any answer past the client's EDNS size), over TCP the whole answer. Not with
 * the `dns-packet` library: it writes no name compression (mafintosh/dns-packet#55), and the owner
 * name compressed to a 2-byte pointer is what keeps answers of this size under TCP's 64 KB.
 */
const LARGE_BYTES = 4096;
/** UDP payload without EDNS (RFC 1035 §4.2.1). */
const UDP_PAYLOAD = 512;
/** A TCP message carries a 16-bit length. */
const MAX_MESSAGE = 65_535;

interface WireResource {
  name: string;
  type: number;
  class: number;
  ttl: number;
  data?: Buffer[];
  domain?: string;
  exchange?: string;
  priority?: number;
  address?: string;
}

function rdata(r: WireResource): Buffer {
  switch (r.type) {
    case Packet.TYPE.TXT:
      return Buffer.concat((r.data ?? []).flatMap((chunk) => [Buffer.from([chunk.length]), chunk]));
    case Packet.TYPE.CNAME:
      return wireName(r.domain ?? '');
    case Packet.TYPE.MX: {
      const priority = Buffer.alloc(2);
      priority.writeUInt16BE(r.priority ?? 0);
      return Buffer.concat([priority, wireName(r.exchange ?? '')]);
    }
    default:
      return Buffer.from((r.address ?? '0.0.0.0').split('.').map(Number));
  }
}

function wireName(name: string): Buffer {
  const labels = key(name)
    .split('.')
    .filter((l) => l.length > 0);
  return Buffer.concat([
    ...labels.flatMap((l) => [Buffer.from([Buffer.byteLength(l)]), Buffer.from(l)]),
    Buffer.from([0]),
  ]);
}

const large = (response: InstanceType<typeof Packet>) =>
  (response.answers as unknown as WireResource[]).reduce((n, r) => n + r.name.length + 12 + rdata(r).length, 0) >
  LARGE_BYTES;

/** The payload size the client offers in its EDNS record, or UDP's plain 512 bytes. */
function udpPayloadSize(request: InstanceType<typeof Packet>): number {
  const opt = (request.additionals as unknown as WireResource[]).find((r) => r.type === Packet.TYPE.EDNS);
  return Math.max(opt?.class ?? 0, UDP_PAYLOAD);
}

function encodeLarge(response: InstanceType<typeof Packet>, limit: number): Buffer {
  const question = response.questions[0]!;
  const answers = response.answers as unknown as WireResource[];
  const records = answers.map((r) => {
    const data = rdata(r);
    const fixed = Buffer.alloc(10);
    fixed.writeUInt16BE(r.type, 0);
    fixed.writeUInt16BE(r.class, 2);
    fixed.writeUInt32BE(r.ttl, 4);
    fixed.writeUInt16BE(data.length, 8);
    // The owner name as a pointer to the question's (offset 12), as servers compress it.
    const owner = key(r.name) === key(question.name) ? Buffer.from([0xc0, 12]) : wireName(r.name);
    return Buffer.concat([owner, fixed, data]);
  });
  const q = Buffer.alloc(4);
  q.writeUInt16BE(question.type, 0);
  q.writeUInt16BE(question.class, 2);
  const questionBytes = Buffer.concat([wireName(question.name), q]);
  const whole = 12 + questionBytes.length + records.reduce((n, r) => n + r.length, 0);
  const truncated = whole > limit;
  const h = response.header;
  const header = Buffer.alloc(12);
  header.writeUInt16BE(h.id, 0);
  header.writeUInt16BE(
    (1 << 15) | (h.opcode << 11) | (h.aa << 10) | (Number(truncated) << 9) | (h.rd << 8) | (h.ra << 7) | h.rcode,
    2,
  );
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(truncated ? 0 : records.length, 6);
  return Buffer.concat([header, questionBytes, ...(truncated ? [] : records)]);
}

/**
 * Binds UDP on a free port, then TCP on the same number (a resolver retries a truncated answer
 * over TCP on the port it was given); starts over when that TCP port happens to be taken.
 */
async function listenOnSamePort(handler: (transport: 'udp' | 'tcp') => DnsHandler) {
  for (let attempt = 1; ; attempt++) {
    const udp = dns2.createUDPServer(handler('udp'));
    const tcp = dns2.createTCPServer(handler('tcp'));
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
