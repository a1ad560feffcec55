/** One Qlik server on the Settings → Qlik servers page. */
import type { ServerView } from '../api/types.ts';
import { Badge } from '../components/badge.tsx';
import { Icon } from '../components/icons.tsx';
import { SyncButton, SyncNoticeText, SyncResult } from '../components/sync-status.tsx';
import { useSync } from '../hooks/use-sync.ts';
import { routeHref } from '../router.ts';
import { CertificateRow, LastTestRow, WebhookRow } from './server-card-rows.tsx';

export const SERVER_TYPE_NAMES = { onprem: 'Qlik Sense Enterprise on Windows', cloud: 'Qlik Cloud' } as const;

/** "2 running of 4 · 5 queued": the cap in force and the live counts, refreshed while the page is open. */
export function executionsText(executions: ServerView['executions']): string {
  return `${executions.running} running of ${executions.limit} · ${executions.queued} queued`;
}

export function ServerCard({ server, onServer }: { server: ServerView; onServer: (view: ServerView) => void }) {
  const sync = useSync(server, onServer);
  const headingId = `card-title-${server.id}`;
  return (
    <article class="card server-card" aria-labelledby={headingId} data-server={server.id}>
      <header class="card__header">
        <span class={`card__icon card__icon--${server.type}`}>
          <Icon name={server.type === 'cloud' ? 'cloud' : 'server'} />
        </span>
        <div class="card__titles">
          <h2 class="card__title" id={headingId}>
            {server.configured && server.displayName ? server.displayName : SERVER_TYPE_NAMES[server.type]}
          </h2>
          {server.configured ? <p class="card__type">{SERVER_TYPE_NAMES[server.type]}</p> : null}
        </div>
        <Badge tone={server.configured ? 'ok' : 'neutral'}>{server.configured ? 'Configured' : 'Not configured'}</Badge>
      </header>
      {server.configured ? (
        <dl class="card__facts">
          <dt>{server.type === 'cloud' ? 'Tenant URL' : 'Server URL'}</dt>
          <dd class="card__url">{server.url}</dd>
          <dt>Extractions</dt>
          <dd data-executions>{executionsText(server.executions)}</dd>
          <dt>Apps synced</dt>
          <dd>
            <SyncResult sync={server.lastSync} />
          </dd>
          {server.type === 'onprem' ? (
            <>
              <dt>Client certificate</dt>
              <CertificateRow server={server} />
            </>
          ) : (
            <>
              <dt>Reload webhook</dt>
              <WebhookRow server={server} />
            </>
          )}
          <LastTestRow server={server} />
        </dl>
      ) : (
        <p class="card__empty">
          {server.type === 'cloud'
            ? 'Connect a Qlik Cloud tenant with an OAuth machine-to-machine client.'
            : 'Connect Qlik Sense Enterprise on Windows with a client certificate exported from the QMC.'}
        </p>
      )}
      <SyncNoticeText server={server} sync={sync} />
      <footer class="card__actions">
        <a class="button button--primary" href={routeHref({ page: 'edit', id: server.id })}>
          <Icon name="edit" />
          {server.configured ? 'Edit' : 'Set up'}
          <span class="visually-hidden"> {SERVER_TYPE_NAMES[server.type]}</span>
        </a>
        {server.configured ? (
          <>
            <SyncButton server={server} sync={sync} />
            <a class="button button--ghost" href={routeHref({ page: 'repository', id: server.id })}>
              <Icon name="apps" />
              View apps<span class="visually-hidden"> of {SERVER_TYPE_NAMES[server.type]}</span>
            </a>
          </>
        ) : null}
      </footer>
    </article>
  );
}
