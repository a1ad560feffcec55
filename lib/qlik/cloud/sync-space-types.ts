/** Which Qlik Cloud space types' apps a sync lists (`QLIK_CLOUD_SYNC_SPACE_TYPES`). */
export type SyncSpaceType = 'shared' | 'managed' | 'personal';
export const DEFAULT_SYNC_SPACE_TYPES: SyncSpaceType[] = ['shared', 'managed'];

export function parseSpaceTypes(value: string | undefined): SyncSpaceType[] {
  if (!value) return DEFAULT_SYNC_SPACE_TYPES;
  const types = value
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  const unknown = types.filter((t) => !['shared', 'managed', 'personal'].includes(t));
  if (unknown.length)
    throw new Error(
      `QLIK_CLOUD_SYNC_SPACE_TYPES may list shared, managed and personal; "${unknown.join(', ')}" is not one of them.`,
    );
  return types as SyncSpaceType[];
}
