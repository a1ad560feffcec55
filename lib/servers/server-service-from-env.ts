/** The servers domain on this container's adapters (lib/aws/adapters-from-env.ts). */
import { adaptersFromEnv } from '#lib/aws/adapters-from-env.ts';
import { ServerService } from '#lib/servers/server-service.ts';

export function serverServiceFromEnv(): ServerService {
  const { servers, secrets, apps } = adaptersFromEnv();
  // Deleting a server also removes its synced apps (ServerAppsCleanup).
  return new ServerService({ servers, secrets, apps });
}
