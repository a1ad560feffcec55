/** Settings → Qlik servers: one card per server. */
import type { JSX } from 'preact';
import { useEffect } from 'preact/hooks';
import { serversApi } from '../api/servers-api.ts';
import type { ServerView } from '../api/types.ts';
import { routeHref } from '../router.ts';
import { ServerCard } from './server-card.tsx';

export const SERVERS_RENDERED_MARK = 'kpimailer:servers-rendered';
/** How often the cards' live extraction counts are refreshed while the page is open and visible. */
export const LIVE_REFRESH_MS = 5_000;

export function ServersPage({ servers, onServer }: { servers: ServerView[]; onServer: (view: ServerView) => void }) {
  useEffect(() => {
    // Marks the first paint with data, which the browser tests read as the page's first render time.
    if (performance.getEntriesByName(SERVERS_RENDERED_MARK).length === 0) {
      requestAnimationFrame(() => performance.mark(SERVERS_RENDERED_MARK));
    }
  }, []);
  const configuredIds = servers
    .filter((s) => s.configured)
    .map((s) => s.id)
    .join(',');
  useEffect(() => {
    if (!configuredIds) return;
    const timer = setInterval(() => {
      if (document.visibilityState !== 'visible') return;
      for (const id of configuredIds.split(',') as ServerView['id'][])
        serversApi.get(id).then(onServer, () => undefined);
    }, LIVE_REFRESH_MS);
    return () => clearInterval(timer);
  }, [configuredIds, onServer]);
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
