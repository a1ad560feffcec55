/**
 * The embedded DynamoDB for `npm start`: dynalite (the DynamoDB API in pure JS on LevelDB), persisted under the data
 * directory and bound to loopback. The service talks to it with the unchanged AWS SDK adapters.
 */
import type { Server } from 'node:http';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { listenOnLoopback } from '#lib/local/listen-on-loopback.ts';

const require = createRequire(import.meta.url);

export interface LocalDynamoDb {
  endpoint: string;
  close(): Promise<void>;
}

export async function startLocalDynamoDb(options: { path?: string; port?: number } = {}): Promise<LocalDynamoDb> {
  if (options.path) mkdirSync(options.path, { recursive: true, mode: 0o700 });
  const dynalite = require('dynalite') as (opts: object) => Server;
  const server = dynalite({ path: options.path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const { url } = await listenOnLoopback(server, options.port);
  return {
    endpoint: url,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        // dynalite closes its LevelDB when the server closes.
        server.close(() => resolve());
      }),
  };
}
