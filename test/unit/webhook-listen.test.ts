/**
 * The local receiver of `npm run webhooks -- listen`: it prints each event and whether its
 * signature holds, checked with the `standardwebhooks` package.
 */
import { listen } from '../../scripts/webhooks.js';
import { newMessageId, newWebhookSecret, signatureHeaders } from '../../src/domain/webhook-signature.js';

const secret = newWebhookSecret();
const body = JSON.stringify({
  type: 'domain.status_changed',
  timestamp: new Date().toISOString(),
  data: { id: 'd_1', status: 'verified', previous_status: 'pending', sequence: 3 },
});

async function post(url: string, headers: Record<string, string>) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return response.status;
}

const signed = (secrets: string[]) =>
  signatureHeaders({ messageId: newMessageId(), timestampSeconds: Math.floor(Date.now() / 1000), body, secrets });

describe('webhooks listen', () => {
  const lines: string[] = [];
  let listener: Awaited<ReturnType<typeof listen>>;

  beforeAll(async () => {
    listener = await listen({ port: 0, secret, log: (line) => lines.push(line) });
  });
  afterAll(() => listener.close());
  beforeEach(() => lines.splice(0));

  it('listens on 127.0.0.1', () => {
    expect(listener.url).toBe(`http://127.0.0.1:${listener.port}/`);
  });

  it('prints a signed event with "signature ok" and answers 200', async () => {
    const headers = signed([secret]);
    expect(await post(listener.url, headers)).toBe(200);
    const output = lines.join('\n');
    expect(output).toContain('signature ok');
    expect(output).toContain(headers['webhook-id']);
    expect(output).toContain('domain.status_changed');
    expect(output).toContain('"previous_status": "pending"');
  });

  it('accepts a delivery signed during a rotation', async () => {
    expect(await post(listener.url, signed([newWebhookSecret(), secret]))).toBe(200);
    expect(lines.join('\n')).toContain('signature ok');
  });

  it('prints "signature INVALID" for another secret, and answers 401', async () => {
    expect(await post(listener.url, signed([newWebhookSecret()]))).toBe(401);
    expect(lines.join('\n')).toContain('signature INVALID');
  });

  it('prints "signature INVALID" when the headers are missing', async () => {
    expect(await post(listener.url, {})).toBe(401);
    expect(lines.join('\n')).toContain('signature INVALID (Missing required headers)');
  });

  it('answers with the chosen status, and prints unchecked events without a secret', async () => {
    const open = await listen({ port: 0, status: 500, log: (line) => lines.push(line) });
    try {
      expect(await post(open.url, {})).toBe(500);
      expect(lines.join('\n')).toContain('signature not checked');
    } finally {
      await open.close();
    }
  });
});
