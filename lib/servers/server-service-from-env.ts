/** The servers domain on this container's adapters (lib/aws/adapters-from-env.ts). */
import { adaptersFromEnv } from '#lib/aws/adapters-from-env.ts';
import { ServerService, type QlikSideCleanup, type ServerServiceDeps } from '#lib/servers/server-service.ts';

/**
 * `extra`: what other domains plug in: `apps` (the repository's SyncAppsRemoval) makes a delete remove the server's
 * apps too, in the sync function; applying Max parallel executions and live extraction counts.
 */
export function serverServiceFromEnv(extra: Partial<ServerServiceDeps> = {}): ServerService {
  const { servers, secrets } = adaptersFromEnv();
  return new ServerService({ servers, secrets, qlikCleanup: lazyQlikSideCleanup, ...extra });
}

/** `DELETE ?cleanup=true` is rare: the Qlik clients it needs load on its first use, not in every cold start. */
const lazyQlikSideCleanup: QlikSideCleanup = {
  remove: async (...args) =>
    (await import('#lib/connection-test/qlik-side-cleanup.ts')).qlikSideCleanup().remove(...args),
};
