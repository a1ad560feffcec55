/**
 * Bundles the admin page with esbuild into a directory of static files: `index.html`, a content-hashed
 * `app-<hash>.js` and `app-<hash>.css`, and the favicon. The HTML has no inline script or style, so the page runs
 * under a strict Content-Security-Policy, and it names its assets with Subresource Integrity hashes.
 *
 * @example
 * const { files, gzipBytes } = await buildAdminUi('.kpimailer/admin-ui');
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

export interface AdminUiBuild {
  /** File names written to the output directory. */
  files: string[];
  /** Bytes of the page's JavaScript and CSS. */
  bytes: number;
  /** The same, gzip-compressed (level 9), as a browser downloads them. */
  gzipBytes: number;
}

export class AdminUiBuildError extends Error {
  override readonly name = 'AdminUiBuildError';
}

const ENTRY = fileURLToPath(new URL('./web/main.tsx', import.meta.url));

const FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><rect width="24" height="24" rx="5" fill="#14213d"/><g fill="#5fb3ff"><rect x="4" y="13" width="4" height="7" rx="1"/><rect x="10" y="8" width="4" height="12" rx="1"/><rect x="16" y="4" width="4" height="16" rx="1"/></g></svg>`;

const sri = (content: Uint8Array | string): string => `sha384-${createHash('sha384').update(content).digest('base64')}`;
const shortHash = (content: string): string => createHash('sha256').update(content).digest('hex').slice(0, 10);

function indexHtml(
  js: { name: string; integrity: string },
  css: { name: string; integrity: string },
  favicon: string,
): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<meta name="referrer" content="no-referrer">
<title>Qlik servers · KPImailer</title>
<link rel="icon" type="image/svg+xml" href="assets/${favicon}">
<link rel="stylesheet" href="assets/${css.name}" integrity="${css.integrity}">
<script type="module" src="assets/${js.name}" integrity="${js.integrity}"></script>
</head>
<body>
<noscript>The KPImailer administration page needs JavaScript.</noscript>
<div id="app"></div>
</body>
</html>
`;
}

/** Builds the admin page into `outDir`, replacing any earlier build there. */
export async function buildAdminUi(outDir: string, options: { minify?: boolean } = {}): Promise<AdminUiBuild> {
  const result = await build({
    entryPoints: { app: ENTRY },
    bundle: true,
    write: false,
    outdir: outDir,
    entryNames: '[name]-[hash]',
    format: 'esm',
    platform: 'browser',
    target: ['es2022', 'chrome109', 'firefox115', 'safari16'],
    minify: options.minify ?? true,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'none',
    charset: 'utf8',
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
  }).catch((cause: unknown) => {
    throw new AdminUiBuildError('The admin page did not build; see the esbuild errors in the cause.', { cause });
  });

  const js = result.outputFiles.find((f) => f.path.endsWith('.js'));
  const css = result.outputFiles.find((f) => f.path.endsWith('.css'));
  if (!js || !css) throw new AdminUiBuildError('The admin page build produced no JavaScript or no CSS file.');

  await mkdir(outDir, { recursive: true });
  for (const old of await readdir(outDir)) {
    if (/^(index\.html|app-.*\.(js|css)|favicon-.*\.svg)$/.test(old)) await rm(join(outDir, old), { force: true });
  }
  const favicon = `favicon-${shortHash(FAVICON)}.svg`;
  const assets = [
    { name: basename(js.path), content: js.contents },
    { name: basename(css.path), content: css.contents },
  ];
  const html = indexHtml(
    { name: assets[0]!.name, integrity: sri(js.contents) },
    { name: assets[1]!.name, integrity: sri(css.contents) },
    favicon,
  );
  await Promise.all([
    ...assets.map((a) => writeFile(join(outDir, a.name), a.content)),
    writeFile(join(outDir, favicon), FAVICON),
    writeFile(join(outDir, 'index.html'), html),
  ]);
  const bytes = js.contents.byteLength + css.contents.byteLength;
  const gzipBytes = gzipSync(js.contents, { level: 9 }).byteLength + gzipSync(css.contents, { level: 9 }).byteLength;
  return { files: ['index.html', ...assets.map((a) => a.name), favicon], bytes, gzipBytes };
}
