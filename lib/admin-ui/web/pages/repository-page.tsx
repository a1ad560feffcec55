/**
 * Qlik Repository: the synced apps of one server, grouped by stream (on-premise) or space (cloud),
 * searchable and paged with the API's cursors.
 */
import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { serversApi } from '../api/servers-api.ts';
import type { AppPage, RepositoryApp, ServerView } from '../api/types.ts';
import { Badge } from '../components/badge.tsx';
import { Icon, Spinner } from '../components/icons.tsx';
import { SyncButton, SyncNoticeText, SyncResult } from '../components/sync-status.tsx';
import { useSync } from '../hooks/use-sync.ts';
import { formatDateTime, formatRelative } from '../model/format.ts';
import { routeHref } from '../router.ts';
import { SERVER_TYPE_NAMES } from './server-card.tsx';

export const PAGE_SIZE = 25;

interface Group {
  name: string;
  apps: RepositoryApp[];
}

/** Groups keep the API's order of first appearance; apps without a stream or space come last. */
export function groupApps(apps: RepositoryApp[], type: 'onprem' | 'cloud'): Group[] {
  const none = type === 'onprem' ? 'Not published' : 'Personal';
  const groups = new Map<string, Group>();
  for (const app of apps) {
    const ref = type === 'onprem' ? app.stream : app.space;
    const name = ref?.name ?? none;
    const group = groups.get(name) ?? { name, apps: [] };
    group.apps.push(app);
    groups.set(name, group);
  }
  return [...groups.values()].sort((a, b) => Number(a.name === none) - Number(b.name === none));
}

const RELOAD_TONE = { succeeded: 'ok', failed: 'error', canceled: 'warning', unknown: 'neutral' } as const;

function AppRow({ app }: { app: RepositoryApp }): JSX.Element {
  return (
    <li class="app-row" data-app-id={app.id}>
      <div class="app-row__name">{app.name}</div>
      <div class="app-row__meta">
        {app.owner ? <span>Owner {app.owner}</span> : null}
        {app.published ? <span>Published</span> : null}
        {app.lastReload ? (
          <span>
            <Badge tone={RELOAD_TONE[app.lastReload.status]}>Reload {app.lastReload.status}</Badge>{' '}
            <time dateTime={app.lastReload.at} title={formatDateTime(app.lastReload.at)}>
              {formatRelative(app.lastReload.at)}
            </time>
          </span>
        ) : (
          <span class="muted">Never reloaded</span>
        )}
      </div>
    </li>
  );
}

export function RepositoryPage({ server, servers, onServer }: { server: ServerView; servers: ServerView[]; onServer: (view: ServerView) => void }) {
  const [query, setQuery] = useState('');
  const [submitted, setSubmitted] = useState('');
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  // Each page of results remembers the request it answers, so a stale page is never shown as the new one.
  const [result, setResult] = useState<{ key: string; page: AppPage } | null>(null);
  const [error, setError] = useState<{ key: string; message: string } | null>(null);
  const sync = useSync(server, onServer);
  const cursor = cursors[cursors.length - 1] ?? null;
  const lastSyncAt = server.lastSync?.status === 'running' ? null : (server.lastSync?.at ?? null);
  const debounce = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  useEffect(() => {
    setCursors([null]);
    setSubmitted('');
    setQuery('');
  }, [server.id]);

  const requestKey = JSON.stringify([server.id, cursor, submitted, lastSyncAt]);
  useEffect(() => {
    if (!server.configured) return;
    const controller = new AbortController();
    serversApi
      .apps(server.id, { limit: PAGE_SIZE, cursor, q: submitted || undefined }, controller.signal)
      .then((next) => setResult({ key: requestKey, page: next }))
      .catch((e: unknown) => {
        if (!controller.signal.aborted) setError({ key: requestKey, message: e instanceof Error ? e.message : String(e) });
      });
    return () => controller.abort();
  }, [requestKey, server.configured]);
  const page = result?.key === requestKey ? result.page : null;
  const failure = error?.key === requestKey ? error.message : null;
  const loading = !page && !failure;

  const search = (value: string) => {
    clearTimeout(debounce.current);
    setCursors([null]);
    setSubmitted(value.trim());
  };

  // While the next page loads, the previous one stays in view (dimmed) instead of the list jumping away.
  const shown = page ?? result?.page ?? null;
  const groups = shown ? groupApps(shown.apps, server.type) : [];
  const pageNumber = cursors.length;
  return (
    <>
      <nav class="tabs" aria-label="Servers">
        {servers.map((s) => (
          <a key={s.id} class="tabs__tab" href={routeHref({ page: 'repository', id: s.id })} aria-current={s.id === server.id ? 'page' : undefined}>
            <Icon name={s.type === 'cloud' ? 'cloud' : 'server'} />
            {s.configured && s.displayName ? s.displayName : SERVER_TYPE_NAMES[s.type]}
          </a>
        ))}
      </nav>
      {!server.configured ? (
        <div class="empty">
          <p>This server is not configured yet.</p>
          <a class="button button--primary" href={routeHref({ page: 'edit', id: server.id })}>Set it up</a>
        </div>
      ) : (
        <>
          <section class="sync-bar" aria-label="App sync">
            <div>
              <span class="sync-bar__label">Last sync</span> <SyncResult sync={server.lastSync} />
            </div>
            <div class="sync-bar__actions">
              <SyncButton server={server} sync={sync} />
            </div>
            <SyncNoticeText server={server} sync={sync} />
          </section>
          <form class="search" role="search" onSubmit={(e) => { e.preventDefault(); search(query); }}>
            <label class="visually-hidden" for="app-search">Search apps by name</label>
            <span class="search__icon"><Icon name="search" /></span>
            <input
              id="app-search"
              class="input search__input"
              type="search"
              placeholder="Search apps by name"
              value={query}
              onInput={(e) => {
                const value = e.currentTarget.value;
                setQuery(value);
                clearTimeout(debounce.current);
                debounce.current = setTimeout(() => search(value), 300);
              }}
            />
            <button type="submit" class="button button--secondary">Search</button>
          </form>
          <div class={`results${loading ? ' is-loading' : ''}`} aria-busy={loading ? 'true' : undefined}>
            <p class="results__status" role="status" data-testid="results-status">
              {loading ? <><Spinner /> Loading apps…</> : page ? resultText(page, submitted, pageNumber) : ''}
            </p>
            {failure ? <p class="notice notice--error" role="alert">{failure}</p> : null}
            {groups.map((group, index) => (
              <section class="app-group" key={group.name} aria-labelledby={`group-${index}`}>
                <h2 class="app-group__title" id={`group-${index}`}>
                  {group.name} <span class="app-group__count">{group.apps.length}</span>
                </h2>
                <ul class="app-list">{group.apps.map((app) => <AppRow key={app.id} app={app} />)}</ul>
              </section>
            ))}
            {page && !page.apps.length && !loading ? <EmptyApps searched={Boolean(submitted)} /> : null}
          </div>
          <nav class="pager" aria-label="Pages">
            <button type="button" class="button button--secondary" disabled={pageNumber <= 1 || !page} onClick={() => setCursors((c) => c.slice(0, -1))}>
              Previous page
            </button>
            <span class="pager__page">Page {pageNumber}</span>
            <button
              type="button"
              class="button button--secondary"
              disabled={!page?.nextCursor}
              onClick={() => {
                const next = page?.nextCursor;
                if (next) setCursors((c) => [...c, next]);
              }}
            >
              Next page
            </button>
          </nav>
        </>
      )}
    </>
  );
}

function resultText(page: AppPage, q: string, pageNumber: number): string {
  const count = `${page.apps.length} app${page.apps.length === 1 ? '' : 's'}`;
  return `${count} on page ${pageNumber}${q ? ` matching “${q}”` : ''}${page.nextCursor ? '; more on the next page' : ''}.`;
}

function EmptyApps({ searched }: { searched: boolean }): JSX.Element {
  return (
    <div class="empty">
      <p>{searched ? 'No app matches your search.' : 'No apps yet. Run Sync apps to read them from Qlik.'}</p>
    </div>
  );
}
