/** The MAIL FROM prefix rules, apart from the host-name rules so updates do not load the suffix list. */
import { ValidationError } from '../errors.js';

const MAX_NAME_LENGTH = 253;

export const DEFAULT_RETURN_PATH = 'send';

/**
 * The spec's rule for `return_path` (starts with a letter; letters, digits, hyphens; at most 63),
 * plus what DNS adds: a label cannot end with a hyphen, and `<return_path>.<domain>` must fit 253.
 * Lower-cased, since DNS names are case-insensitive and records are shown in lower case.
 */
export function normalizeReturnPath(input: string, domain: string): string {
  const value = input.toLowerCase();
  if (!/^[a-z][a-z0-9-]{0,62}$/.test(value)) {
    throw new ValidationError(
      'return_path must start with a letter, contain only letters, digits and hyphens, and be at most 63 characters.',
      'return_path',
    );
  }
  if (value.endsWith('-')) throw new ValidationError('return_path must not end with a hyphen.', 'return_path');
  if (value.length + 1 + domain.length > MAX_NAME_LENGTH) {
    throw new ValidationError(
      `return_path makes the MAIL FROM name longer than ${MAX_NAME_LENGTH} characters.`,
      'return_path',
    );
  }
  return value;
}
