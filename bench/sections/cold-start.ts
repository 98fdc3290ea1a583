/**
 * Section 1: each function bundled exactly as the stack bundles it (lib/bundling.ts), its size,
 * and the time a fresh Node process takes to import it, against a floor bundle built the same way
 * that only constructs the AWS SDK clients found in the real bundle.
 */

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { BUNDLE_FILE, ESBUILD_OPTIONS } from '../../lib/bundling.js';
import { EVENT_SOURCE, type FunctionEnvironment, METRICS_NAMESPACE, SERVICE_NAME } from '../../src/deployment.js';
import { FUNCTION_GRANTS, FUNCTION_NAMES, type FunctionName, NOT_FOUND_FUNCTION } from '../../src/routes.js';
import { median, round } from '../lib/stats.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PROBE = fileURLToPath(new URL('../lib/import-probe.mjs', import.meta.url));
const KB = 1024;

/** The environment a function reads at import; values are placeholders, nothing is called. */
const IMPORT_ENV: FunctionEnvironment & Record<string, string> = {
  TABLE_NAME: 'krafter-domains-bench',
  VERIFY_QUEUE_URL: 'https://sqs.eu-central-1.amazonaws.com/000000000000/krafter-domains-bench-verify',
  AWS_REGION: 'eu-central-1',
  SES_REGION: 'eu-central-1',
  STAGE: 'bench',
  EVENT_SOURCE,
  POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
  POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
  LOG_LEVEL: 'INFO',
  // As the stack sets it for every function.
  NODE_OPTIONS: '--enable-source-maps',
};

export interface FunctionResult {
  readonly bundle_kb: number;
  readonly init_ms: number;
  readonly init_ratio: number;
  readonly floor_kb: number;
  readonly floor_init_ms: number;
  /**
   * Against a floor of only the clients the function was seen calling (sections 2, 5, 6): what
   * dropping the clients it bundles for nothing would be worth. Equal to init_ratio when it calls
   * every client it bundles.
   */
  readonly init_ratio_used: number;
  readonly floor_used_kb: number;
  readonly floor_used_init_ms: number;
  /** Bundled AWS clients the function never called in this run; null when its calls were not measured. */
  readonly unused_clients: string[] | null;
  /** The same import without NODE_OPTIONS=--enable-source-maps (which the stack sets). */
  readonly init_ms_without_source_maps: number;
  /** Resident memory right after the import (MB), a lower bound for the function's memory size. */
  readonly rss_mb: number;
  /** AWS SDK clients in the bundle, KB of each package in the output. */
  readonly clients: Record<string, number>;
  /** Where the bundle's bytes come from (KB): aws-sdk (incl. smithy), powertools, middy, valibot, tldts, app, other. */
  readonly breakdown_kb: Record<string, number>;
  /** Imports with the environment the stack gives this function (VERIFY_QUEUE_URL only with the queue grant). */
  readonly init_ok_with_stack_env: boolean;
  readonly init_error_with_stack_env?: string;
  readonly runs: number;
}

/** The routes' functions, the background ones, then the catch-all. */
export function functionNames(): FunctionName[] {
  return [...FUNCTION_NAMES.filter((n) => n !== NOT_FOUND_FUNCTION), NOT_FOUND_FUNCTION];
}

const CLIENT_PACKAGE = /node_modules\/(@aws-sdk\/(?:client-[a-z0-9-]+|lib-dynamodb))\//g;

function packageGroup(path: string): string {
  const nm = path.lastIndexOf('node_modules/');
  if (nm < 0) return 'app';
  const rest = path.slice(nm + 'node_modules/'.length).split('/');
  const pkg = rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  if (
    pkg.startsWith('@aws-sdk/') ||
    pkg.startsWith('@smithy/') ||
    pkg.startsWith('@aws-crypto/') ||
    ['tslib', 'fast-xml-parser', 'strnum', 'bowser', 'uuid', 'mnemonist', 'obliterator'].includes(pkg)
  )
    return 'aws-sdk';
  if (pkg.startsWith('@aws-lambda-powertools/')) return 'powertools';
  if (pkg.startsWith('@middy/')) return 'middy';
  if (pkg === 'valibot' || pkg === 'tldts' || pkg === 'tldts-core') return pkg === 'valibot' ? 'valibot' : 'tldts';
  return 'other';
}

function analyse(meta: Metafile): { clients: Record<string, number>; breakdown: Record<string, number> } {
  const output = Object.entries(meta.outputs).find(([path]) => path.endsWith('.mjs'))?.[1];
  if (!output) throw new Error('esbuild produced no .mjs output');
  const clients: Record<string, number> = {};
  const breakdown: Record<string, number> = {};
  for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
    if (bytesInOutput === 0) continue;
    const matches = [...path.matchAll(CLIENT_PACKAGE)];
    const pkg = matches.at(-1)?.[1];
    if (pkg) clients[pkg] = (clients[pkg] ?? 0) + bytesInOutput;
    const group = packageGroup(path);
    breakdown[group] = (breakdown[group] ?? 0) + bytesInOutput;
  }
  const kb = (o: Record<string, number>) =>
    Object.fromEntries(Object.entries(o).map(([k, v]) => [k, round(v / KB, 1)]));
  return { clients: kb(clients), breakdown: kb(breakdown) };
}

/** Source of the floor: construct each client the function's bundle contains, nothing else. */
async function floorSource(clientPackages: string[]): Promise<string> {
  const lines: string[] = [];
  const made: string[] = [];
  const classOf = async (pkg: string) => {
    const mod = (await import(pkg)) as Record<string, unknown>;
    const name = Object.keys(mod).find(
      (k) => /^[A-Za-z0-9]+Client$/.test(k) && !k.startsWith('_') && typeof mod[k] === 'function',
    );
    if (!name) throw new Error(`no client class exported by ${pkg}`);
    return name;
  };
  const docClient = clientPackages.includes('@aws-sdk/lib-dynamodb');
  for (const pkg of clientPackages) {
    if (pkg === '@aws-sdk/lib-dynamodb') continue;
    const cls = await classOf(pkg);
    lines.push(`import { ${cls} } from '${pkg}';`);
    if (pkg === '@aws-sdk/client-dynamodb' && docClient) {
      lines.push(`import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';`);
      made.push(`DynamoDBDocumentClient.from(new ${cls}({}), { marshallOptions: { removeUndefinedValues: true } })`);
    } else {
      made.push(`new ${cls}({})`);
    }
  }
  lines.push(`globalThis.__benchClients = [${made.join(', ')}];`);
  lines.push('export const handler = async () => globalThis.__benchClients.length;');
  return lines.join('\n');
}

interface Probe {
  ok: boolean;
  ms: number;
  rss?: number;
  error?: string;
}

function probe(file: string, env: Record<string, string>): Probe {
  const out = spawnSync(process.execPath, [PROBE, file], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (out.status !== 0) throw new Error(`import probe failed for ${file}: ${out.stderr}`);
  return JSON.parse(out.stdout) as Probe;
}

/**
 * `called`: per function whose calls were measured, the client packages it was seen calling; used
 * for the second floor and the unused-client check (functions not in it are not checked).
 */
export async function measureColdStart(
  opts: { runs: number; called: Map<string, Set<string>> },
  progress: (line: string) => void,
): Promise<Record<string, FunctionResult>> {
  const dir = mkdtempSync(join(tmpdir(), 'krafter-bench-'));
  try {
    const names = functionNames();
    const built = new Map<
      string,
      {
        real: string;
        floor: string;
        floorUsed: string;
        realKb: number;
        floorKb: number;
        floorUsedKb: number;
        clients: Record<string, number>;
        breakdown: Record<string, number>;
        unused: string[] | null;
      }
    >();
    progress(`bundling ${names.length} functions and their floors`);
    for (const name of names) {
      const real = join(dir, name, BUNDLE_FILE);
      const meta = (
        await build({
          ...ESBUILD_OPTIONS,
          entryPoints: [join(ROOT, 'functions', `${name}.ts`)],
          outfile: real,
          metafile: true,
          absWorkingDir: ROOT,
          logLevel: 'error',
        })
      ).metafile;
      const { clients, breakdown } = analyse(meta);
      const buildFloor = async (suffix: string, packages: string[]) => {
        const file = join(dir, `${name}.${suffix}`, BUNDLE_FILE);
        await build({
          ...ESBUILD_OPTIONS,
          stdin: {
            contents: await floorSource([...packages].sort()),
            resolveDir: ROOT,
            sourcefile: `${name}.${suffix}.mjs`,
            loader: 'js',
          },
          outfile: file,
          absWorkingDir: ROOT,
          logLevel: 'error',
        });
        return file;
      };
      const bundled = Object.keys(clients);
      const measured = opts.called.get(name);
      const calledPackages = new Set(measured ?? bundled);
      // The document client wraps client-dynamodb: it is used whenever DynamoDB is.
      if (calledPackages.has('@aws-sdk/client-dynamodb') && bundled.includes('@aws-sdk/lib-dynamodb'))
        calledPackages.add('@aws-sdk/lib-dynamodb');
      const used = bundled.filter((p) => calledPackages.has(p));
      const floor = await buildFloor('floor', bundled);
      const floorUsed = used.length === bundled.length ? floor : await buildFloor('floor-used', used);
      built.set(name, {
        real,
        floor,
        floorUsed,
        realKb: statSync(real).size / KB,
        floorKb: statSync(floor).size / KB,
        floorUsedKb: statSync(floorUsed).size / KB,
        clients,
        breakdown,
        unused: measured ? bundled.filter((p) => !calledPackages.has(p)) : null,
      });
    }

    // Does each function start with only the environment the stack gives it?
    const stackEnv = new Map<string, Probe>();
    for (const name of names) {
      const env = { ...IMPORT_ENV };
      if (!FUNCTION_GRANTS[name]?.sendToVerifyQueue) delete env.VERIFY_QUEUE_URL;
      stackEnv.set(name, probe(built.get(name)!.real, env));
    }

    type Kind = 'real' | 'floor' | 'floorUsed' | 'realNoMaps';
    const samples = new Map(
      names.map((n) => [
        n,
        {
          real: [] as number[],
          floor: [] as number[],
          floorUsed: [] as number[],
          realNoMaps: [] as number[],
          rss: [] as number[],
        },
      ]),
    );
    const { NODE_OPTIONS: _sourceMaps, ...noMapsEnv } = IMPORT_ENV;
    // One discarded round first (file cache), then the rounds, interleaving functions and floors.
    for (let round = -1; round < opts.runs; round++) {
      if (round % 5 === 4) progress(`import round ${round + 1}/${opts.runs}`);
      for (const [i, name] of names.entries()) {
        const b = built.get(name)!;
        const s = samples.get(name)!;
        const kinds: Kind[] =
          b.floorUsed === b.floor ? ['real', 'floor', 'realNoMaps'] : ['real', 'floor', 'floorUsed', 'realNoMaps'];
        // Rotate the order every round, so none always runs first.
        const order = kinds.map((_, k) => kinds[(k + round + i + 1) % kinds.length]!);
        for (const which of order) {
          const p = which === 'realNoMaps' ? probe(b.real, noMapsEnv) : probe(b[which], IMPORT_ENV);
          if (!p.ok) throw new Error(`${name} (${which}) failed to import: ${p.error}`);
          if (round < 0) continue;
          s[which].push(p.ms);
          if (which === 'real') s.rss.push((p.rss ?? 0) / (KB * KB));
        }
      }
    }

    const results: Record<string, FunctionResult> = {};
    for (const name of names) {
      const b = built.get(name)!;
      const s = samples.get(name)!;
      const stack = stackEnv.get(name)!;
      const initMs = median(s.real);
      const floorMs = median(s.floor);
      const floorUsedMs = b.floorUsed === b.floor ? floorMs : median(s.floorUsed);
      // Ratios pair the imports of one round (run back to back): the machine's load drifts less
      // within a round than across the run, so the median of paired ratios is the steadier figure.
      const paired = (floor: number[]) => round(median(s.real.map((r, k) => r / floor[k]!)), 2);
      results[name] = {
        bundle_kb: round(b.realKb, 1),
        init_ms: round(initMs, 1),
        init_ratio: paired(s.floor),
        floor_kb: round(b.floorKb, 1),
        floor_init_ms: round(floorMs, 1),
        init_ratio_used: b.floorUsed === b.floor ? paired(s.floor) : paired(s.floorUsed),
        floor_used_kb: round(b.floorUsedKb, 1),
        floor_used_init_ms: round(floorUsedMs, 1),
        unused_clients: b.unused,
        rss_mb: round(median(s.rss), 1),
        init_ms_without_source_maps: round(median(s.realNoMaps), 1),
        clients: b.clients,
        breakdown_kb: b.breakdown,
        init_ok_with_stack_env: stack.ok,
        ...(stack.ok ? {} : { init_error_with_stack_env: stack.error }),
        runs: opts.runs,
      };
    }
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
