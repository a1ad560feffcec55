/** Settings → Qlik servers → Edit: the form of one server, with its sync controls once it is configured. */
import { useState } from 'preact/hooks';
import type { ServerView } from '../api/types.ts';
import { SyncButton, SyncNoticeText, SyncResult } from '../components/sync-status.tsx';
import { useSync } from '../hooks/use-sync.ts';
import type { DraftSchema } from '../model/field-meta.ts';
import { formatDateTime } from '../model/format.ts';
import { routeHref } from '../router.ts';
import { ActivityList } from './activity-list.tsx';
import { ServerForm } from './server-form.tsx';

export function EditPage({
  server,
  schema,
  onServer,
}: {
  server: ServerView;
  schema: DraftSchema;
  onServer: (view: ServerView) => void;
}) {
  const [savedAt, setSavedAt] = useState<string | null>(null);
  const sync = useSync(server, onServer);
  return (
    <div class="edit-page">
      {savedAt ? (
        <div class="callout callout--ok" role="status" data-testid="saved">
          Settings saved at {formatDateTime(savedAt)}. {server.lastSync ? null : 'Run Sync apps to load the app list.'}
        </div>
      ) : null}
      {server.configured ? (
        <section class="sync-bar" aria-label="App sync">
          <div>
            <span class="sync-bar__label">Apps</span> <SyncResult sync={server.lastSync} />
          </div>
          <div class="sync-bar__actions">
            <SyncButton server={server} sync={sync} />
            <a class="button button--ghost" href={routeHref({ page: 'repository', id: server.id })}>
              View apps
            </a>
          </div>
          <SyncNoticeText server={server} sync={sync} />
        </section>
      ) : null}
      <ServerForm
        key={server.id}
        server={server}
        schema={schema}
        onSaved={(view): void => {
          onServer(view);
          setSavedAt(new Date().toISOString());
        }}
        cancel={
          <a class="button button--ghost" href={routeHref({ page: 'servers' })}>
            Back to Qlik servers
          </a>
        }
      />
      {server.configured ? (
        <ActivityList key={`${server.id}-${server.version}`} serverId={server.id} title="Activity" />
      ) : null}
    </div>
  );
}
