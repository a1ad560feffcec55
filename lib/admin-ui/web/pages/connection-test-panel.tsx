/** The server form's Connection test section: the running or finished test's checks, else the saved settings' last test. */
import type { JSX } from 'preact';
import type { ServerView } from '../api/types.ts';
import { CheckList } from '../components/check-list.tsx';
import type { TestState } from '../hooks/use-connection-test.ts';
import { formatRelative } from '../model/format.ts';

export function ConnectionTestPanel({ server, test }: { server: ServerView; test: TestState }): JSX.Element {
  return (
    <section class="test-panel" aria-labelledby={`test-title-${server.id}`}>
      <div class="test-panel__head">
        <h2 class="test-panel__title" id={`test-title-${server.id}`}>
          Connection test
        </h2>
        <TestSummary test={test} />
      </div>
      <p class="test-panel__intro">Runs on the values above, before they are saved.</p>
      {test.phase === 'running' || test.phase === 'done' ? (
        <CheckList checks={test.checks} label="Connection checks" />
      ) : server.lastTest ? (
        <LastTest test={server.lastTest} />
      ) : null}
      {test.phase === 'done' && test.warnings.length ? (
        <div class="callout callout--warning" data-testid="test-warnings">
          {test.warnings.map((warning) => (
            <p key={warning}>{warning}</p>
          ))}
        </div>
      ) : null}
    </section>
  );
}

/** The saved settings' last test, until the admin runs a new one. */
function LastTest({ test }: { test: NonNullable<ServerView['lastTest']> }): JSX.Element {
  return (
    <div class="last-test">
      <p class="last-test__when">
        Last run <time dateTime={test.at}>{formatRelative(test.at)}</time>:{' '}
        <span class={`badge badge--${test.ok ? 'ok' : 'error'}`}>{test.ok ? 'Passed' : 'Failed'}</span>
      </p>
      <CheckList checks={test.checks} label="Checks of the last test" />
    </div>
  );
}

function TestSummary({ test }: { test: TestState }): JSX.Element | null {
  if (test.phase === 'running') return <span class="badge badge--info">Running</span>;
  if (test.phase === 'done') {
    return (
      <span class={`badge badge--${test.ok ? 'ok' : 'error'}`} data-testid="test-outcome">
        {test.ok ? 'All checks passed' : 'Failed'}
      </span>
    );
  }
  return null;
}
