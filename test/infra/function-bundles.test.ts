/**
 * What each function evaluates at cold start, bundled exactly as the stack bundles it (infra/function-bundling.ts):
 * the packages its bundle reaches through static imports. What a path loads with `await import()` is in the bundle
 * too but not evaluated until that path runs, so it is not counted here. The cold-start figures themselves are
 * `npm run bench -- cold-start`; this keeps the heavy packages where they were put.
 */
import { readdirSync } from 'node:fs';
import { build, type Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { esbuildOptionsFor } from '../../infra/function-bundling.ts';

/** The package of a bundled file (`node_modules/zod/v4/classic/x.js` -> `zod/v4/classic`, the part that matters for zod). */
function packageOf(file: string): string | null {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)(\/v4\/(?:classic|mini))?/.exec(file);
  return match ? `${match[1]}${match[2] ?? ''}` : null;
}

async function coldStartPackages(name: string): Promise<Set<string>> {
  const entry = `functions/${name}/handler.ts`;
  const { metafile } = await build({
    ...esbuildOptionsFor(entry, `/nonexistent/${name}`),
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const inputs: Metafile['inputs'] = metafile.inputs;
  const seen = new Set([entry]);
  const queue = [entry];
  const packages = new Set<string>();
  while (queue.length > 0) {
    for (const { path, kind } of inputs[queue.shift()!]?.imports ?? []) {
      if ((kind !== 'import-statement' && kind !== 'require-call') || seen.has(path)) continue;
      seen.add(path);
      queue.push(path);
      const pkg = packageOf(path);
      if (pkg) packages.add(pkg);
    }
  }
  return packages;
}

const BUNDLING = 120_000;

describe('function bundles: what a cold start evaluates', () => {
  it(
    'keeps Qlik clients (undici), certificates (node-forge), the zod schemas and the extraction clients out of the webhook receiver',
    async () => {
      const packages = await coldStartPackages('webhook-receiver');
      expect(packages).toContain('@aws-sdk/client-dynamodb');
      for (const heavy of [
        'undici',
        'node-forge',
        'zod/v4/classic',
        '@aws-sdk/client-s3',
        '@aws-sdk/client-sqs',
        '@aws-sdk/client-lambda',
      ]) {
        expect(packages, heavy).not.toContain(heavy);
      }
    },
    BUNDLING,
  );

  it(
    'loads node-forge, undici and the extraction clients in the settings API only on the paths that need them',
    async () => {
      const packages = await coldStartPackages('settings-api');
      expect(packages).toContain('@aws-sdk/client-dynamodb');
      expect(packages).not.toContain('node-forge');
      expect(packages).not.toContain('undici');
      // Only a save, a test or a delete reads or writes a secret.
      expect(packages).not.toContain('@aws-sdk/client-secrets-manager');
      // Only a submit, a result download or a saved cap needs these (lib/executions/executions-from-env.ts).
      for (const client of ['@aws-sdk/client-s3', '@aws-sdk/client-sqs', '@aws-sdk/client-lambda']) {
        expect(packages, client).not.toContain(client);
      }
    },
    BUNDLING,
  );

  it(
    'loads Qlik clients, certificates and schemas in the scheduled sync only once a server is synced',
    async () => {
      const packages = await coldStartPackages('scheduled-sync');
      for (const heavy of ['undici', 'node-forge', 'zod/v4/classic', '@aws-sdk/client-lambda', '@aws-sdk/client-sqs']) {
        expect(packages, heavy).not.toContain(heavy);
      }
    },
    BUNDLING,
  );

  it(
    'keeps zod out of every cold start: the environment is checked without it, request bodies load it on their routes',
    async () => {
      for (const name of readdirSync('functions')) {
        const packages = await coldStartPackages(name);
        expect(
          [...packages].filter((pkg) => pkg.startsWith('zod')),
          name,
        ).toEqual([]);
      }
    },
    BUNDLING,
  );

  it(
    'loads certificates and the Qlik clients in the connection test and the reload monitor only when there is a Qlik server to talk to',
    async () => {
      for (const name of ['test-connection', 'reload-monitor']) {
        const packages = await coldStartPackages(name);
        expect(packages, name).toContain('@aws-sdk/client-dynamodb');
        expect(packages, name).not.toContain('node-forge');
        expect(packages, name).not.toContain('undici');
      }
    },
    BUNDLING,
  );
});
