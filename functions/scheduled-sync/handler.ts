import { applySyncHeapProfile } from '#lib/repository/sync-heap.ts';
import { createScheduledSync } from '#lib/repository/scheduled-sync.ts';
import { appSyncServiceFromEnv } from '#lib/repository/repository-from-env.ts';

// Before anything allocates: keeps peak memory flat however large the catalog (see lib/repository/sync-heap.ts).
applySyncHeapProfile();

let service: ReturnType<typeof appSyncServiceFromEnv> | undefined;

export const handler = createScheduledSync(() => (service ??= appSyncServiceFromEnv()));
