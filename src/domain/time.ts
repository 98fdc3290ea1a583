/** Timestamps in the API's format: ISO 8601 UTC to the second, e.g. `2026-01-15T10:00:00Z`. */
export function apiTimestamp(date: Date | number | string): string {
  return new Date(date).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
