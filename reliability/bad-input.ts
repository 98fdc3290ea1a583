/**
 * The bad-input corpus: hand-picked malformed requests plus ones fast-check generates from a fixed
 * seed, against every endpoint. Each must get a 4xx in the error envelope (with the status named
 * where the contract fixes it) and leave the table, the SES stand-in and the verify queue exactly
 * as they were: the table is scanned and compared after every single request.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { API_BASE_PATH, routes as ROUTES } from '../src/routes.js';
import type { RawRequest } from './client.js';
import { isAnswer } from './client.js';
import { badChecksumKey, wellFormedUnknownKey } from './forged-keys.js';
import { describeDiff, fingerprint } from './state.js';
import type { World } from './world.js';

export interface BadRequest {
  /** What is wrong with it. */
  readonly label: string;
  readonly req: RawRequest;
  /** Status the contract fixes for this mistake; any 4xx when absent. */
  readonly expect?: number | readonly number[];
}

export interface CorpusContext {
  /** A key of the team that owns `existingId`. */
  readonly key: string;
  readonly noScopeKey: string;
  readonly otherScopeKey: string;
  readonly revokedKey: string;
  readonly existingId: string;
  readonly existingDomain: string;
  readonly seed: number;
  /** How many requests fast-check adds (before de-duplication). */
  readonly generated: number;
}

const JSON_CT: [string, string] = ['content-type', 'application/json'];
const auth = (key: string): [string, string] => ['authorization', `Bearer ${key}`];
let serial = 0;
/** A fresh, valid, never-registered name: if a bad request were accepted, it would show as a new item. */
const fresh = (tag: string) => `${tag}-${++serial}-${randomUUID().slice(0, 6)}.example.com`;

function create(key: string, body: string | Buffer, contentType: string | null = 'application/json'): RawRequest {
  const headers: [string, string][] = [auth(key)];
  if (contentType !== null) headers.push(['content-type', contentType]);
  return { method: 'POST', path: '/domains', headers, body };
}
const createJson = (key: string, value: unknown) => create(key, JSON.stringify(value));

/** Requests that break the domain rules in `domain`, each with a fresh valid `return_path`. */
const BAD_DOMAINS: readonly string[] = [
  // control characters, spaces, and characters no host name has
  'exa\u0000mple.com',
  'example.com\n',
  '\texample.com',
  'exa mple.com',
  ' example.com',
  'example.com ',
  'example.com\r\nX-Injected: 1',
  'exam\u007fple.com',
  'exa\u200bmple.com',
  '\u202eexample.com',
  'exa\u0008mple.com',
  'example.com\u2028',
  'exa_mple.com',
  '*.example.com',
  'example.com/path',
  'http://example.com',
  'https://example.com/',
  'example.com:443',
  'user@example.com',
  'example.com?x=1',
  'example.com#f',
  '%65xample.com',
  'exa%00mple.com',
  'exa"mple.com',
  "exa'mple.com",
  'exa<b>mple.com',
  'exa\\mple.com',
  'example,com',
  'example;com',
  // labels and dots
  '',
  '.',
  '..',
  '.example.com',
  'example..com',
  'example.com..',
  '..example.com',
  'example.com. ',
  '-example.com',
  'example-.com',
  'example.-com',
  'ex--ample.com',
  'xn--.com',
  'EXAMPLE..COM',
  '-EXAMPLE.COM',
  'EXAMPLE.COM..',
  'example',
  'localhost',
  'com.',
  `${'a'.repeat(64)}.com`,
  `${'ü'.repeat(64)}.com`,
  `${'a'.repeat(60)}ü.com`,
  `${'a.'.repeat(127)}com`,
  `${'abcdefghi.'.repeat(25)}com`,
  'x'.repeat(1025),
  `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}.com`,
  // IP addresses and numeric names
  '127.0.0.1',
  '127.0.0.1.',
  '8.8.8.8',
  '[::1]',
  '::1',
  '::ffff:127.0.0.1',
  '0x7f.1',
  '2130706433',
  '0177.0.0.1',
  '1.2.3.4.5',
  '256.256.256.256',
  'example.123',
  '[2001:db8::1]',
  '2001:db8::1',
  // public suffixes and names outside the public DNS
  'com',
  'co.uk',
  'uk',
  'com.au',
  'github.io',
  's3.amazonaws.com',
  'blogspot.com',
  'herokuapp.com',
  'kawasaki.jp',
  'foo.kawasaki.jp',
  'a.ck',
  'ck',
  'example.local',
  'example.invalid',
  'example.test',
  'example.localhost',
  'CO.UK',
  'co.uk.',
  // unicode that is not a host name
  '😀😀.😀',
  'exa\ud800mple.com',
  '例え.テスト',
  'bücher..de',
  'xn--a.com',
  'xn--zz.example.com',
  'example.xn--a',
  'XN--A.COM',
];

const BAD_RETURN_PATHS: readonly string[] = [
  '1send',
  '-send',
  'send-',
  'se nd',
  'se.nd',
  'se_nd',
  '',
  'a'.repeat(64),
  'send!',
  'sënd',
  'send\n',
  'send.',
  ' send',
  'SEND-',
  's'.repeat(1025),
  '9',
  '-',
  'send/x',
  'send@',
  '\u0000',
  'send\u200b',
];

const INVALID_JSON: readonly string[] = [
  '{',
  '}',
  '{"domain":}',
  '{"domain":"a.example.com",}',
  "{'domain':'b.example.com'}",
  '{"domain":"c.example.com"}}',
  '{"domain":"d.example.com"} x',
  'domain=e.example.com',
  '[',
  'nul',
  'undefined',
  'NaN',
  '{"domain":NaN}',
  '{"domain":"f.example.com"',
  '\u0000',
  '{"domain":"\\x41.example.com"}',
  '{"domain":"\\u12"}',
  '\ufeff{"domain":"g.example.com"}',
  '{"domain":"h.example.com"}\n{"x":1}',
  '{"a":1}{"b":2}',
  ' ',
  '{"domain":"i.example.com" "return_path":"send"}',
  '{"domain":undefined}',
  '{domain:"j.example.com"}',
  '{"domain":"k.example.com"/*c*/}',
  '{"domain":"\u0001l.example.com"}',
  '{"domain":Infinity}',
];

const NOT_AN_OBJECT: readonly string[] = [
  'null',
  '[]',
  '"m.example.com"',
  '123',
  'true',
  'false',
  '[{"domain":"n.example.com"}]',
  '0',
  '-1.5e3',
  '""',
];

/** Whether the route table serves this method and path (so it is no "unknown route"). */
function isRoute(method: string, path: string): boolean {
  return ROUTES.some(
    (r) =>
      r.method === method &&
      new RegExp(`^${(API_BASE_PATH + r.path).replace(/\{\w+\}/g, '[^/]+')}$`).test(API_BASE_PATH + path.split('?')[0]),
  );
}

/** The hand-picked part of the corpus. */
export function handPicked(c: CorpusContext): BadRequest[] {
  const out: BadRequest[] = [];
  const add = (label: string, req: RawRequest, expect?: number | number[]) => out.push({ label, req, expect });

  for (const text of INVALID_JSON) add(`invalid JSON ${JSON.stringify(text).slice(0, 40)}`, create(c.key, text), 400);
  for (const text of NOT_AN_OBJECT) add(`JSON that is not an object: ${text}`, create(c.key, text), 400);
  add('empty body with a JSON content type', create(c.key, ''), [400, 415]);
  add('no body at all', { method: 'POST', path: '/domains', headers: [auth(c.key), JSON_CT] }, [400, 415]);

  // wrong types and missing or unknown fields
  const wrong: unknown[] = [
    1,
    1.5,
    -1,
    0,
    true,
    false,
    null,
    [],
    ['x.example.com'],
    {},
    { name: 'x.example.com' },
    1e300,
  ];
  for (const v of wrong) add(`domain of type ${JSON.stringify(v)}`, createJson(c.key, { domain: v }), 400);
  for (const v of [1, true, null, [], {}, ['send'], 0])
    add(
      `return_path of type ${JSON.stringify(v)}`,
      createJson(c.key, { domain: fresh('rp-type'), return_path: v }),
      400,
    );
  add('domain missing', createJson(c.key, { return_path: 'send' }), 400);
  add('empty object', createJson(c.key, {}), 400);
  const values = new Map<string, unknown>([
    ['status', 'verified'],
    ['id', randomUUID()],
    ['verified_at', '2026-01-15T12:30:00Z'],
    ['created_at', '2020-01-01T00:00:00Z'],
    ['ready', true],
  ]);
  for (const field of [
    'status',
    'id',
    'verified_at',
    'created_at',
    'dns_records',
    'team_id',
    'teamId',
    'ready',
    'Domain',
    'domain ',
    'return-path',
    'returnPath',
    'extra',
    'last_checked_at',
  ]) {
    add(
      `client sets ${field}`,
      createJson(c.key, { domain: fresh('unknown-field'), [field]: values.get(field) ?? 'x' }),
      400,
    );
  }
  // Names every object inherits: a schema that looked fields up with `in` would let them through.
  for (const field of [
    'constructor',
    'toString',
    'valueOf',
    'hasOwnProperty',
    'isPrototypeOf',
    '__defineGetter__',
    'propertyIsEnumerable',
    'toLocaleString',
  ]) {
    add(`client sets inherited name ${field}`, create(c.key, `{"domain":"${fresh('inherited')}","${field}":"x"}`), 400);
  }
  add('client sets __proto__', create(c.key, `{"domain":"${fresh('proto')}","__proto__":{"status":"verified"}}`), 400);
  add(
    'domain given twice',
    create(c.key, `{"domain":"${fresh('twice')}","domain":"${fresh('twice')}","status":"verified"}`),
    400,
  );

  // size and shape
  add('body just over 16 KiB', createJson(c.key, { domain: fresh('big'), pad: 'x'.repeat(16 * 1024) }), 413);
  add('1 MiB body', createJson(c.key, { domain: fresh('huge'), pad: 'x'.repeat(1024 * 1024) }), 413);
  add(
    'valid JSON padded past the limit with spaces',
    create(c.key, `${' '.repeat(17 * 1024)}{"domain":"${fresh('spaces')}"}`),
    413,
  );
  add('100 KiB domain', createJson(c.key, { domain: `${'a'.repeat(100 * 1024)}.com` }), 413);
  add('domain nested 5000 arrays deep', create(c.key, `{"domain":${'['.repeat(5000)}${']'.repeat(5000)}}`), 400);
  add('object nested 1500 deep', create(c.key, `${'{"a":'.repeat(1500)}1${'}'.repeat(1500)}`), 400);
  add(
    'domain nested in objects 2000 deep',
    create(c.key, `{"domain":${'{"d":'.repeat(2000)}"x.example.com"${'}'.repeat(2000)}}`),
    400,
  );
  add(
    '1500 unknown keys',
    create(c.key, `{"domain":"${fresh('wide')}",${Array.from({ length: 1500 }, (_, i) => `"k${i}":1`).join(',')}}`),
    400,
  );
  add('20000 nested arrays (over the limit)', create(c.key, `${'['.repeat(20000)}${']'.repeat(20000)}`), 413);

  // domain rules
  for (const d of BAD_DOMAINS)
    add(`bad domain ${JSON.stringify(d).slice(0, 50)}`, createJson(c.key, { domain: d }), 400);
  add(
    'domain of 1024 characters',
    createJson(c.key, { domain: `${`${'a'.repeat(63)}.`.repeat(16).slice(0, 1020)}.com` }),
    400,
  );
  for (const rp of BAD_RETURN_PATHS)
    add(
      `bad return_path ${JSON.stringify(rp).slice(0, 40)}`,
      createJson(c.key, { domain: fresh('rp'), return_path: rp }),
      400,
    );
  const longName = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(50)}.com`;
  add(
    'return_path that makes the MAIL FROM name too long',
    createJson(c.key, { domain: longName, return_path: 'sendsendsend' }),
    400,
  );
  add('already registered (same team)', createJson(c.key, { domain: c.existingDomain }), 409);
  add(
    'already registered, upper case and trailing dot',
    createJson(c.key, { domain: `${c.existingDomain.toUpperCase()}.` }),
    409,
  );

  // region (the deployment's SES regions only)
  for (const region of ['xx-nowhere-1', 'eu-central-9', '', 'us-east-1; DROP', 'a'.repeat(33), 'eu_central_1']) {
    add(`bad region ${JSON.stringify(region)}`, createJson(c.key, { domain: fresh('region'), region }), 400);
  }
  for (const v of [1, null, true, ['eu-central-1']])
    add(`region of type ${JSON.stringify(v)}`, createJson(c.key, { domain: fresh('region-type'), region: v }), 400);

  // DKIM settings: refused before anything is claimed or sent to SES
  const dkimKey = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
  const pem = (type: 'pkcs1' | 'pkcs8') => dkimKey.export({ format: 'pem', type }).toString();
  const badDkim: unknown[] = [
    null,
    'byodkim',
    1,
    [],
    {},
    { type: 'easy' },
    { type: 'EASY_DKIM' },
    { type: 'easy_dkim', key_length: 4096 },
    { type: 'easy_dkim', key_length: 1024.5 },
    { type: 'easy_dkim', key_length: '2048' },
    { type: 'easy_dkim', key_length: null },
    { type: 'easy_dkim', selector: 's1' },
    { type: 'byodkim', selector: 's1' },
    { type: 'byodkim', private_key: pem('pkcs8') },
    { type: 'byodkim', selector: 's1', private_key: '' },
    { type: 'byodkim', selector: '', private_key: pem('pkcs8') },
    { type: 'byodkim', selector: 's.1', private_key: pem('pkcs8') },
    { type: 'byodkim', selector: '-s1', private_key: pem('pkcs8') },
    { type: 'byodkim', selector: 'x'.repeat(64), private_key: pem('pkcs8') },
    { type: 'byodkim', selector: 's1', private_key: pem('pkcs1').slice(0, 200) },
    { type: 'byodkim', selector: 's1', private_key: 'A'.repeat(8193) },
    { type: 'byodkim', selector: 's1', private_key: 'not base64 at all!' },
    { type: 'byodkim', selector: 's1', private_key: Buffer.from('no key inside').toString('base64') },
    {
      type: 'byodkim',
      selector: 's1',
      private_key: generateKeyPairSync('rsa', { modulusLength: 512 })
        .privateKey.export({ format: 'pem', type: 'pkcs8' })
        .toString(),
    },
    {
      type: 'byodkim',
      selector: 's1',
      private_key: generateKeyPairSync('ec', { namedCurve: 'P-256' })
        .privateKey.export({ format: 'pem', type: 'pkcs8' })
        .toString(),
    },
    {
      type: 'byodkim',
      selector: 's1',
      private_key: dkimKey.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-128-cbc', passphrase: 'p' }).toString(),
    },
    { type: 'byodkim', selector: 's1', private_key: pem('pkcs8'), key_length: 1024 },
    { type: 'byodkim', selector: 's1', private_key: pem('pkcs8'), public_key: 'x' },
  ];
  for (const dkim of badDkim)
    add(`bad dkim ${JSON.stringify(dkim)?.slice(0, 60)}`, createJson(c.key, { domain: fresh('dkim'), dkim }), 400);

  // pagination of the list
  for (const q of [
    'limit=0',
    'limit=101',
    'limit=-1',
    'limit=abc',
    'limit=1.5',
    'limit=1e2',
    'limit=',
    'limit=1&limit=2',
    `after=${'x'.repeat(201)}`,
    'after=not-a-cursor',
    'after=',
    'foo=1',
    'status=verified',
    'limit=%00',
    'limit=99999999999999999999',
    'after=eyJ4IjoxfQ',
    'limit=1&after=%FF%FE',
  ]) {
    add(`list with ${q.slice(0, 40)}`, { method: 'GET', path: `/domains?${q}`, headers: [auth(c.key)] }, 400);
  }

  // PATCH /domains/{id}: only return_path may change
  const patch = (id: string, body: string, ct: string | null = 'application/json'): RawRequest => ({
    method: 'PATCH',
    path: `/domains/${id}`,
    headers: ct === null ? [auth(c.key)] : [auth(c.key), ['content-type', ct]],
    body,
  });
  for (const [what, body] of [
    ['empty object', '{}'],
    ['return_path number', '{"return_path":1}'],
    ['return_path null', '{"return_path":null}'],
    ['bad return_path', '{"return_path":"-send"}'],
    ['long return_path', `{"return_path":"${'a'.repeat(64)}"}`],
    ['domain change', `{"domain":"${fresh('patch')}"}`],
    ['status change', '{"return_path":"mail","status":"verified"}'],
    ['id change', `{"return_path":"mail","id":"${randomUUID()}"}`],
    ['invalid JSON', '{"return_path":'],
    ['array', '[{"return_path":"mail"}]'],
  ] as const) {
    add(`PATCH with ${what}`, patch(c.existingId, body), 400);
  }
  add('PATCH as text/plain', patch(c.existingId, '{"return_path":"mail"}', 'text/plain'), 415);
  add('PATCH without content type', patch(c.existingId, '{"return_path":"mail"}', null), 415);
  add('PATCH an unknown id', patch(randomUUID(), '{"return_path":"mail"}'), 404);
  add('PATCH a malformed id', patch('not-a-uuid', '{"return_path":"mail"}'), 404);

  // Idempotency-Key: malformed keys are refused before anything runs; a valid key never saves a refused request
  for (const [what, value] of [
    ['257 characters', 'k'.repeat(257)],
    ['a space', 'my key'],
    ['latin-1', 'clé-1'],
    ['a tab', 'key\t1'],
  ] as const) {
    add(
      `Idempotency-Key with ${what}`,
      { ...createJson(c.key, { domain: fresh('idem') }), headers: [auth(c.key), JSON_CT, ['idempotency-key', value]] },
      400,
    );
    add(
      `Idempotency-Key with ${what} on verify`,
      { method: 'POST', path: `/domains/${c.existingId}/verify`, headers: [auth(c.key), ['idempotency-key', value]] },
      400,
    );
  }
  add(
    'valid Idempotency-Key, invalid body',
    { ...create(c.key, '{"domain":1}'), headers: [auth(c.key), JSON_CT, ['idempotency-key', randomUUID()]] },
    400,
  );
  add(
    'valid Idempotency-Key, bad domain',
    { ...createJson(c.key, { domain: 'com' }), headers: [auth(c.key), JSON_CT, ['idempotency-key', randomUUID()]] },
    400,
  );
  add(
    'valid Idempotency-Key, taken name',
    {
      ...createJson(c.key, { domain: c.existingDomain }),
      headers: [auth(c.key), JSON_CT, ['idempotency-key', randomUUID()]],
    },
    409,
  );
  add(
    'valid Idempotency-Key, revoked key',
    {
      ...createJson(c.key, { domain: fresh('idem-revoked') }),
      headers: [['authorization', `Bearer ${c.revokedKey}`], JSON_CT, ['idempotency-key', randomUUID()]],
    },
    401,
  );
  add(
    'valid Idempotency-Key, unknown id',
    {
      method: 'POST',
      path: `/domains/${randomUUID()}/verify`,
      headers: [auth(c.key), ['idempotency-key', randomUUID()]],
    },
    404,
  );

  // content types and headers
  const body = () => JSON.stringify({ domain: fresh('ct') });
  for (const ct of [
    'text/plain',
    'application/xml',
    'application/octet-stream',
    'json',
    'application/ json',
    'text/json',
    'application/jsonp',
    'text/html',
    'application/javascript',
    'image/png',
  ]) {
    add(`content type ${ct}`, create(c.key, body(), ct), 415);
  }
  add('no content type', create(c.key, body(), null), 415);
  add('form encoded', create(c.key, `domain=${fresh('form')}`, 'application/x-www-form-urlencoded'), 415);
  add(
    'multipart',
    create(
      c.key,
      `--b\r\nContent-Disposition: form-data; name="domain"\r\n\r\n${fresh('multi')}\r\n--b--\r\n`,
      'multipart/form-data; boundary=b',
    ),
    415,
  );
  add('binary body', create(c.key, Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x80, 0x81]), 'application/octet-stream'), 415);
  add(
    'invalid UTF-8 in a JSON body',
    create(
      c.key,
      Buffer.concat([Buffer.from('{"domain":"'), Buffer.from([0xc3, 0x28, 0xa0, 0xa1]), Buffer.from('.example.com"}')]),
    ),
    400,
  );
  add(
    'XML asked for, bad body sent',
    { ...create(c.key, '{"domain":'), headers: [auth(c.key), JSON_CT, ['accept', 'application/xml']] },
    400,
  );
  add(
    '8 KiB cookie, bad body',
    { ...create(c.key, '{"domain":1}'), headers: [auth(c.key), JSON_CT, ['cookie', `a=${'x'.repeat(8000)}`]] },
    400,
  );

  // Authorization, in every flavour, on every endpoint (including a delete of a real domain)
  const k = c.key;
  const flavours: [string, string | null, number][] = [
    ['no Authorization', null, 401],
    ['empty Authorization', '', 401],
    ['"Bearer" alone', 'Bearer', 401],
    ['"Bearer " and nothing', 'Bearer ', 401],
    ['Basic credentials', 'Basic dXNlcjpwYXNz', 401],
    ['Token scheme', `Token ${k}`, 401],
    ['key without a scheme', k, 401],
    ['key and a second word', `Bearer ${k} extra`, 401],
    ['two spaces after Bearer', `Bearer  ${k}`, 401],
    ['key with one character more', `Bearer ${k}x`, 401],
    ['key with the last character cut', `Bearer ${k.slice(0, -1)}`, 401],
    ['key with the last character changed', `Bearer ${k.slice(0, -1)}${k.endsWith('A') ? 'B' : 'A'}`, 401],
    ['key in upper case', `Bearer ${k.slice(0, 8)}${k.slice(8).toUpperCase()}`, 401],
    ['test-mode prefix', `Bearer kr_test_${k.slice(8)}`, 401],
    ['prefix in upper case', `Bearer KR_LIVE_${k.slice(8)}`, 401],
    ['well-formed unknown key of the earlier shape', `Bearer kr_live_${'Z'.repeat(44)}`, 401],
    ['never-issued key, checksum holds', `Bearer ${wellFormedUnknownKey()}`, 401],
    ['never-issued key, checksum fails', `Bearer ${badChecksumKey()}`, 401],
    [
      'issued key with its checksum swapped for a valid-looking one',
      `Bearer ${k.slice(0, -6)}${k.endsWith('000000') ? '000001' : '000000'}`,
      401,
    ],
    ['issued key without its checksum (the earlier shape)', `Bearer ${k.slice(0, -6)}`, 401],
    ['key id only', `Bearer key_${k.slice(8, 20)}`, 401],
    ['SHA-256 of the key', `Bearer ${'ab'.repeat(32)}`, 401],
    ['5000-character token', `Bearer ${'x'.repeat(5000)}`, 401],
    ['two keys', `Bearer ${k},Bearer ${k}`, 401],
    ['revoked key', `Bearer ${c.revokedKey}`, 401],
    ['key without any scope', `Bearer ${c.noScopeKey}`, 403],
    ['key with another scope', `Bearer ${c.otherScopeKey}`, 403],
    ['latin-1 character in the token', `Bearer kr_live_${'a'.repeat(20)}é${'a'.repeat(23)}`, 401],
  ];
  const endpoints = (): [string, string, string | undefined][] => [
    ['POST', '/domains', JSON.stringify({ domain: fresh('auth') })],
    ['GET', '/domains', undefined],
    ['GET', `/domains/${c.existingId}`, undefined],
    ['POST', `/domains/${c.existingId}/verify`, undefined],
    ['DELETE', `/domains/${c.existingId}`, undefined],
  ];
  for (const [what, value, status] of flavours) {
    for (const [method, path, b] of endpoints()) {
      const headers: [string, string][] = value === null ? [] : [['authorization', value]];
      if (b !== undefined) headers.push(JSON_CT);
      add(`${what}: ${method} ${path.replace(c.existingId, ':id')}`, { method, path, headers, body: b }, status);
    }
  }
  add('key in the query string', { method: 'GET', path: `/domains?api_key=${k}` }, 401);
  add('key in a cookie', { method: 'GET', path: '/domains', headers: [['cookie', `api_key=${k}`]] }, 401);
  add('key in X-Api-Key', { method: 'DELETE', path: `/domains/${c.existingId}`, headers: [['x-api-key', k]] }, 401);
  add(
    'revoked key first, valid key second',
    {
      method: 'DELETE',
      path: `/domains/${c.existingId}`,
      headers: [
        ['authorization', `Bearer ${c.revokedKey}`],
        ['authorization', `Bearer ${k}`],
      ],
    },
    401,
  );

  // odd paths, ids and methods (with a valid key)
  const ka: [string, string][] = [auth(k)];
  const idPaths = [
    'not-a-uuid',
    c.existingId.toUpperCase(),
    `{${c.existingId}}`,
    '%00',
    '..%2F..%2Fetc%2Fpasswd',
    '%2e%2e',
    `${c.existingId}%20`,
    `${c.existingId}0`,
    c.existingId.slice(1),
    '00000000-0000-0000-0000-000000000000',
    randomUUID(),
    '%E2%80%AE',
    'x'.repeat(8000),
    `${c.existingId};x=1`,
    '*',
    '%',
    `${c.existingId}%2Fverify`,
    '-1',
    'null',
    'undefined',
  ];
  for (const id of idPaths) {
    add(`GET odd id ${id.slice(0, 40)}`, { method: 'GET', path: `/domains/${id}`, headers: ka }, 404);
    add(`DELETE odd id ${id.slice(0, 40)}`, { method: 'DELETE', path: `/domains/${id}`, headers: ka }, 404);
    add(`verify odd id ${id.slice(0, 40)}`, { method: 'POST', path: `/domains/${id}/verify`, headers: ka }, 404);
    add(`zone file odd id ${id.slice(0, 40)}`, { method: 'GET', path: `/domains/${id}/zone-file`, headers: ka }, 404);
  }
  const routes: [string, string][] = [
    ['PUT', '/domains'],
    ['PATCH', '/domains'],
    ['DELETE', '/domains'],
    ['PUT', `/domains/${c.existingId}`],
    ['PATCH', `/domains/${c.existingId}`],
    ['POST', `/domains/${c.existingId}`],
    ['GET', `/domains/${c.existingId}/verify`],
    ['PUT', `/domains/${c.existingId}/verify`],
    ['DELETE', `/domains/${c.existingId}/verify`],
    ['POST', `/domains/${c.existingId}/zone-file`],
    ['DELETE', `/domains/${c.existingId}/zone-file`],
    ['GET', `/domains/${c.existingId}/zone-file/x`],
    ['GET', `/domains/${c.existingId}/zone-file.txt`],
    ['OPTIONS', '/domains'],
    ['OPTIONS', `/domains/${c.existingId}`],
    ['GET', `/domains/${c.existingId}/`],
    ['GET', '/domains/'],
    ['POST', `/domains/${c.existingId}/verify/`],
    ['POST', `/domains/${c.existingId}/verify/now`],
    ['POST', `/domains/${c.existingId}/VERIFY`],
    ['GET', '/Domains'],
    ['GET', '/DOMAINS'],
    ['POST', '//domains'],
    ['POST', '/domains//verify'],
    ['GET', '/domain'],
    ['GET', '/domains.json'],
    ['TRACE', '/domains'],
  ];
  for (const [method, path] of routes) {
    if (isRoute(method, path)) continue;
    add(
      `no such route ${method} ${path.replace(c.existingId, ':id')}`,
      { method, path, headers: ka, body: method === 'POST' || method === 'PUT' ? '{}' : undefined },
      404,
    );
  }
  for (const path of [
    '/api/v2/domains',
    '/api/v1',
    '/',
    '/api/V1/domains',
    '/API/V1/DOMAINS',
    '/api/v1/openapi.json/x',
    '/api/v1/%2e%2e/domains',
    // The console serves only the files its build wrote, by exact name.
    '/console/',
    '/console/..%2F..%2Fetc%2Fpasswd',
    '/console/%2e%2e%2fpackage.json',
    '/console/index.html%00',
    '/console/app.js',
    '/console/a/b',
    '/api/v1/console',
  ]) {
    add(`absolute path ${path}`, { method: 'GET', path, absolute: true, headers: ka }, 404);
  }
  return out;
}

const PRINTABLE = [...Array(95)].map((_, i) => String.fromCharCode(32 + i));
const FORBIDDEN_IN_HOSTS = [
  ...' !"#$%&\'()*+,/:;<=>?@[\\]^_`{|}~',
  ...Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)),
  '\u007f',
];
const specReturnPath = (s: string) => /^[a-z][a-z0-9-]{0,62}$/.test(s.toLowerCase()) && !s.endsWith('-');

/** The generated part: fast-check arbitraries sampled with a fixed seed, so a run can be repeated. */
export function generated(c: CorpusContext): BadRequest[] {
  const n = Math.max(1, Math.floor(c.generated / 9));
  const sample = <T>(arb: fc.Arbitrary<T>, k = n) => fc.sample(arb, { seed: c.seed, numRuns: k });
  const out: BadRequest[] = [];
  const label = (s: unknown) => JSON.stringify(s).slice(0, 50);

  // JSON that is not an object
  for (const v of sample(
    fc.oneof(
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.boolean(),
      fc.constant(null),
      fc.string(),
      fc.array(fc.jsonValue(), { maxLength: 4 }),
    ),
  )) {
    out.push({ label: `generated non-object body ${label(v)}`, req: createJson(c.key, v), expect: 400 });
  }
  // a valid domain plus one unknown field
  const extraKey = fc
    .string({ minLength: 1, maxLength: 20 })
    .filter((s) => s !== 'domain' && s !== 'return_path' && s !== '__proto__');
  for (const [k, v] of sample(fc.tuple(extraKey, fc.jsonValue({ maxDepth: 2 })))) {
    out.push({
      label: `generated unknown field ${label(k)}`,
      req: createJson(c.key, { domain: fresh('gen-field'), [k]: v }),
      expect: 400,
    });
  }
  // a host name with one character no host name may carry
  const broken = fc.tuple(
    fc.stringMatching(/^[a-z][a-z0-9]{0,10}$/),
    fc.constantFrom(...FORBIDDEN_IN_HOSTS),
    fc.stringMatching(/^[a-z0-9]{0,10}$/),
    fc.constantFrom('com', 'net', 'org', 'de', 'co.uk'),
  );
  for (const [a, bad, b, tld] of sample(broken, n * 2)) {
    const d = `${a}${bad}${b}.${tld}`;
    out.push({ label: `generated domain ${label(d)}`, req: createJson(c.key, { domain: d }), expect: 400 });
  }
  // an over-long label
  for (const [len, ch] of sample(fc.tuple(fc.integer({ min: 64, max: 300 }), fc.constantFrom('a', 'z', '0', 'q')))) {
    out.push({
      label: `generated ${len}-character label`,
      req: createJson(c.key, { domain: `${ch.repeat(len)}.example.com` }),
      expect: 400,
    });
  }
  // a return_path outside the spec's rule
  const badRp = fc
    .string({ maxLength: 70, unit: fc.constantFrom(...PRINTABLE, 'é', 'ß', '\u0000', '\n') })
    .filter((s) => !specReturnPath(s));
  for (const rp of sample(badRp))
    out.push({
      label: `generated return_path ${label(rp)}`,
      req: createJson(c.key, { domain: fresh('gen-rp'), return_path: rp }),
      expect: 400,
    });
  // a field of the wrong type
  const notString = fc.oneof(
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.string(), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }),
  );
  for (const [field, v] of sample(fc.tuple(fc.constantFrom('domain', 'return_path'), notString))) {
    const value = field === 'domain' ? { domain: v } : { domain: fresh('gen-type'), return_path: v };
    out.push({ label: `generated ${field} of type ${label(v)}`, req: createJson(c.key, value), expect: 400 });
  }
  // an Authorization header that is not a valid key
  const authValue = fc.oneof(
    fc.string({ maxLength: 80, unit: fc.constantFrom(...PRINTABLE) }),
    fc
      .tuple(
        fc.constantFrom('Bearer ', 'bearer ', 'Basic ', 'Bearer kr_live_', 'Token '),
        fc.string({ maxLength: 60, unit: fc.constantFrom(...PRINTABLE) }),
      )
      .map(([a, b]) => a + b),
  );
  const endpointsFor = (id: string): [string, string][] => [
    ['GET', '/domains'],
    ['GET', `/domains/${id}`],
    ['DELETE', `/domains/${id}`],
    ['POST', `/domains/${id}/verify`],
  ];
  for (const [value, i] of sample(fc.tuple(authValue, fc.integer({ min: 0, max: 3 })))) {
    const [method, path] = endpointsFor(c.existingId)[i]!;
    out.push({
      label: `generated Authorization ${label(value)} on ${method}`,
      req: { method, path, headers: [['authorization', value]] },
      expect: [401],
    });
  }
  // an id that is no domain of this team
  const oddId = fc.oneof(
    fc.string({ minLength: 1, maxLength: 60 }),
    fc.uuid().map((u) => u.toUpperCase()),
    fc.uuid(),
  );
  for (const [id, i] of sample(fc.tuple(oddId, fc.integer({ min: 1, max: 3 })))) {
    if (id === c.existingId) continue;
    const [method, path] = endpointsFor(encodeURIComponent(id))[i]!;
    out.push({
      label: `generated id ${label(id)} on ${method}`,
      req: { method, path, headers: [auth(c.key)] },
      expect: 404,
    });
  }
  return out;
}

/** Hand-picked and generated requests, each once. */
export function corpus(c: CorpusContext): BadRequest[] {
  const seen = new Set<string>();
  const out: BadRequest[] = [];
  for (const r of [...handPicked(c), ...generated(c)]) {
    const id = JSON.stringify([
      r.req.method,
      r.req.path,
      r.req.absolute ?? false,
      r.req.headers ?? [],
      Buffer.isBuffer(r.req.body) ? r.req.body.toString('base64') : (r.req.body ?? null),
    ]);
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(r);
  }
  return out;
}

export interface BadInputOptions {
  readonly seed?: number;
  readonly generated?: number;
  /** Compare the whole state after every request (otherwise once at the end). */
  readonly checkEach?: boolean;
}

/** Sets up two ready domains, then sends the corpus; returns the corpus size. */
export async function runBadInput(w: World, o: BadInputOptions = {}): Promise<number> {
  const started = Date.now();
  const team = await w.team('bad-input');
  const noScope = await w.keyFor(team.teamId, []);
  const otherScope = await w.keyFor(team.teamId, ['emails:send']);
  const revoked = await w.keyFor(team.teamId, ['domains:manage']);
  await w.e2e.revokeKey(revoked.keyId);
  const existingDomain = `existing-${randomUUID().slice(0, 8)}.example.com`;
  const made = await w.call('bad-input', 'POST', '/domains', team.key, { domain: existingDomain });
  const second = await w.call('bad-input', 'POST', '/domains', team.key, {
    domain: `second-${randomUUID().slice(0, 8)}.example.org`,
  });
  if (!isAnswer(made) || made.status !== 201 || !isAnswer(second) || second.status !== 201) {
    w.tally.violation(
      'bad-input',
      `setup: could not create the domains the corpus aims at (${made.status}, ${second.status})`,
    );
    return 0;
  }
  const seed = o.seed ?? 20261128;
  const items = corpus({
    key: team.key,
    noScopeKey: noScope.key,
    otherScopeKey: otherScope.key,
    revokedKey: revoked.key,
    existingId: made.json.data.id,
    existingDomain,
    seed,
    generated: o.generated ?? 240,
  });
  await w.settle();
  const queueBefore = await w.queueDepth();
  const sesCallsBefore = w.stack.ses.calls().length;
  let before = await w.snapshot();
  let beforePrint = fingerprint(before);
  const checkEach = o.checkEach ?? true;
  const wrongStatus = new Map<string, number>();
  for (const item of items) {
    const out = await w.send('bad-input', item.req, { label: `bad input "${item.label}"` });
    if (!isAnswer(out)) continue;
    if (out.status < 400 || out.status >= 500) {
      if (out.status < 400)
        w.tally.violation('bad-input', `"${item.label}" was accepted: ${out.status} ${out.text.slice(0, 120)}`);
    } else if (item.expect !== undefined && !([] as number[]).concat(item.expect).includes(out.status)) {
      const key = `"${item.label}" → ${out.status} ${out.json?.error?.code ?? ''} (the contract says ${String(item.expect)})`;
      wrongStatus.set(key, (wrongStatus.get(key) ?? 0) + 1);
    }
    if (checkEach) {
      const after = await w.snapshot();
      const print = fingerprint(after);
      if (print !== beforePrint) {
        w.tally.violation('bad-input', `"${item.label}" changed the state: ${describeDiff(before, after)}`);
        before = after;
        beforePrint = print;
      }
    }
  }
  for (const [what] of wrongStatus) w.tally.violation('bad-input', what);
  const after = await w.snapshot();
  if (!checkEach && fingerprint(after) !== beforePrint)
    w.tally.violation('bad-input', `the corpus changed the state: ${describeDiff(before, after)}`);
  if (w.stack.ses.calls().length !== sesCallsBefore)
    w.tally.violation('bad-input', `the corpus made ${w.stack.ses.calls().length - sesCallsBefore} SES call(s)`);
  if ((await w.queueDepth()) !== queueBefore)
    w.tally.violation('bad-input', 'the corpus put messages on the verify queue');
  const generatedCount = items.filter((i) => i.label.startsWith('generated')).length;
  w.tally.detail(
    'bad-input',
    `${items.length} distinct malformed requests (${items.length - generatedCount} hand-picked, ${generatedCount} generated by fast-check, seed ${seed}); state compared after each`,
  );
  w.tally.durationsMs.set('bad-input', Date.now() - started);
  return items.length;
}
