/** The servers domain on this container's adapters (lib/aws/adapters-from-env.ts). */
import { adaptersFromEnv } from '#lib/aws/adapters-from-env.ts';
import { ServerService, type ServerServiceDeps } from '#lib/servers/server-service.ts';

/** `extra`: what other domains plug in (applying Max parallel executions, live extraction counts). */
export function serverServiceFromEnv(extra: Partial<ServerServiceDeps> = {}): ServerService {
  const { servers, secrets, apps } = adaptersFromEnv();
  // Deleting a server also removes its synced apps (ServerAppsCleanup).
  return new ServerService({ servers, secrets, apps, ...extra });
}
