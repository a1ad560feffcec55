/**
 * The connection test's checks, in the order the service runs them. While the test runs every check is shown
 * as pending; each then shows passed, failed with its message, or skipped.
 */
import type { JSX } from 'preact';
import type { CheckResult, ServerId } from '../api/types.ts';
import { Icon, Spinner } from './icons.tsx';

export const CHECK_NAMES: Record<ServerId, string[]> = {
  onprem: ['Server reachable', 'Authentication', 'User exists', 'RootAdmin', 'Virtual proxy ready'],
  cloud: ['Server reachable', 'Authentication'],
};

export type CheckRow = { name: string; status: 'pending' } | CheckResult;

const STATUS_TEXT = { pending: 'Checking…', passed: 'Passed', failed: 'Failed', skipped: 'Skipped' } as const;

export function pendingChecks(id: ServerId): CheckRow[] {
  return CHECK_NAMES[id].map((name) => ({ name, status: 'pending' as const }));
}

function StatusIcon({ status }: { status: CheckRow['status'] }): JSX.Element {
  if (status === 'pending') return <Spinner />;
  if (status === 'passed') return <Icon name="check" />;
  if (status === 'failed') return <Icon name="cross" />;
  return <Icon name="dash" />;
}

export function CheckList({ checks, label }: { checks: CheckRow[]; label: string }): JSX.Element {
  return (
    <ol class="checks" aria-label={label}>
      {checks.map((check) => (
        <li class={`check check--${check.status}`} key={check.name} data-check={check.name} data-status={check.status}>
          <span class="check__icon">
            <StatusIcon status={check.status} />
          </span>
          <div class="check__body">
            <div class="check__head">
              <span class="check__name">{check.name}</span>
              <span class="check__status">{STATUS_TEXT[check.status]}</span>
            </div>
            {'message' in check && check.message ? <p class="check__message">{check.message}</p> : null}
          </div>
        </li>
      ))}
    </ol>
  );
}
