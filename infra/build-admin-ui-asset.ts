/**
 * Builds the admin page into the admin-ui function's asset, next to its bundle (`<asset>/admin-ui/`), where the
 * handler looks for it. Run by the function's `afterBundling` hook during `cdk synth`:
 *
 * @example
 * npx tsx infra/build-admin-ui-asset.ts /path/to/asset/admin-ui
 */
import { buildAdminUi } from '#lib/admin-ui/build-admin-ui.ts';

const outDir = process.argv[2];
if (!outDir) {
  console.error('Usage: tsx infra/build-admin-ui-asset.ts <output directory>');
  process.exit(2);
}
const { files, gzipBytes } = await buildAdminUi(outDir);
console.error(`Admin page: ${files.join(', ')} (${gzipBytes} bytes gzipped) -> ${outDir}`);
