/** The last sync of a server: its result, or a progress bar while it runs, plus the Sync apps button. */
import type { JSX } from 'preact';
import type { LastSync, ServerView } from '../api/types.ts';
import { formatDateTime, formatRelative, syncSummary } from '../model/format.ts';
import type { SyncControl } from '../hooks/use-sync.ts';
import { Badge } from './badge.tsx';
import { Icon } from './icons.tsx';

export function SyncResult({ sync }: { sync: LastSync | null }): JSX.Element {
  if (!sync) return <span class="muted">Never synced</span>;
  if (sync.status === 'running') {
    const seen = sync.progress?.appsSeen ?? 0;
    const expected = sync.progress?.expected;
    return (
      <div class="sync-progress" data-testid="sync-progress">
        <span>{syncSummary(sync)}</span>
        <progress
          max={expected && expected > 0 ? expected : undefined}
          value={expected && expected > 0 ? Math.min(seen, expected) : undefined}
          aria-label="Sync progress"
        />
      </div>
    );
  }
  return (
    <span class="sync-result" data-testid="sync-result">
      <Badge tone={sync.status === 'succeeded' ? 'ok' : 'error'}>
        {sync.status === 'succeeded' ? 'Succeeded' : 'Failed'}
      </Badge>{' '}
      <time dateTime={sync.at} title={formatDateTime(sync.at)}>
        {formatRelative(sync.at)}
      </time>
      {' · '}
      {syncSummary(sync)}
      {sync.warning ? (
        <span class="sync-warning" data-testid="sync-warning">
          {' '}
          <Icon name="warning" /> {sync.warning}
        </span>
      ) : null}
    </span>
  );
}

export function SyncButton({
  server,
  sync,
  class: className,
}: {
  server: ServerView;
  sync: SyncControl;
  class?: string;
}) {
  return (
    <button
      type="button"
      class={`button ${className ?? 'button--secondary'}`}
      onClick={() => void sync.start()}
      disabled={!server.configured}
      aria-describedby={sync.notice ? `sync-notice-${server.id}` : undefined}
    >
      <Icon name="sync" class={sync.running ? 'icon--spin' : ''} />
      {sync.running ? 'Syncing…' : 'Sync apps'}
      <span class="visually-hidden"> of {server.displayName}</span>
    </button>
  );
}

export function SyncNoticeText({ server, sync }: { server: ServerView; sync: SyncControl }): JSX.Element | null {
  if (!sync.notice) return null;
  return (
    <p
      id={`sync-notice-${server.id}`}
      class={`notice notice--${sync.notice.tone}`}
      role={sync.notice.tone === 'error' ? 'alert' : 'status'}
      data-testid="sync-notice"
    >
      {sync.notice.text}
    </p>
  );
}
