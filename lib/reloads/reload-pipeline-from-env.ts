/**
 * The reload pipeline on the real adapters, from the function's environment:
 *   RELOAD_EVENTS_TABLE_NAME  ledger, history and watermark table
 *   RELOAD_PUBLISHER          `eventbridge` (default) or `local` (the `npm start` runtime: table + log)
 *   RELOAD_EVENT_BUS_NAME     the bus, when publishing to EventBridge
 */
import { requiredEnv, sharedDocumentClient } from '#lib/aws/clients.ts';
import { DynamoDbReloadStore } from '#lib/reloads/dynamodb-reload-store.ts';
import { EventBridgeReloadPublisher, sharedEventBridgeClient } from '#lib/reloads/eventbridge-publisher.ts';
import { LocalReloadPublisher } from '#lib/reloads/local-reload-publisher.ts';
import type { ReloadAppCatalog, ReloadPublisher } from '#lib/reloads/reload-event.ts';
import { ReloadPipeline } from '#lib/reloads/reload-pipeline.ts';

export function reloadStoreFromEnv(env: NodeJS.ProcessEnv = process.env): DynamoDbReloadStore {
  return new DynamoDbReloadStore(sharedDocumentClient(), requiredEnv('RELOAD_EVENTS_TABLE_NAME', env));
}

export function reloadPublisherFromEnv(env: NodeJS.ProcessEnv = process.env): ReloadPublisher {
  if (env.RELOAD_PUBLISHER === 'local') return new LocalReloadPublisher(sharedDocumentClient(), requiredEnv('RELOAD_EVENTS_TABLE_NAME', env));
  return new EventBridgeReloadPublisher(sharedEventBridgeClient(), requiredEnv('RELOAD_EVENT_BUS_NAME', env));
}

export function reloadPipelineFromEnv(catalog: ReloadAppCatalog, env: NodeJS.ProcessEnv = process.env): { pipeline: ReloadPipeline; store: DynamoDbReloadStore } {
  const store = reloadStoreFromEnv(env);
  return { store, pipeline: new ReloadPipeline({ ledger: store, history: store, catalog, publisher: reloadPublisherFromEnv(env) }) };
}
