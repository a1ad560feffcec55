import { createScheduledSync } from '#lib/repository/scheduled-sync.ts';
import { appSyncServiceFromEnv } from '#lib/repository/repository-from-env.ts';

let service: ReturnType<typeof appSyncServiceFromEnv> | undefined;

export const handler = createScheduledSync(() => (service ??= appSyncServiceFromEnv()));
