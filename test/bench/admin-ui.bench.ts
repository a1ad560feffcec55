/**
 * Benchmark of the admin page (not part of `npm test`): the size of its JavaScript and CSS, raw and gzipped, and
 * the servers page's first render in Debian's chromium (median of several cold loads against the mock API, so
 * the figure measures the page, not Qlik or DynamoDB).
 *
 * Prints one JSON line per measurement. Run: `npx tsx test/bench/admin-ui.bench.ts`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildAdminUi } from '#lib/admin-ui/build-admin-ui.ts';
import { launchChromium, serversFirstRenderMs } from '#test/e2e/support/browser.ts';
import { startMockAdminApi } from '#test/e2e/support/mock-admin-api.ts';

const LOADS = 7;

export async function run(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'admin-ui-bench-'));
  try {
    const build = await buildAdminUi(dir);
    console.log(JSON.stringify({ bench: 'admin-ui', metric: 'bundle bytes (js+css)', value: build.bytes }));
    console.log(
      JSON.stringify({
        bench: 'admin-ui',
        metric: 'bundle gzip bytes (js+css)',
        value: build.gzipBytes,
        budget: 100 * 1024,
      }),
    );
    const api = await startMockAdminApi({ assetsDir: dir });
    const browser = await launchChromium();
    try {
      const samples: number[] = [];
      for (let i = 0; i < LOADS; i++) {
        // A new context each time: an empty cache, like a first visit.
        const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
        const page = await context.newPage();
        await page.goto(`${api.url}/#/servers`);
        samples.push(await serversFirstRenderMs(page));
        await context.close();
      }
      samples.sort((a, b) => a - b);
      const median = samples[Math.floor(samples.length / 2)]!;
      console.log(
        JSON.stringify({
          bench: 'admin-ui',
          metric: 'servers page first render ms (median, cold)',
          value: Math.round(median),
          samples: samples.map(Math.round),
        }),
      );
    } finally {
      await browser.close();
      await api.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
