/**
 * The error catalogue (src/errors.ts) against what it promises: each code's example is an instance of
 * that code's own class, and the README's error table lists exactly the catalogue's codes, statuses
 * and meanings (the OpenAPI document reads the same catalogue, see openapi.test.ts).
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { normalizeReturnPath } from '../../src/domain/return-path.js';
import { ERROR_CODES } from '../../src/error-codes.js';
import { ApiError, errorEntry } from '../../src/errors.js';

const readme = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'README.md');

/** The rows of the README's markdown table headed `| Status | Code | Meaning |`, cells unescaped. */
async function readmeErrorTable(): Promise<{ status: number; code: string; meaning: string }[]> {
  const lines = (await readFile(readme, 'utf8')).split('\n');
  const header = lines.findIndex((l) => /^\|\s*Status\s*\|\s*Code\s*\|\s*Meaning\s*\|$/i.test(l.trim()));
  expect(header).toBeGreaterThan(-1);
  const rows: { status: number; code: string; meaning: string }[] = [];
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith('|')) break;
    const cells = line
      .slice(1, -1)
      .split(/(?<!\\)\|/)
      .map((c) => c.trim().replaceAll('\\|', '|'));
    expect(cells).toHaveLength(3);
    rows.push({ status: Number(cells[0]), code: cells[1]!.replace(/^`|`$/g, ''), meaning: cells[2]! });
  }
  return rows;
}

describe('the error catalogue', () => {
  it.each(ERROR_CODES)("%s: its example is an instance of the code's own class, with the code's status", (code) => {
    const { status, example } = errorEntry(code);
    expect(example).toBeInstanceOf(ApiError);
    expect(example.constructor).not.toBe(ApiError);
    expect(example.name).toBe(example.constructor.name);
    expect([example.code, example.status]).toEqual([code, status]);
  });

  it('gives each code its own class', () => {
    const classes = ERROR_CODES.map((code) => errorEntry(code).example.constructor);
    expect(new Set(classes).size).toBe(ERROR_CODES.length);
  });

  it("shows a validation error the API really answers (return_path's rule)", () => {
    const shown = (e: ApiError) => ({ code: e.code, message: e.message, details: e.details });
    let thrown: unknown;
    try {
      normalizeReturnPath('1send', 'example.com');
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ApiError);
    expect(shown(errorEntry('validation_error').example)).toEqual(shown(thrown as ApiError));
  });
});

describe("README.md's error table", () => {
  it("lists exactly the catalogue's codes, in its order, with their status and meaning", async () => {
    expect(await readmeErrorTable()).toEqual(
      ERROR_CODES.map((code) => {
        const { status, meaning } = errorEntry(code);
        return { status, code, meaning };
      }),
    );
  });
});
