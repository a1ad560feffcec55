/**
 * The audit trail as an admin reads it: who did what to which server, when, and what changed (old → new; secrets
 * only as "replaced"). Used by the Activity page (all servers or one) and under a server's edit form.
 */
import type { JSX } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { auditApi, type AuditEntry } from '../api/audit-api.ts';
import type { ServerId } from '../api/types.ts';
import { Spinner } from '../components/icons.tsx';
import { formatDateTime } from '../model/format.ts';
import { SERVER_TYPE_NAMES } from './server-card.tsx';

const ACTION_LABELS: Record<AuditEntry['action'], string> = {
  'settings.saved': 'Saved settings',
  'server.deleted': 'Deleted the server',
  'connection.tested': 'Tested the connection',
  'sync.started': 'Started an app sync',
  'sync.finished': 'App sync finished',
  'webhook.provisioned': 'Created the reload webhook',
  'webhook.repaired': 'Repaired the reload webhook',
  'executions.limit-applied': 'Applied Max parallel executions',
};

const shown = (value: AuditEntry['changes'][number]['from']): string =>
  value === null || value === '' ? '—' : String(value);

function Details({ entry }: { entry: AuditEntry }): JSX.Element | null {
  if (entry.changes.length) {
    return (
      <ul class="activity__changes">
        {entry.changes.map((change) => (
          <li key={change.field}>
            <code>{change.field}</code>{' '}
            {change.to === 'replaced' && change.from === null
              ? 'replaced'
              : `${shown(change.from)} → ${shown(change.to)}`}
          </li>
        ))}
      </ul>
    );
  }
  if (entry.checks?.length)
    return <p class="activity__detail">{entry.checks.map((check) => `${check.name}: ${check.status}`).join(' · ')}</p>;
  if (entry.counts)
    return (
      <p class="activity__detail">{`${entry.counts.added} added, ${entry.counts.updated} updated, ${entry.counts.removed} removed, ${entry.counts.total} in total`}</p>
    );
  return null;
}

const PAGE_SIZE = 25;

export function ActivityList({ serverId, title }: { serverId?: ServerId; title: string }): JSX.Element {
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);

  const load = useCallback(
    async (from: string | null) => {
      setLoading(true);
      setFailure(null);
      try {
        const page = await auditApi.list({ serverId, limit: PAGE_SIZE, cursor: from });
        setEntries((current) => (from ? [...(current ?? []), ...page.entries] : page.entries));
        setCursor(page.nextCursor);
      } catch (error) {
        setFailure(error instanceof Error ? error.message : String(error));
      } finally {
        setLoading(false);
      }
    },
    [serverId],
  );
  useEffect(() => void load(null), [load]);

  return (
    <section class="activity" aria-labelledby={`activity-${serverId ?? 'all'}`} data-testid="activity">
      <h2 class="activity__title" id={`activity-${serverId ?? 'all'}`}>
        {title}
      </h2>
      {failure ? (
        <p class="notice notice--error" role="alert">
          {failure}
        </p>
      ) : null}
      {entries === null && !failure ? (
        <p class="loading" role="status">
          <Spinner /> Loading activity…
        </p>
      ) : null}
      {entries?.length === 0 ? <p class="activity__empty">Nothing recorded yet.</p> : null}
      {entries?.length ? (
        <ol class="activity__list">
          {entries.map((entry) => (
            <li class="activity__entry" key={`${entry.at}${entry.requestId}${entry.action}`} data-action={entry.action}>
              <p class="activity__head">
                <strong>{ACTION_LABELS[entry.action] ?? entry.action}</strong>
                {serverId ? null : <span class="activity__server"> · {SERVER_TYPE_NAMES[entry.serverId]}</span>}
                <span class={`activity__result activity__result--${entry.result}`}> · {entry.result}</span>
              </p>
              <p class="activity__meta">
                <time dateTime={entry.at}>{formatDateTime(entry.at)}</time> by{' '}
                <span class="activity__actor">{entry.actor.name}</span>
                {entry.sourceIp ? ` from ${entry.sourceIp}` : ''}
              </p>
              <Details entry={entry} />
            </li>
          ))}
        </ol>
      ) : null}
      {cursor ? (
        <button
          type="button"
          class="button button--secondary button--small"
          disabled={loading}
          onClick={() => void load(cursor)}
        >
          {loading ? <Spinner /> : null} Show older
        </button>
      ) : null}
    </section>
  );
}
