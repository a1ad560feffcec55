/**
 * The reload pipeline on this container's adapters (lib/aws/adapters-from-env.ts): the reload events table as
 * ledger and history, the apps table as catalog, and the publisher RELOAD_PUBLISHER names: `eventbridge` (the
 * default; RELOAD_EVENT_BUS_NAME) or `local` (the `npm start` runtime: the reload events table and the log).
 */
import { adaptersFromEnv } from '#lib/aws/adapters-from-env.ts';
import { sharedDocumentClient } from '#lib/aws/clients.ts';
import { requiredEnv, serviceEnvironment } from '#lib/aws/environment.ts';
import { EventBridgeReloadPublisher, sharedEventBridgeClient } from '#lib/reloads/eventbridge-publisher.ts';
import { LocalReloadPublisher } from '#lib/reloads/local-reload-publisher.ts';
import type { ReloadPublisher } from '#lib/reloads/reload-event.ts';
import { ReloadPipeline } from '#lib/reloads/reload-pipeline.ts';

function reloadPublisherFromEnv(): ReloadPublisher {
  if (serviceEnvironment().RELOAD_PUBLISHER === 'local')
    return new LocalReloadPublisher(sharedDocumentClient(), requiredEnv('RELOAD_EVENTS_TABLE_NAME'));
  return new EventBridgeReloadPublisher(sharedEventBridgeClient(), requiredEnv('RELOAD_EVENT_BUS_NAME'));
}

export function reloadPipelineFromEnv(): ReloadPipeline {
  const { reloads, apps } = adaptersFromEnv();
  return new ReloadPipeline({ ledger: reloads, history: reloads, catalog: apps, publisher: reloadPublisherFromEnv() });
}
