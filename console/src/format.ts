/**
 * Wording and small derivations the pages show. No DOM here: the unit tests import this module
 * under the root tsconfig, which has no DOM library.
 */

/** Seconds from a `Retry-After` header (delay in seconds or an HTTP date), or undefined. */
export function retryAfterSeconds(header: string | null | undefined, nowMs: number): number | undefined {
  if (!header) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - nowMs) / 1000));
}

/** "Try again in 42 s." — minutes once the wait is two minutes or more. */
export function retryWording(seconds: number): string {
  if (seconds < 120) return `Try again in ${Math.max(1, seconds)} s.`;
  return `Try again in ${Math.ceil(seconds / 60)} min.`;
}

/** The alert text for an API error: its message, and when to retry if the API said so. */
export function errorText(message: string, retryAfter: number | undefined): string {
  return retryAfter === undefined ? message : `${message} ${retryWording(retryAfter)}`;
}

/** A status in words: `not_started` → "not started". */
export function statusWords(status: string | undefined): string {
  return status === undefined ? 'not checked' : status.replaceAll('_', ' ');
}

/** "2026-01-15 10:00:00 UTC", the same for every reader whatever their locale; "never" for null. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return 'never';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** The zone file's name: the one `Content-Disposition` gives, else `<domain>.zone`. */
export function zoneFileName(domain: string, contentDisposition: string | null): string {
  const match = contentDisposition?.match(/filename="?([^";]+)"?/i);
  const given = match?.[1]?.trim();
  // Only a plain file name: never a path the browser would have to clean up.
  if (given && /^[A-Za-z0-9._-]+$/.test(given) && !given.startsWith('.')) return given;
  return `${domain}.zone`;
}

/** The MAIL FROM prefix, read from the MX record's name (`send.example.com` → `send`); "" if none. */
export function returnPathOf(domain: string, records: readonly { type: string; name: string }[]): string {
  const mx = records.find((record) => record.type === 'MX');
  const suffix = `.${domain}`;
  if (!mx?.name.endsWith(suffix)) return '';
  return mx.name.slice(0, -suffix.length);
}
