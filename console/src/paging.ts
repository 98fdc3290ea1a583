/** Route parsing, list paging and the polling back-off. No DOM here (unit-tested under the root tsconfig). */

export type Route =
  | { page: 'domains' }
  | { page: 'domain'; id: string }
  | { page: 'webhooks' }
  | { page: 'webhook'; id: string };

/** Ids are UUIDs: nothing else from a link reaches an API path (no `..`, no slashes). */
const ID = /^[A-Za-z0-9-]{1,64}$/;

/** `#/`, `#/domains` → list; `#/domains/<id>`; `#/webhooks`; `#/webhooks/<id>`; anything else → list. */
export function parseRoute(hash: string): Route {
  const [section, id, ...rest] = hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  const validId = id !== undefined && rest.length === 0 && ID.test(id);
  if (section === 'webhooks') return validId ? { page: 'webhook', id } : { page: 'webhooks' };
  if (section === 'domains' && validId) return { page: 'domain', id };
  return { page: 'domains' };
}

/** Delay before poll number `attempt` (0-based): 1 s, 2 s, 4 s, 8 s, then 15 s each. */
export function pollDelayMs(attempt: number): number {
  return Math.min(1000 * 2 ** Math.max(0, attempt), 15_000);
}

/** Newest first by creation time (ids are time-ordered too, so they break ties). */
export function newestFirst<T extends { id: string; created_at: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => b.created_at.localeCompare(a.created_at) || b.id.localeCompare(a.id));
}

export interface PageView<T> {
  items: T[];
  index: number;
  count: number;
  hasPrevious: boolean;
  hasNext: boolean;
}

/** Page `index` (0-based, clamped) of `size` items. */
export function pageOf<T>(items: readonly T[], index: number, size: number): PageView<T> {
  const count = Math.max(1, Math.ceil(items.length / size));
  const at = Math.min(Math.max(0, index), count - 1);
  return {
    items: items.slice(at * size, (at + 1) * size),
    index: at,
    count,
    hasPrevious: at > 0,
    hasNext: at < count - 1,
  };
}
