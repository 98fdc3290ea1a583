/**
 * A local stand-in for the two KMS calls this project makes, Encrypt and Decrypt, for the real
 * `@aws-sdk/client-kms` client (point `AWS_ENDPOINT_URL_KMS` at `url`). It speaks KMS's wire format,
 * AWS JSON 1.1 (`POST /`, `X-Amz-Target: TrentService.<Action>`), and seals like KMS does in what a
 * caller can observe: the ciphertext names its key and is bound to the EncryptionContext, so a blob
 * opened under another context, with another key or after any change fails with
 * InvalidCiphertextException (IncorrectKeyException when Decrypt names another key).
 *
 * Each key is 32 random bytes used with AES-256-GCM; the key id and the context are the additional
 * authenticated data. Keys live in memory, or in `dataFile` so that secrets sealed in one run still
 * open in the next. Test controls (injected throttling and failures, the call log) are methods and
 * also `/_standin/*` HTTP routes, as on the SES stand-in.
 */
import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { pathToFileURL } from 'node:url';
import { listen } from './listen.js';
import { readBody } from './ses-standin/http.js';
import { type FailWith, Throttle, type ThrottleOptions } from './ses-standin/throttle.js';

export type { FailWith, ThrottleOptions } from './ses-standin/throttle.js';

export interface KmsStandinOptions {
  port?: number;
  host?: string;
  /** Region in the key ARNs (default AWS_REGION, else us-east-1). */
  region?: string;
  /** JSON file keeping the keys across restarts (written with mode 0600). Without it keys last as long as the process. */
  dataFile?: string;
  /** Clock in ms, for the call log and the token bucket. */
  now?: () => number;
}

export interface KmsCall {
  action: string;
  at: number;
  /** HTTP status answered; 0 for a call left hanging (failWith 'timeout'). */
  status: number;
  /** The error type answered, if any. */
  error?: string;
}

export interface KmsStandin {
  readonly url: string;
  readonly port: number;
  /** The first key's id and ARN: what WEBHOOK_KMS_KEY_ID names. */
  readonly keyId: string;
  readonly keyArn: string;
  stop(): Promise<void>;
  /** Makes another key (for tests of a blob opened with the wrong key). */
  createKey(): { keyId: string; keyArn: string };
  /** Every KMS call received (control routes excluded), in order. */
  calls(): KmsCall[];
  /** Forgets the calls and lifts throttling and injected failures; keys stay, so sealed data still opens. */
  reset(): void;
  throttle(options: ThrottleOptions): void;
}

/** KMS limits a plaintext to 4 KiB. */
const MAX_PLAINTEXT_BYTES = 4096;
const BLOB_VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const ACCOUNT = '000000000000';

class KmsError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const invalidCiphertext = () => new KmsError('InvalidCiphertextException', 'The ciphertext could not be decrypted.');

const injected = (kind: Exclude<FailWith, 'timeout'>) =>
  kind === 'throttle'
    ? new KmsError('ThrottlingException', 'Rate exceeded')
    : new KmsError('KMSInternalException', 'An internal error occurred.', 500);

/** The context as KMS compares it: the same pairs in any order are the same context. */
function canonicalContext(context: unknown): string {
  if (context === undefined || context === null) return '[]';
  if (typeof context !== 'object' || Array.isArray(context))
    throw new KmsError('ValidationException', 'EncryptionContext must be a map of strings.');
  const entries = Object.entries(context as Record<string, unknown>);
  if (entries.some(([, value]) => typeof value !== 'string'))
    throw new KmsError('ValidationException', 'EncryptionContext must be a map of strings.');
  return JSON.stringify(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

const aad = (keyId: string, context: unknown) => Buffer.from(JSON.stringify([keyId, canonicalContext(context)]));

/** Blob: version, key id length, key id, IV, tag, ciphertext. */
function seal(keyId: string, key: Buffer, plaintext: Buffer, context: unknown): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(aad(keyId, context));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const id = Buffer.from(keyId);
  return Buffer.concat([Buffer.from([BLOB_VERSION, id.length]), id, iv, cipher.getAuthTag(), body]);
}

function blobKeyId(blob: Buffer): string {
  if (blob.length < 2 || blob[0] !== BLOB_VERSION) throw invalidCiphertext();
  const idLength = blob[1]!;
  if (blob.length < 2 + idLength + IV_BYTES + TAG_BYTES) throw invalidCiphertext();
  return blob.subarray(2, 2 + idLength).toString();
}

function open(blob: Buffer, keyId: string, key: Buffer, context: unknown): Buffer {
  const start = 2 + Buffer.byteLength(keyId);
  const iv = blob.subarray(start, start + IV_BYTES);
  const tag = blob.subarray(start + IV_BYTES, start + IV_BYTES + TAG_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv).setAAD(aad(keyId, context)).setAuthTag(tag);
    return Buffer.concat([decipher.update(blob.subarray(start + IV_BYTES + TAG_BYTES)), decipher.final()]);
  } catch {
    throw invalidCiphertext();
  }
}

function base64Field(body: Record<string, unknown>, name: string): Buffer {
  const value = body[name];
  if (typeof value !== 'string' || value === '') throw new KmsError('ValidationException', `${name} is required.`);
  return Buffer.from(value, 'base64');
}

function loadKeys(dataFile: string | undefined): Map<string, Buffer> {
  if (!dataFile || !existsSync(dataFile)) return new Map();
  const stored = JSON.parse(readFileSync(dataFile, 'utf8')) as { keys: Record<string, string> };
  return new Map(Object.entries(stored.keys).map(([id, key]) => [id, Buffer.from(key, 'base64')]));
}

function saveKeys(dataFile: string | undefined, keys: ReadonlyMap<string, Buffer>) {
  if (!dataFile) return;
  const stored = { keys: Object.fromEntries([...keys].map(([id, key]) => [id, key.toString('base64')])) };
  writeFileSync(`${dataFile}.tmp`, JSON.stringify(stored, null, 1), { mode: 0o600 });
  renameSync(`${dataFile}.tmp`, dataFile);
}

function sendJson(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() });
  res.end(JSON.stringify(body));
}

export async function startKmsStandin(options: KmsStandinOptions = {}): Promise<KmsStandin> {
  const now = options.now ?? Date.now;
  const region = options.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const arn = (keyId: string) => `arn:aws:kms:${region}:${ACCOUNT}:key/${keyId}`;
  const keys = loadKeys(options.dataFile);
  const createKey = () => {
    const keyId = randomUUID();
    keys.set(keyId, randomBytes(32));
    saveKeys(options.dataFile, keys);
    return { keyId, keyArn: arn(keyId) };
  };
  const first = keys.keys().next().value ?? createKey().keyId;
  const throttling = new Throttle(now);
  let callLog: KmsCall[] = [];

  /** A key named by id or ARN (of this region and account), as KMS accepts them. */
  const keyNamed = (name: unknown): string => {
    if (typeof name !== 'string' || name === '') throw new KmsError('ValidationException', 'KeyId is required.');
    const id = name.startsWith(`arn:aws:kms:${region}:${ACCOUNT}:key/`) ? name.slice(name.indexOf('key/') + 4) : name;
    if (!keys.has(id)) throw new KmsError('NotFoundException', `Key '${arn(id)}' does not exist`);
    return id;
  };

  const actions: Record<string, (body: Record<string, unknown>) => unknown> = {
    Encrypt: (body) => {
      const keyId = keyNamed(body.KeyId);
      const plaintext = base64Field(body, 'Plaintext');
      if (plaintext.length > MAX_PLAINTEXT_BYTES)
        throw new KmsError('ValidationException', `Plaintext must be at most ${MAX_PLAINTEXT_BYTES} bytes.`);
      const blob = seal(keyId, keys.get(keyId)!, plaintext, body.EncryptionContext);
      return { CiphertextBlob: blob.toString('base64'), KeyId: arn(keyId), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
    },
    Decrypt: (body) => {
      const blob = base64Field(body, 'CiphertextBlob');
      const keyId = blobKeyId(blob);
      if (body.KeyId !== undefined && keyNamed(body.KeyId) !== keyId)
        throw new KmsError(
          'IncorrectKeyException',
          'The key ID in the request does not identify the key that encrypted the ciphertext.',
        );
      const key = keys.get(keyId);
      if (!key) throw invalidCiphertext();
      const plaintext = open(blob, keyId, key, body.EncryptionContext);
      return { Plaintext: plaintext.toString('base64'), KeyId: arn(keyId), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
    },
  };

  const held = new Set<ServerResponse>();
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'http://standin').pathname;
    const text = await readBody(req);
    if (path.startsWith('/_standin/')) return control(method, path, text, res);
    const target = String(req.headers['x-amz-target'] ?? '');
    const action = target.startsWith('TrentService.') ? target.slice('TrentService.'.length) : '?';
    const entry: KmsCall = { action, at: now(), status: 0 };
    callLog.push(entry);
    try {
      const run = actions[action];
      if (method !== 'POST' || !run) throw new KmsError('UnknownOperationException', `Unknown operation ${target}.`);
      const failure = throttling.admit();
      if (failure === 'timeout') return void held.add(res.on('close', () => held.delete(res)));
      if (failure) throw injected(failure);
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(text || '{}') as Record<string, unknown>;
      } catch {
        throw new KmsError('SerializationException', 'The request body is not valid JSON.');
      }
      const answer = run(body);
      entry.status = 200;
      sendJson(res, 200, answer);
    } catch (error) {
      if (!(error instanceof KmsError)) throw error;
      Object.assign(entry, { status: error.status, error: error.type });
      sendJson(res, error.status, { __type: error.type, message: error.message });
    }
  };

  const reset = () => {
    callLog = [];
    throttling.lift();
  };
  const control = (method: string, path: string, text: string, res: ServerResponse) => {
    if (method === 'GET' && path === '/_standin/calls') return sendJson(res, 200, { calls: callLog });
    if (method === 'POST' && path === '/_standin/reset') {
      reset();
      return sendJson(res, 200, {});
    }
    if (method === 'POST' && path === '/_standin/throttle') {
      try {
        throttling.set(JSON.parse(text || '{}') as ThrottleOptions);
      } catch {
        return sendJson(res, 400, { message: 'Expected a JSON body.' });
      }
      return sendJson(res, 200, throttling.state());
    }
    sendJson(res, 404, { message: `No stand-in control at ${method} ${path}.` });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { __type: 'KMSInternalException', message: String(error) });
    });
  });
  const listenHost = options.host ?? '127.0.0.1';
  const port = await listen(server, options.port, listenHost);
  const host = listenHost.includes(':') ? `[${listenHost}]` : listenHost;
  return {
    url: `http://${host}:${port}`,
    port,
    keyId: first,
    keyArn: arn(first),
    stop: () =>
      new Promise<void>((resolve) => {
        for (const res of held) res.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
    createKey,
    calls: () => callLog.map((c) => ({ ...c })),
    reset,
    throttle: (t) => throttling.set(t),
  };
}

// Run on its own: `npm exec -- tsx local/kms-standin.ts` (PORT, AWS_REGION, KMS_DATA_FILE).
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const standin = await startKmsStandin({ port: Number(process.env.PORT ?? 0), dataFile: process.env.KMS_DATA_FILE });
  console.log(`KMS stand-in listening on ${standin.url} (key ${standin.keyArn})`);
  const stop = () => void standin.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
