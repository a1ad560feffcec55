/** The admin API's routes, typed. */
import { apiFetch } from './http.ts';
import type { AppPage, ServerDraft, ServerId, ServerView, TestResult } from './types.ts';

export const serversApi = {
  async list(): Promise<ServerView[]> {
    return (await apiFetch<{ servers: ServerView[] }>('api/servers')).data.servers;
  },
  async get(id: ServerId, signal?: AbortSignal): Promise<ServerView> {
    return (await apiFetch<ServerView>(`api/servers/${id}`, { signal })).data;
  },
  async save(id: ServerId, draft: ServerDraft): Promise<ServerView> {
    return (await apiFetch<ServerView>(`api/servers/${id}`, { method: 'PUT', body: draft })).data;
  },
  async test(id: ServerId, draft: ServerDraft, signal?: AbortSignal): Promise<TestResult> {
    return (await apiFetch<TestResult>(`api/servers/${id}/test`, { method: 'POST', body: draft, signal })).data;
  },
  async startSync(id: ServerId): Promise<{ status: string; startedAt?: string }> {
    return (await apiFetch<{ status: string; startedAt?: string }>(`api/servers/${id}/sync`, { method: 'POST' })).data;
  },
  async apps(
    id: ServerId,
    query: { limit: number; cursor?: string | null; q?: string },
    signal?: AbortSignal,
  ): Promise<AppPage> {
    const params = new URLSearchParams({ limit: String(query.limit) });
    if (query.cursor) params.set('cursor', query.cursor);
    if (query.q) params.set('q', query.q);
    return (await apiFetch<AppPage>(`api/servers/${id}/apps?${params.toString()}`, { signal })).data;
  },
  async openApi(): Promise<unknown> {
    return (await apiFetch<unknown>('api/openapi.json')).data;
  },
};
