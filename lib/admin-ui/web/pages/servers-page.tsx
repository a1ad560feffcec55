/** Settings → Qlik servers: one card per server. */
import type { JSX } from 'preact';
import { useEffect } from 'preact/hooks';
import type { ServerView } from '../api/types.ts';
import { routeHref } from '../router.ts';
import { ServerCard } from './server-card.tsx';

export const SERVERS_RENDERED_MARK = 'kpimailer:servers-rendered';

export function ServersPage({ servers, onServer }: { servers: ServerView[]; onServer: (view: ServerView) => void }) {
  useEffect(() => {
    // Marks the first paint with data, which the browser tests read as the page's first render time.
    if (performance.getEntriesByName(SERVERS_RENDERED_MARK).length === 0) {
      requestAnimationFrame(() => performance.mark(SERVERS_RENDERED_MARK));
    }
  }, []);
  const noneConfigured = servers.every((s) => !s.configured);
  return (
    <>
      <div class="page-intro">
        <p>
          KPImailer reads apps, sheets and objects from these servers to build reports. Each server is tested before it
          is used and its app list is kept in sync.
        </p>
        {noneConfigured ? (
          <p>
            New here? <a href={routeHref({ page: 'setup' })}>Start the setup guide</a>.
          </p>
        ) : null}
      </div>
      <div class="card-grid">
        {servers.map((server): JSX.Element => (
          <ServerCard key={server.id} server={server} onServer={onServer} />
        ))}
      </div>
    </>
  );
}
