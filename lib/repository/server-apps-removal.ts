/**
 * Removing a deleted server's apps, as the settings API's DELETE needs it (ServerService's `ServerAppsRemoval`
 * port): DELETE takes the server's sync lease first (409 while a sync runs, so no sync can write after the
 * settings are gone), and hands the lease to a run of the sync function, which removes the apps in batches with
 * progress in `lastSync`. The removal is not bound to the API's 30 s, and one that stops half-way is finished by
 * the next scheduled run (a server without settings but with stored apps is cleaned up).
 */
import type { AppSyncService } from '#lib/repository/app-sync-service.ts';
import type { SyncTrigger } from '#lib/repository/sync-trigger.ts';
import type { AppsRemovalClaim, ServerAppsRemoval } from '#lib/servers/server-service.ts';
import type { ServerId } from '#lib/servers/server-settings.ts';

export class SyncAppsRemoval implements ServerAppsRemoval {
  constructor(
    private readonly sync: AppSyncService,
    private readonly trigger: SyncTrigger,
  ) {}

  async claim(serverId: ServerId): Promise<AppsRemovalClaim> {
    const { request, expected } = await this.sync.claim(
      serverId,
      `A sync of the ${serverId} server's apps is running; delete the server once it has finished (its progress shows on the server).`,
    );
    return {
      start: async () => {
        await this.sync.markRunning(request, expected);
        try {
          await this.trigger.start(request);
        } catch (error) {
          await this.sync.abandon(request, error);
          throw error;
        }
      },
      release: () => this.sync.release(request),
    };
  }
}
