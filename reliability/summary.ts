/** The human-readable summary of a run, ending with the one machine-readable line. */
import { CATEGORIES, type Finding, type Tally } from './tally.js';

const pad = (s: string | number, n: number) => String(s).padStart(n);
const secs = (ms: number | undefined) => (ms === undefined ? '-' : `${(ms / 1000).toFixed(1)} s`);

function list(title: string, findings: readonly Finding[], max = 40): string[] {
  if (findings.length === 0) return [];
  const out = [`${title} (${findings.length}):`];
  for (const f of findings.slice(0, max)) out.push(`  [${f.category}] ${f.message}`);
  if (findings.length > max) out.push(`  … ${findings.length - max} more`);
  return out;
}

export function summary(t: Tally, totalMs: number): string {
  const lines: string[] = [];
  lines.push('');
  const width = Math.max(11, ...CATEGORIES.map((c) => c.length));
  lines.push(
    `${'category'.padEnd(width)}  requests   5xx  503+Retry-After (ok)  timed out  violations  cross-team     time`,
  );
  for (const c of CATEGORIES) {
    const k = t.countsOf(c);
    if (k.requests === 0 && !t.durationsMs.has(c)) continue;
    lines.push(
      `${c.padEnd(width)} ${pad(k.requests, 9)} ${pad(k.unexpected5xx, 5)} ${pad(k.expected503, 21)} ${pad(k.timedOut, 10)} ${pad(t.violationsIn(c).length, 11)} ${pad(t.crossTeamReads.filter((x) => x.category === c).length, 11)} ${pad(secs(t.durationsMs.get(c)), 8)}`,
    );
  }
  lines.push(
    `${'total'.padEnd(width)} ${pad(t.requests(), 9)} ${pad(t.total5xx(), 5)}${' '.repeat(57)}${pad(secs(totalMs), 8)}`,
  );
  for (const c of CATEGORIES) {
    const d = t.details.get(c);
    if (!d?.length) continue;
    lines.push('');
    lines.push(`${c}:`);
    for (const l of d) lines.push(`  ${l}`);
  }
  lines.push('');
  lines.push(...list('Invariant violations', t.violations));
  lines.push(...list('Cross-team reads', t.crossTeamReads));
  lines.push(...list('Unexpected 5xx', t.fiveXx));
  lines.push(...list('Notes (not violations)', t.notes));
  lines.push(
    '5xx counts answers no fault explains; a 503 with Retry-After in the error envelope, while a fault is injected,',
  );
  lines.push(
    "SES throttles, or another request of the team is still setting the same domain up, is the contract's retryable answer.",
  );
  lines.push(t.lastLine());
  return lines.join('\n');
}
