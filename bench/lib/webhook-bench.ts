/**
 * Pure helpers of the webhooks section: which step of the pipeline made an AWS call, and which
 * change a delivered event reports.
 */

export type PipelineStep = 'fanout' | 'deliver' | 'other';

/**
 * The pipeline step a call belongs to, from the stack trace taken at the call (async frames
 * included): the fan-out and the delivery worker share one process with the API in the local stack,
 * so the service module on the trace tells them apart. Anything else (the API's own requests, the
 * verifier) is `other`.
 */
export function pipelineStep(stack: string): PipelineStep {
  if (/[/\\]services[/\\]webhooks[/\\]fanout\.[jt]s/.test(stack)) return 'fanout';
  if (/[/\\]services[/\\]webhooks[/\\](deliver|attempt)\.[jt]s/.test(stack)) return 'deliver';
  return 'other';
}

export interface DeliveredDomain {
  readonly domain: string;
  readonly dns_records: ReadonlyArray<{ readonly type: string; readonly name: string }>;
}

/**
 * The return path a domain event shows (its MAIL FROM MX record is `<return_path>.<domain>`). The
 * bench gives every PATCH a return path of its own, so this names the change an event reports.
 */
export function returnPathOf(data: DeliveredDomain): string | null {
  const suffix = `.${data.domain}`;
  const mx = data.dns_records.find((r) => r.type === 'MX' && r.name.endsWith(suffix));
  return mx ? mx.name.slice(0, -suffix.length) : null;
}

/** Deliveries completed per second over `[startMs, endMs]`. */
export function perSecond(count: number, startMs: number, endMs: number): number {
  return endMs > startMs ? count / ((endMs - startMs) / 1000) : Number.NaN;
}
