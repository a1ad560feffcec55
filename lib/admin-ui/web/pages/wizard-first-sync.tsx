/** The wizard's last step: runs the first app sync of the saved server and links on when it has finished. */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ServerView } from '../api/types.ts';
import { SyncNoticeText, SyncResult } from '../components/sync-status.tsx';
import { useSync } from '../hooks/use-sync.ts';
import { routeHref } from '../router.ts';
import { SERVER_TYPE_NAMES } from './server-card.tsx';

export function FirstSync({
  server,
  onServer,
  other,
}: {
  server: ServerView;
  onServer: (view: ServerView) => void;
  other: ServerView | undefined;
}) {
  const sync = useSync(server, onServer);
  const started = useRef(false);
  // An earlier sync's result must not read as this one's before the start request has returned.
  const [requested, setRequested] = useState(false);
  useEffect(() => {
    if (!started.current) {
      started.current = true;
      void sync.start().finally(() => setRequested(true));
    }
  }, []);
  const finished = requested && !sync.running && server.lastSync !== null && server.lastSync.status !== 'running';
  const failed =
    requested && !sync.running && (sync.notice?.tone === 'error' || (finished && server.lastSync?.status === 'failed'));
  const links = (
    <div class="form-actions">
      {failed ? null : (
        <a class="button button--primary" href={routeHref({ page: 'repository', id: server.id })}>
          Open Qlik Repository
        </a>
      )}
      <a class={`button ${failed ? 'button--primary' : 'button--secondary'}`} href={routeHref({ page: 'servers' })}>
        Go to Qlik servers
      </a>
      {other && !other.configured ? (
        <a class="button button--ghost" href={routeHref({ page: 'edit', id: other.id })}>
          Set up {SERVER_TYPE_NAMES[other.type]} too
        </a>
      ) : null}
    </div>
  );
  return (
    <div class="wizard__panel">
      <h2 class="wizard__title" tabIndex={-1}>
        Reading the app list from Qlik
      </h2>
      <p>KPImailer is syncing the apps of {server.displayName}. This can take a minute on a large site.</p>
      <div class="sync-bar">
        <SyncResult sync={server.lastSync} />
        <SyncNoticeText server={server} sync={sync} />
      </div>
      {failed ? (
        <div class="callout callout--error" data-testid="wizard-sync-failed">
          <p>
            <strong>The settings are saved, but the first sync did not finish.</strong> Run Sync apps again from the
            Qlik servers page.
          </p>
          {links}
        </div>
      ) : finished ? (
        <div class="callout callout--ok" role="status" data-testid="wizard-done">
          <p>
            <strong>{server.displayName} is ready.</strong> Its apps are in the Qlik Repository, and KPImailer keeps
            them in sync.
          </p>
          {links}
        </div>
      ) : null}
    </div>
  );
}
