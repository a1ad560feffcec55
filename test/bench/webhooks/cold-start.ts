/**
 * Cold start of the webhook receiver next to a bare receiver (bare-receiver.ts: read the secret, check the HMAC,
 * answer), both bundled exactly as the deployed functions are (infra/function-bundling.ts).
 *
 * For each bundle: its size, then in fresh `node` processes (one warm-up, then the median of 5) the module import
 * time measured around `await import()`, and the first response: the handler's first invocation on a signed event,
 * with the SDK clients built, the secret read and (for the receiver) the event stored and published, against
 * local stand-ins (dynalite, the local Secrets Manager). Lambda runs Node 24 on arm64; this runs the local Node,
 * so compare the two bundles with each other rather than with Lambda's init duration.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { esbuildOptionsFor, PROJECT_ROOT } from '../../../infra/function-bundling.ts';

const run = promisify(execFile);

export interface BundleFigures {
  bytes: number;
  gzipBytes: number;
  importMs: number[];
  firstResponseMs: number[];
  processWallMs: number[];
  statuses: Array<number | string>;
  /** The last measured process's outgoing requests (BENCH_COLD_START_CALLS=1). */
  calls?: unknown[];
}

/** The handler file of the bundle (`<outDir>/index.mjs`) and every chunk it imports statically: what a cold start reads. */
export interface Bundle {
  path: string;
  coldStartFiles: string[];
}

export async function bundle(entry: string, outDir: string): Promise<Bundle> {
  // Exactly the stack's bundling (infra/function-bundling.ts).
  const { metafile } = await build({ ...esbuildOptionsFor(entry, outDir), metafile: true });
  const outputs = metafile.outputs;
  const index = Object.keys(outputs).find((file) => file.endsWith('/index.mjs'))!;
  const coldStart = new Set([index]);
  for (const file of coldStart)
    for (const { path, kind } of outputs[file]!.imports)
      if (kind === 'import-statement' && outputs[path]) coldStart.add(path);
  const absolute = (file: string) => resolve(PROJECT_ROOT, file);
  return { path: absolute(index), coldStartFiles: [...coldStart].map(absolute) };
}

/**
 * The child: import, one invocation, figures on the last line (the handler's own log lines come before it). With
 * BENCH_COLD_START_CALLS=1 it also lists the first invocation's outgoing requests (start and duration in ms after
 * the import, and the AWS operation), to see which round trips a first response waits for.
 */
const CHILD = `
const calls = process.env.BENCH_COLD_START_CALLS === '1' ? [] : null;
let t1 = 0;
if (calls) (await import('node:diagnostics_channel')).subscribe('http.client.request.start', ({ request }) => {
  const call = { atMs: Math.round(performance.now() - t1), operation: request.getHeader('x-amz-target') ?? request.method + ' ' + request.path };
  calls.push(call);
  request.on('response', (response) => response.on('end', () => { call.ms = Math.round(performance.now() - t1 - call.atMs); }));
});
const t0 = performance.now();
const { handler } = await import(process.env.BENCH_BUNDLE);
t1 = performance.now();
const response = await handler(JSON.parse(process.env.BENCH_EVENT), { awsRequestId: 'bench', functionName: 'bench', getRemainingTimeInMillis: () => 10000 });
const t2 = performance.now();
process.stdout.write('\\n' + JSON.stringify({ importMs: t1 - t0, firstResponseMs: t2 - t1, status: response?.statusCode ?? 'returned', calls }) + '\\n');
process.exit(0);
`;

/**
 * @param nextEvent builds the event of each process's first invocation (fresh per process, so a signed delivery is
 *   new every time)
 */
export async function measure(
  { path: bundlePath, coldStartFiles }: Bundle,
  env: Record<string, string>,
  nextEvent: () => unknown,
  runs = 5,
): Promise<BundleFigures> {
  const childPath = join(bundlePath, '..', 'child.mjs');
  writeFileSync(childPath, CHILD);
  const code = Buffer.concat(coldStartFiles.map((file) => readFileSync(file)));
  const figures: BundleFigures = {
    // What a cold start reads and compiles: the handler file and the chunks it imports statically.
    bytes: code.byteLength,
    gzipBytes: gzipSync(code, { level: 9 }).byteLength,
    importMs: [],
    firstResponseMs: [],
    processWallMs: [],
    statuses: [],
  };
  for (let i = 0; i <= runs; i++) {
    const event = nextEvent();
    const started = performance.now();
    const { stdout } = await run(process.execPath, [...cpuProfileArgs(bundlePath), childPath], {
      env: {
        PATH: process.env.PATH,
        ...env,
        // What Lambda sets for these functions (infra/constructs/functions.ts).
        NODE_OPTIONS: '--enable-source-maps',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        BENCH_BUNDLE: bundlePath,
        BENCH_COLD_START_CALLS: process.env['BENCH_COLD_START_CALLS'] ?? '',
        BENCH_EVENT: JSON.stringify(event),
      },
      maxBuffer: 16 * 1024 * 1024,
    });
    const wall = performance.now() - started;
    if (i === 0) continue; // warm-up: file system cache, not the code
    const last = JSON.parse(stdout.trim().split('\n').pop()!) as {
      importMs: number;
      firstResponseMs: number;
      status: number | string;
      calls: unknown[] | null;
    };
    figures.importMs.push(last.importMs);
    figures.firstResponseMs.push(last.firstResponseMs);
    figures.processWallMs.push(wall);
    figures.statuses.push(last.status);
    if (last.calls) figures.calls = last.calls;
  }
  return figures;
}

/**
 * `BENCH_CPU_PROFILE_DIR=<dir>`: each measured process also writes a V8 CPU profile to `<dir>/<bundle folder>/`
 * (sampled every 100 µs), to see where a cold start spends its time. The bundles are kept for their source maps.
 */
function cpuProfileArgs(bundlePath: string): string[] {
  const dir = process.env['BENCH_CPU_PROFILE_DIR'];
  return dir
    ? ['--cpu-prof', '--cpu-prof-interval=100', `--cpu-prof-dir=${join(dir, basename(dirname(bundlePath)))}`]
    : [];
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function bundleDir(root: string, name: string): string {
  const dir = join(root, `${name}-${randomUUID().slice(0, 6)}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}
