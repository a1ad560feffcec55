/**
 * How every function is bundled: the one source for the stack (ServiceFunction's NodejsFunction bundling) and for
 * `npm run bench -- cold-start`, which bundles with `esbuildOptionsFor` so its figures are the deployed bundles'.
 *
 * ESM for Node 24, minified and tree-shaken, `module` before `main` (packages' ES builds tree-shake; their CommonJS
 * builds do not), an external source map without the sources, and the AWS SDK bundled in: measured with the
 * cold-start bench, the bundled SDK clients import faster than the runtime's copy loaded from /var/runtime. Nothing
 * is external. Code a function needs on some paths only (node-forge, undici and the Qlik clients) is imported there
 * with `await import()`, so the function's cold start does not evaluate it.
 */
import { OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';

// esbuild's ESM output has no `require`; some CommonJS dependencies (node-forge, parts of the SDK) call it for
// Node built-ins. The alias avoids clashing with any `createRequire` the bundle itself declares.
const ESM_REQUIRE_BANNER =
  "import { createRequire as __kpimailerCreateRequire } from 'node:module';" +
  'const require = __kpimailerCreateRequire(import.meta.url);';

/** The esbuild settings shared by the stack and the bench. */
export const FUNCTION_BUNDLE = {
  target: 'node24',
  minify: true,
  treeShaking: true,
  sourcemap: true,
  // Stack traces need the mappings, not the original sources; leaving them out keeps the artifact small.
  sourcesContent: false,
  mainFields: ['module', 'main'],
  banner: ESM_REQUIRE_BANNER,
} as const;

/** ServiceFunction's `bundling`: local esbuild (no Docker), ESM, the shared settings. */
export function nodejsFunctionBundling(
  afterBundling?: (inputDir: string, outputDir: string) => string[],
): BundlingOptions {
  return {
    forceDockerBundling: false,
    format: OutputFormat.ESM,
    target: FUNCTION_BUNDLE.target,
    minify: FUNCTION_BUNDLE.minify,
    sourceMap: FUNCTION_BUNDLE.sourcemap,
    sourcesContent: FUNCTION_BUNDLE.sourcesContent,
    mainFields: [...FUNCTION_BUNDLE.mainFields],
    banner: FUNCTION_BUNDLE.banner,
    // Tree shaking is esbuild's default when bundling; stated so that nothing turns it off unnoticed.
    esbuildArgs: { '--tree-shaking': String(FUNCTION_BUNDLE.treeShaking) },
    bundleAwsSDK: true,
    externalModules: [],
    commandHooks: {
      beforeInstall: () => [],
      beforeBundling: () => [],
      afterBundling: afterBundling ?? (() => []),
    },
  };
}

/** The same bundle through esbuild's API (what the CDK runs through its CLI), for the cold-start bench. */
export function esbuildOptionsFor(entry: string, outfile: string): BuildOptions {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: FUNCTION_BUNDLE.target,
    minify: FUNCTION_BUNDLE.minify,
    treeShaking: FUNCTION_BUNDLE.treeShaking,
    sourcemap: FUNCTION_BUNDLE.sourcemap,
    sourcesContent: FUNCTION_BUNDLE.sourcesContent,
    mainFields: [...FUNCTION_BUNDLE.mainFields],
    banner: { js: FUNCTION_BUNDLE.banner },
  };
}
