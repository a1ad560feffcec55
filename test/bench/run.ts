/**
 * `npm run bench -- [name…]`: runs the named benchmarks (`test/bench/<name>.bench.ts`), or every one when no name
 * is given. Each benchmark module exports `run()` and prints its figures as JSON lines; nothing here asserts a
 * timing, so a slow machine reports slow numbers instead of failing.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// The benchmarks run the Qlik simulators on loopback, which the destination policy refuses unless this is set.
process.env.KPIMAILER_ALLOW_LOOPBACK_QLIK ??= 'true';

const dir = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(dir)
  .filter((file) => file.endsWith('.bench.ts'))
  .map((file) => file.slice(0, -'.bench.ts'.length))
  .sort();
const wanted = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
const unknown = wanted.filter((name) => !available.includes(name));
if (unknown.length) {
  console.error(`No benchmark named ${unknown.join(', ')}. Available: ${available.join(', ')}.`);
  process.exit(2);
}

for (const name of wanted.length ? wanted : available) {
  const module = (await import(pathToFileURL(join(dir, `${name}.bench.ts`)).href)) as { run?: () => Promise<void> };
  if (typeof module.run !== 'function') {
    console.error(`test/bench/${name}.bench.ts does not export run(); skipped.`);
    continue;
  }
  console.error(`# bench ${name}`);
  await module.run();
}
// Benchmarks may leave keep-alive sockets or simulators behind; the figures are printed, so end here.
process.exit(0);
