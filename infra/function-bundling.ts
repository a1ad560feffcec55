/**
 * How every function is bundled: the one source for the stack (ServiceFunction's code asset) and for
 * `npm run bench -- cold-start` and the bundle tests, which build with `esbuildOptionsFor` so their figures are the
 * deployed bundles'.
 *
 * ESM for Node 24, minified and tree-shaken, `module` before `main` (packages' ES builds tree-shake; their CommonJS
 * builds do not), external source maps without the sources, and the AWS SDK bundled in: measured with the
 * cold-start bench, the bundled SDK clients import faster than the runtime's copy loaded from /var/runtime. Nothing
 * is external.
 *
 * Code splitting: what a function needs on some paths only (node-forge, undici, the Qlik clients, the extraction
 * clients) is imported there with `await import()`, and esbuild puts it in its own chunk (`chunks/*.mjs`) that Node
 * reads, compiles and evaluates only when that path first runs. In one file, V8 still had to read and pre-parse all of
 * it at every cold start, and Node to parse its whole source map: the settings API's import took 240 ms as one 1.8 MB
 * file and 110 ms split (cold-start bench, same machine). NodejsFunction bundles to one `--outfile`, which cannot
 * split, so the stack builds the asset itself with esbuild's API (`functionCode`), without Docker.
 */
import { execSync } from 'node:child_process';
import path from 'node:path';
import { AssetHashType, DockerImage } from 'aws-cdk-lib';
import { Code } from 'aws-cdk-lib/aws-lambda';
import { buildSync, type BuildOptions } from 'esbuild';

/** The repository root: entries, package.json `imports` (`#lib/*`) and node_modules resolve from here. */
export const PROJECT_ROOT = path.resolve(import.meta.dirname, '..');

// esbuild's ESM output has no `require`; some CommonJS dependencies (node-forge, parts of the SDK) call it for
// Node built-ins. The alias avoids clashing with any `createRequire` the bundle itself declares.
const ESM_REQUIRE_BANNER =
  "import { createRequire as __kpimailerCreateRequire } from 'node:module';" +
  'const require = __kpimailerCreateRequire(import.meta.url);';

/**
 * The esbuild options of a function bundle: `<outdir>/index.mjs` (the handler file, `index.handler`) and its lazily
 * loaded chunks under `<outdir>/chunks/`, each with its source map.
 */
export function esbuildOptionsFor(entry: string, outdir: string): BuildOptions {
  return {
    absWorkingDir: PROJECT_ROOT,
    entryPoints: { index: path.resolve(PROJECT_ROOT, entry) },
    outdir,
    bundle: true,
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    outExtension: { '.js': '.mjs' },
    platform: 'node',
    format: 'esm',
    target: 'node24',
    minify: true,
    // Tree shaking is esbuild's default when bundling; stated so that nothing turns it off unnoticed.
    treeShaking: true,
    sourcemap: true,
    // Stack traces need the mappings, not the original sources; leaving them out keeps the artifact small.
    sourcesContent: false,
    mainFields: ['module', 'main'],
    banner: { js: ESM_REQUIRE_BANNER },
    logLevel: 'warning',
  };
}

/**
 * A function's code asset: `functions/<name>/handler.ts` bundled by `esbuildOptionsFor` into the asset directory,
 * then `afterBundling`'s shell commands (run in the repository root) add files beside it. The asset's hash is the
 * output's, so an unchanged bundle is not uploaded again.
 */
export function functionCode(entry: string, afterBundling?: (inputDir: string, outputDir: string) => string[]): Code {
  return Code.fromAsset(PROJECT_ROOT, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Never pulled: local bundling always answers (it builds or throws), so synth needs no Docker.
      image: DockerImage.fromRegistry('public.ecr.aws/sam/build-nodejs24.x'),
      // Never run either, but it names the entry: the CDK caches staged assets by these options' JSON, which leaves
      // `local` out, so without it every function would get the first function's bundle.
      command: ['esbuild', entry],
      local: {
        tryBundle(outputDir) {
          buildSync(esbuildOptionsFor(entry, outputDir));
          for (const command of afterBundling?.(PROJECT_ROOT, outputDir) ?? [])
            execSync(command, { cwd: PROJECT_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
          return true;
        },
      },
    },
  });
}
