// Imports one bundle in this fresh process and reports how long the import took (module
// evaluation included: that is a Lambda function's init), and the resident memory after it.
import { pathToFileURL } from 'node:url';

const file = process.argv[2];
const t0 = performance.now();
let out;
try {
  const mod = await import(pathToFileURL(file).href);
  out = { ok: true, ms: performance.now() - t0, rss: process.memoryUsage().rss, handler: typeof mod.handler };
} catch (err) {
  out = { ok: false, ms: performance.now() - t0, error: String(err instanceof Error ? err.message : err) };
}
process.stdout.write(JSON.stringify(out), () => process.exit(0));
