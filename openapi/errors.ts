/**
 * Error responses of the document, from the error catalogue (src/errors.ts): one component response
 * per set of codes a status can carry, with each code's meaning and an example of its envelope.
 */
import * as v from 'valibot';
import { ERROR_CODES, type ErrorCode } from '../src/error-codes.js';
import { type ApiError, errorEntry } from '../src/errors.js';
import { errorBody } from '../src/http/envelope.js';
import { inline } from './json-schema.js';
import { errorEnvelopeWith } from './schemas.js';

/** `validation_error` + `invalid_json` → `ValidationErrorOrInvalidJson`. */
export const responseName = (codes: readonly ErrorCode[]) =>
  codes
    .map((c) =>
      c
        .split('_')
        .map((w) => w[0]!.toUpperCase() + w.slice(1))
        .join(''),
    )
    .join('Or');

/** The codes among `codes`, grouped by status, in status order (and the catalogue's order within one). */
export function byStatus(codes: readonly ErrorCode[]): Map<number, ErrorCode[]> {
  const grouped = new Map<number, ErrorCode[]>();
  for (const code of ERROR_CODES) {
    if (!codes.includes(code)) continue;
    const { status } = errorEntry(code);
    grouped.set(status, [...(grouped.get(status) ?? []), code]);
  }
  return new Map([...grouped].sort(([a], [b]) => a - b));
}

const RetryAfter = v.pipe(v.number(), v.integer(), v.minValue(1));

/** The response of one status carrying `codes`; `overrides` replaces the catalogue's example of a code. */
export function errorResponse(
  status: number,
  codes: readonly ErrorCode[],
  overrides: Partial<Record<ErrorCode, ApiError>> = {},
): Record<string, unknown> {
  const [first, ...rest] = codes;
  if (first === undefined) throw new Error(`no error codes for status ${status}`);
  const entries = codes.map(errorEntry);
  const response: Record<string, unknown> = {
    description: entries.map((e) => `\`${e.code}\`: ${e.meaning}`).join('\n\n'),
  };
  const retryAfter = errorEntry(first).example.retryAfterSeconds;
  if (retryAfter !== undefined) {
    response.headers = {
      'Retry-After': {
        description: 'Seconds to wait before retrying.',
        required: true,
        schema: inline(RetryAfter),
        example: retryAfter,
      },
    };
  }
  response.content = {
    'application/json': {
      schema: inline(errorEnvelopeWith([first, ...rest])),
      examples: Object.fromEntries(
        entries.map((e) => [e.code, { summary: e.code, value: errorBody(overrides[e.code] ?? e.example) }]),
      ),
    },
  };
  return response;
}

/** Every code with its status and meaning: the table the document's introduction and the README show. */
export function errorTable(): string {
  const rows = ERROR_CODES.map(errorEntry).map(
    (e) => `| ${e.status} | \`${e.code}\` | ${e.meaning.replaceAll('|', '\\|')} |`,
  );
  return ['| Status | Code | Meaning |', '| --- | --- | --- |', ...rows].join('\n');
}
