/** The servers domain on this container's adapters (lib/aws/adapters-from-env.ts). */
import { adaptersFromEnv } from '#lib/aws/adapters-from-env.ts';
import { ServerService, type ServerServiceDeps } from '#lib/servers/server-service.ts';

/**
 * `extra`: what other domains plug in: `apps` (the repository's SyncAppsRemoval) makes a delete remove the server's
 * apps too, in the sync function; applying Max parallel executions and live extraction counts.
 */
export function serverServiceFromEnv(extra: Partial<ServerServiceDeps> = {}): ServerService {
  const { servers, secrets } = adaptersFromEnv();
  return new ServerService({ servers, secrets, ...extra });
}
