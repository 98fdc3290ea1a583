/**
 * The bench's webhooks section tells the fan-out's and the worker's AWS calls apart by the stack
 * trace at the call, and matches each delivered event to the change that made it by its return path;
 * the section list, and the console section's size target.
 */
import { selectSections } from '../../bench/lib/select.js';
import { perSecond, pipelineStep, returnPathOf } from '../../bench/lib/webhook-bench.js';
import { type BenchResults, targetsMissed } from '../../bench/report.js';
import type { ConsoleResult } from '../../bench/sections/console.js';

const trace = (...frames: string[]) =>
  ['Error', '    at counter (/w/bench/lib/calls.ts:90:20)', ...frames.map((f) => `    at async ${f}`)].join('\n');

describe('pipelineStep', () => {
  it('names the fan-out from its service module', () => {
    expect(
      pipelineStep(
        trace(
          'createDelivery (/w/src/adapters/deliveries-table.ts:40:3)',
          'deliverTo (/w/src/services/webhooks/fanout.ts:60:15)',
        ),
      ),
    ).toBe('fanout');
  });

  it('names the worker, its attempt included (the secrets are opened there)', () => {
    expect(
      pipelineStep(
        trace(
          'getDelivery (/w/src/adapters/deliveries-table.ts:70:3)',
          'deliver (/w/src/services/webhooks/deliver.ts:70:20)',
        ),
      ),
    ).toBe('deliver');
    expect(
      pipelineStep(
        trace(
          'openSecret (/w/src/adapters/webhook-secrets.ts:90:5)',
          'sendAttempt (/w/src/services/webhooks/attempt.ts:20:14)',
        ),
      ),
    ).toBe('deliver');
    expect(pipelineStep(trace('x (C:\\w\\src\\services\\webhooks\\deliver.js:1:1)'))).toBe('deliver');
  });

  it('leaves the API and the verifier as other, the webhook routes too', () => {
    expect(pipelineStep(trace('updateDomain (/w/src/services/update-domain.ts:80:3)'))).toBe('other');
    expect(pipelineStep(trace('sendTestEvent (/w/src/services/webhooks/test-event.ts:40:3)'))).toBe('other');
    expect(pipelineStep(trace('listDeliveries (/w/src/services/webhooks/deliveries.ts:40:3)'))).toBe('other');
  });
});

describe('returnPathOf', () => {
  const data = (rp: string) => ({
    domain: 'd1.example.com',
    dns_records: [
      { type: 'CNAME', name: 'abc._domainkey.d1.example.com' },
      { type: 'MX', name: `${rp}.d1.example.com` },
      { type: 'TXT', name: `${rp}.d1.example.com` },
    ],
  });

  it('reads the return path from the MAIL FROM MX record', () => {
    expect(returnPathOf(data('b17'))).toBe('b17');
  });

  it('is null without such a record', () => {
    expect(
      returnPathOf({ domain: 'd1.example.com', dns_records: [{ type: 'MX', name: 'b1.other.example.com' }] }),
    ).toBeNull();
  });
});

describe('perSecond', () => {
  it('divides by the span in seconds', () => {
    expect(perSecond(100, 1000, 3000)).toBe(50);
    expect(perSecond(5, 10, 10)).toBeNaN();
  });
});

describe('selectSections', () => {
  it('runs every section without --only', () => {
    expect(selectSections([])).toEqual([
      'in-process',
      'http',
      'verifier',
      'webhooks',
      'console',
      'cells',
      'cold-start',
    ]);
  });

  it('runs the named ones, in run order, in either spelling', () => {
    expect(selectSections(['--only', 'webhooks'])).toEqual(['webhooks']);
    expect(selectSections(['--only=cold-start,http'])).toEqual(['http', 'cold-start']);
    expect(selectSections(['--only', 'cold-start,console'])).toEqual(['console', 'cold-start']);
  });

  it('refuses an unknown or missing name', () => {
    expect(() => selectSections(['--only', 'webhook'])).toThrow(/unknown: webhook/);
    expect(() => selectSections(['--only'])).toThrow(/comma-separated/);
  });
});

describe('the console section against its target', () => {
  const run = (bodyBytes: number): BenchResults => {
    const consoleResult: ConsoleResult = {
      first_view: {
        requests: 3,
        body_bytes: bodyBytes,
        body_kb: Math.round((bodyBytes / 1024) * 10) / 10,
        header_bytes: 900,
        files: [{ path: '/console', body_bytes: bodyBytes, content_encoding: 'gzip' }],
      },
      runs: 5,
      api_calls: { sign_in: ['GET /api/v1/domains?limit=20'], open_domain: ['GET /api/v1/domains/x'] },
      signin_to_records_p50_ms: 120,
      bare_p50_ms: 100,
      time_ratio: 1.2,
    };
    const meta = { date: '', node: '24', scale: 1, sections: ['console'], total_s: 0, notes: [] };
    return { meta, console: consoleResult, targets_missed: [] };
  };

  it('flags a first view over 60 KB as transferred, and only then', () => {
    expect(targetsMissed(run(40 * 1024))).toEqual([]);
    expect(targetsMissed(run(61 * 1024))).toEqual([expect.stringMatching(/^console\.first_view\.body_kb 61 > 60/)]);
  });
});
