/**
 * Webhook signatures as receivers check them: with the `standardwebhooks` reference library, for
 * one secret and for the two secrets of a rotation (each one alone verifies).
 */
import { Webhook } from 'standardwebhooks';
import {
  newMessageId,
  newWebhookSecret,
  signatureHeaders,
  WEBHOOK_SECRET_PREFIX,
} from '../../src/domain/webhook-signature.js';

const body = JSON.stringify({ type: 'domain.created', timestamp: '2025-01-01T00:00:00.000Z', data: { id: 'd_1' } });
const now = () => Math.floor(Date.now() / 1000);

describe('newWebhookSecret', () => {
  it('is whsec_ and the base64 of 32 random bytes, new each time', () => {
    const secret = newWebhookSecret();
    expect(secret.startsWith(WEBHOOK_SECRET_PREFIX)).toBe(true);
    const bytes = Buffer.from(secret.slice(WEBHOOK_SECRET_PREFIX.length), 'base64');
    expect(bytes).toHaveLength(32);
    expect(bytes.toString('base64')).toBe(secret.slice(WEBHOOK_SECRET_PREFIX.length));
    expect(newWebhookSecret()).not.toBe(secret);
  });
});

describe('newMessageId', () => {
  it('is msg_ and a random URL-safe part', () => {
    const id = newMessageId();
    expect(id).toMatch(/^msg_[A-Za-z0-9_-]{22}$/);
    expect(newMessageId()).not.toBe(id);
  });
});

describe('signatureHeaders', () => {
  it('verifies with standardwebhooks for one secret', () => {
    const secret = newWebhookSecret();
    const headers = signatureHeaders({ messageId: newMessageId(), timestampSeconds: now(), body, secrets: [secret] });
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
  });

  it('carries one signature per secret during a rotation; each secret alone verifies', () => {
    const [current, previous] = [newWebhookSecret(), newWebhookSecret()];
    const headers = signatureHeaders({
      messageId: newMessageId(),
      timestampSeconds: now(),
      body,
      secrets: [current, previous],
    });
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(new Webhook(current).verify(body, { ...headers })).toEqual(JSON.parse(body));
    expect(new Webhook(previous).verify(body, { ...headers })).toEqual(JSON.parse(body));
    expect(() => new Webhook(newWebhookSecret()).verify(body, { ...headers })).toThrow();
  });

  it('signs id, timestamp and body: changing any of them breaks the signature', () => {
    const secret = newWebhookSecret();
    const headers = signatureHeaders({ messageId: 'msg_a', timestampSeconds: now(), body, secrets: [secret] });
    const webhook = new Webhook(secret);
    expect(() => webhook.verify(`${body} `, { ...headers })).toThrow();
    expect(() => webhook.verify(body, { ...headers, 'webhook-id': 'msg_b' })).toThrow();
    expect(() =>
      webhook.verify(body, { ...headers, 'webhook-timestamp': String(Number(headers['webhook-timestamp']) - 1) }),
    ).toThrow();
  });

  it('matches the reference library byte for byte, and keeps the message id and timestamp as given', () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const at = 1_614_265_330;
    const headers = signatureHeaders({
      messageId: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      timestampSeconds: at,
      body,
      secrets: [secret],
    });
    expect(headers['webhook-id']).toBe('msg_p5jXN8AQM9LWM0D4loKWxJek');
    expect(headers['webhook-timestamp']).toBe(String(at));
    expect(headers['webhook-signature']).toBe(
      new Webhook(secret).sign('msg_p5jXN8AQM9LWM0D4loKWxJek', new Date(at * 1000), body),
    );
  });

  it('signs non-ASCII bodies as UTF-8, as receivers read them', () => {
    const secret = newWebhookSecret();
    const text = JSON.stringify({ type: 'domain.updated', data: { name: 'bücher.example', note: '日本' } });
    const headers = signatureHeaders({
      messageId: newMessageId(),
      timestampSeconds: now(),
      body: text,
      secrets: [secret],
    });
    expect(new Webhook(secret).verify(Buffer.from(text, 'utf8'), { ...headers })).toEqual(JSON.parse(text));
  });

  it('refuses to sign without a secret or with a fractional timestamp', () => {
    expect(() => signatureHeaders({ messageId: 'msg_a', timestampSeconds: now(), body, secrets: [] })).toThrow(
      /at least one signing secret/,
    );
    expect(() =>
      signatureHeaders({ messageId: 'msg_a', timestampSeconds: 1.5, body, secrets: [newWebhookSecret()] }),
    ).toThrow(/whole seconds/);
  });
});
