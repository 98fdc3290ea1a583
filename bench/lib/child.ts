/**
 * Runs a bench section in its own Node process (same Node binary, TypeScript through tsx), so each
 * section gets the environment its functions read at import and a fresh module graph. Messages go
 * over the IPC channel as `{ type, data }`; the child's stdout (logs, metric lines) is discarded and
 * its stderr kept for the error report.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface Message<T = unknown> {
  readonly type: string;
  readonly data: T;
}

export class Child {
  private readonly proc: ChildProcess;
  private readonly inbox: Message[] = [];
  private readonly waiters: Array<{ type: string; resolve: (data: unknown) => void; reject: (e: Error) => void }> = [];
  private stderr = '';
  private failure: Error | null = null;
  readonly done: Promise<void>;

  constructor(script: URL, env: Record<string, string | undefined> = {}) {
    const name = script.pathname.split('/').pop();
    this.proc = fork(fileURLToPath(script), [], {
      execPath: process.execPath,
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      env: { ...process.env, ...env },
    });
    this.proc.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-20_000);
    });
    this.proc.on('message', (m: Message) => {
      if (m.type === 'error') return this.fail(new Error(`bench child ${name} failed: ${String(m.data)}`));
      const i = this.waiters.findIndex((w) => w.type === m.type);
      if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(m.data);
      else this.inbox.push(m);
    });
    this.done = new Promise<void>((resolve) => {
      this.proc.on('close', (code, signal) => {
        this.fail(new Error(`bench child ${name} exited (${code ?? signal})\n${this.stderr.slice(-4000)}`));
        resolve();
      });
    });
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const w of this.waiters.splice(0)) w.reject(this.failure);
  }

  /** Resolves with the data of the next message of this type; rejects if the child fails first. */
  next<T>(type: string): Promise<T> {
    const i = this.inbox.findIndex((m) => m.type === type);
    if (i >= 0) return Promise.resolve(this.inbox.splice(i, 1)[0]!.data as T);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<T>((resolve, reject) =>
      this.waiters.push({ type, resolve: resolve as (d: unknown) => void, reject }),
    );
  }

  send(type: string, data: unknown = null): void {
    this.proc.send({ type, data });
  }

  kill(): void {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGTERM');
  }
}

/** Child side: report to the parent. */
export function report(type: string, data: unknown = null): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!process.send) return reject(new Error('not started by the bench runner (no IPC channel)'));
    process.send({ type, data }, (err: Error | null) => (err ? reject(err) : resolve()));
  });
}

/** Child side: wait for one message of this type from the parent. */
export function receive<T>(type: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: Message<T>) => {
      if (m.type !== type) return;
      process.off('message', on);
      resolve(m.data);
    };
    process.on('message', on);
  });
}

/** Child side: run `main`, report its result (or its error) and exit once cleaned up. */
export async function childMain(main: () => Promise<unknown>): Promise<void> {
  // Exit (running the `exit` hooks that stop DynamoDB Local's Java child) when the runner goes away.
  const quit = () => process.exit(1);
  process.once('disconnect', quit);
  process.once('SIGTERM', quit);
  process.once('SIGINT', quit);
  try {
    const result = await main();
    process.off('disconnect', quit);
    await report('result', result);
    process.exit(0);
  } catch (err) {
    const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
    process.stderr.write(`${text}\n`);
    await report('error', text).catch(() => undefined);
    process.exit(1);
  }
}
