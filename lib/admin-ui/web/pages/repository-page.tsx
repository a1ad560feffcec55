/**
 * Qlik Repository: the synced apps of one server, grouped by stream (on-premise) or space (cloud),
 * searchable and paged with the API's cursors (use-app-pages.ts).
 */
import type { ServerView } from '../api/types.ts';
import { Icon } from '../components/icons.tsx';
import { Pager } from '../components/pager.tsx';
import { SyncButton, SyncNoticeText, SyncResult } from '../components/sync-status.tsx';
import { useAppPages } from '../hooks/use-app-pages.ts';
import { useSync } from '../hooks/use-sync.ts';
import { routeHref } from '../router.ts';
import { AppList } from './app-list.tsx';
import { SERVER_TYPE_NAMES } from './server-card.tsx';

export function RepositoryPage({
  server,
  servers,
  onServer,
}: {
  server: ServerView;
  servers: ServerView[];
  onServer: (view: ServerView) => void;
}) {
  const pages = useAppPages(server);
  const sync = useSync(server, onServer);
  return (
    <>
      <nav class="tabs" aria-label="Servers">
        {servers.map((s) => (
          <a
            key={s.id}
            class="tabs__tab"
            href={routeHref({ page: 'repository', id: s.id })}
            aria-current={s.id === server.id ? 'page' : undefined}
          >
            <Icon name={s.type === 'cloud' ? 'cloud' : 'server'} />
            {s.configured && s.displayName ? s.displayName : SERVER_TYPE_NAMES[s.type]}
          </a>
        ))}
      </nav>
      {!server.configured ? (
        <div class="empty">
          <p>This server is not configured yet.</p>
          <a class="button button--primary" href={routeHref({ page: 'edit', id: server.id })}>
            Set it up
          </a>
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
          <form
            class="search"
            role="search"
            onSubmit={(e) => {
              e.preventDefault();
              pages.search(pages.query);
            }}
          >
            <label class="visually-hidden" for="app-search">
              Search apps by name
            </label>
            <span class="search__icon">
              <Icon name="search" />
            </span>
            <input
              id="app-search"
              class="input search__input"
              type="search"
              placeholder="Search apps by name"
              value={pages.query}
              onInput={(e) => pages.type(e.currentTarget.value)}
            />
            <button type="submit" class="button button--secondary">
              Search
            </button>
          </form>
          <AppList pages={pages} type={server.type} />
          <Pager pages={pages} />
        </>
      )}
    </>
  );
}
