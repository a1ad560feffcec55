/** Settings → Activity: the audit trail of every server, or of one (tabs). */
import type { JSX } from 'preact';
import type { ServerId } from '../api/types.ts';
import { routeHref } from '../router.ts';
import { ActivityList } from './activity-list.tsx';
import { SERVER_TYPE_NAMES } from './server-card.tsx';

export function ActivityPage({ serverId }: { serverId: ServerId | null }): JSX.Element {
  const tabs: { id: ServerId | null; label: string }[] = [
    { id: null, label: 'All servers' },
    ...(['onprem', 'cloud'] as const).map((id) => ({ id, label: SERVER_TYPE_NAMES[id] })),
  ];
  return (
    <div class="activity-page">
      <nav class="tabs" aria-label="Servers">
        {tabs.map((tab) => (
          <a
            key={tab.id ?? 'all'}
            class="tabs__tab"
            href={routeHref({ page: 'activity', id: tab.id })}
            aria-current={tab.id === serverId ? 'page' : undefined}
          >
            {tab.label}
          </a>
        ))}
      </nav>
      <ActivityList
        key={serverId ?? 'all'}
        serverId={serverId ?? undefined}
        title={serverId ? `Changes to ${SERVER_TYPE_NAMES[serverId]}` : 'Changes to every server'}
      />
    </div>
  );
}
