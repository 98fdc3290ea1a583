/** Which SES region a new domain lives in: the one asked for, if the stack offers it, else the default. */
import { ValidationError } from '../errors.js';

/** `allowed` lists the configured regions, the default first. */
export function chooseRegion(requested: string | undefined, allowed: readonly string[]): string {
  const fallback = allowed[0];
  if (fallback === undefined) throw new Error('no SES region configured');
  if (requested === undefined) return fallback;
  const region = requested.trim().toLowerCase();
  if (!allowed.includes(region)) {
    throw new ValidationError(`region must be one of: ${allowed.join(', ')}.`, 'region');
  }
  return region;
}
