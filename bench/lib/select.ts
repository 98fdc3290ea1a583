/** Which sections a run measures: `npm run bench -- --only webhooks,http` for a part of the bench. */

export const SECTIONS = ['in-process', 'http', 'verifier', 'webhooks', 'console', 'cells', 'cold-start'] as const;
export type Section = (typeof SECTIONS)[number];

/** The sections `--only a,b` (or `--only=a,b`) names, in run order; every section without the flag. */
export function selectSections(argv: readonly string[]): Section[] {
  const at = argv.findIndex((a) => a === '--only' || a.startsWith('--only='));
  if (at < 0) return [...SECTIONS];
  const arg = argv[at]!;
  const value = arg === '--only' ? argv[at + 1] : arg.slice('--only='.length);
  const names = (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const unknown = names.filter((n) => !(SECTIONS as readonly string[]).includes(n));
  if (names.length === 0 || unknown.length > 0)
    throw new Error(
      `--only takes a comma-separated list of ${SECTIONS.join(', ')}; got "${value ?? ''}"${unknown.length > 0 ? ` (unknown: ${unknown.join(', ')})` : ''}`,
    );
  return SECTIONS.filter((s) => names.includes(s));
}
