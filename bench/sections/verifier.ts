/** Section 6: the verifier's achieved SES call rate against its budget (runs in a child process). */
import { Child } from '../lib/child.js';
import type { VerifierOptions, VerifierResult } from './verifier-child.js';

export async function measureVerifier(
  opts: VerifierOptions,
  progress: (line: string) => void,
): Promise<VerifierResult> {
  const child = new Child(new URL('./verifier-child.ts', import.meta.url), { BENCH_VERIFIER: JSON.stringify(opts) });
  const forward = async () => {
    for (;;) progress(await child.next<string>('progress'));
  };
  forward().catch(() => undefined);
  try {
    progress('starting the local stack');
    return await child.next<VerifierResult>('result');
  } finally {
    child.kill();
    await child.done;
  }
}
