/** The Repository page's results: one page of apps, grouped by stream (on-premise) or space (cloud). */
import type { JSX } from 'preact';
import type { AppPage, RepositoryApp } from '../api/types.ts';
import { Badge } from '../components/badge.tsx';
import { Spinner } from '../components/icons.tsx';
import type { AppPages } from '../hooks/use-app-pages.ts';
import { formatDateTime, formatRelative } from '../model/format.ts';

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

export function AppList({ pages, type }: { pages: AppPages; type: 'onprem' | 'cloud' }): JSX.Element {
  const { page, loading, failure, submitted, pageNumber } = pages;
  // While the next page loads, the previous one stays in view (dimmed) instead of the list jumping away.
  const groups = pages.shown ? groupApps(pages.shown.apps, type) : [];
  return (
    <div class={`results${loading ? ' is-loading' : ''}`} aria-busy={loading ? 'true' : undefined}>
      <p class="results__status" role="status" data-testid="results-status">
        {loading ? (
          <>
            <Spinner /> Loading apps…
          </>
        ) : page ? (
          resultText(page, submitted, pageNumber)
        ) : (
          ''
        )}
      </p>
      {failure ? (
        <p class="notice notice--error" role="alert">
          {failure}
        </p>
      ) : null}
      {groups.map((group, index) => (
        <section class="app-group" key={group.name} aria-labelledby={`group-${index}`}>
          <h2 class="app-group__title" id={`group-${index}`}>
            {group.name} <span class="app-group__count">{group.apps.length}</span>
          </h2>
          <ul class="app-list">
            {group.apps.map((app) => (
              <AppRow key={app.id} app={app} />
            ))}
          </ul>
        </section>
      ))}
      {page && !page.apps.length && !loading ? <EmptyApps searched={Boolean(submitted)} /> : null}
    </div>
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
