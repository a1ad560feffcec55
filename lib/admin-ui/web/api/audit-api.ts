/** `GET /api/audit`: the audit trail, newest first (types from the service's own, type-only). */
import type { AuditPage } from '#lib/audit/audit-log.ts';
import { apiFetch } from './http.ts';
import type { ServerId } from './types.ts';

export type { AuditEntry, AuditPage } from '#lib/audit/audit-log.ts';

export const auditApi = {
  async list(
    query: { serverId?: ServerId; limit: number; cursor?: string | null },
    signal?: AbortSignal,
  ): Promise<AuditPage> {
    const params = new URLSearchParams({ limit: String(query.limit) });
    if (query.serverId) params.set('serverId', query.serverId);
    if (query.cursor) params.set('cursor', query.cursor);
    return (await apiFetch<AuditPage>(`api/audit?${params.toString()}`, { signal })).data;
  },
};
