/**
 * The sentence a failed sync leaves in `lastSync.error`: what failed (with the Qlik request, never a secret) and
 * that nothing was removed, so an admin knows the catalog is still whole and what to do next.
 */
import { describeQlikCloudError } from '#lib/qlik/cloud/permission-errors.ts';
import { QlikCloudApiError, QlikCloudNetworkError, QlikCloudResponseError } from '#lib/qlik/cloud/cloud-errors.ts';
import { QrsConnectionError, QrsRequestError } from '#lib/qlik/onprem/qrs-errors.ts';
import { BatchWriteError } from '#lib/repository/batch-writer.ts';
import { LeaseLostError } from '#lib/leases/lease-keeper.ts';

const NOTHING_REMOVED = 'No app was removed from the repository; the next sync tries again.';

export function describeSyncError(error: unknown): string {
  if (
    error instanceof QlikCloudApiError ||
    error instanceof QlikCloudNetworkError ||
    error instanceof QlikCloudResponseError
  ) {
    return `${describeQlikCloudError(error)} ${NOTHING_REMOVED}`;
  }
  if (error instanceof QrsRequestError) {
    const hint =
      error.status === 403 ? ' Check that the service account is still RootAdmin and its certificate is trusted.' : '';
    return `Qlik Sense stopped the app listing: ${error.message}.${hint} ${NOTHING_REMOVED}`;
  }
  if (error instanceof QrsConnectionError)
    return `Qlik Sense could not be reached during the app listing: ${error.message} ${NOTHING_REMOVED}`;
  if (error instanceof LeaseLostError) return error.message;
  if (error instanceof BatchWriteError) return `${error.message} ${NOTHING_REMOVED}`;
  if (error instanceof Error && error.name === 'AbortError')
    return `The sync was stopped before it finished. ${NOTHING_REMOVED}`;
  const message = error instanceof Error ? error.message : String(error);
  return `The sync failed: ${message} ${NOTHING_REMOVED}`;
}
