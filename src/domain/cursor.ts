/** Opaque page cursors: base64url of the last domain id of a page. Clients must not build them. */
import { isDomainId } from './domain.js';

export function encodeCursor(lastId: string): string {
  return Buffer.from(JSON.stringify({ v: 1, id: lastId })).toString('base64url');
}

/** The domain id inside a cursor, or null when it is not one this API issued. */
export function decodeCursor(cursor: string): string | null {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { v?: unknown; id?: unknown };
    return parsed.v === 1 && typeof parsed.id === 'string' && isDomainId(parsed.id) ? parsed.id : null;
  } catch {
    return null;
  }
}
