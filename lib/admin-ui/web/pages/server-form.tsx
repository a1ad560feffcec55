/**
 * The edit form of one server: fields, Test connection (on the unsaved values) and Save. On failure the
 * values stay as typed; after a successful save secrets and chosen files are cleared from memory and inputs.
 */
import type { JSX } from 'preact';
import { useCallback, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api/http.ts';
import { serversApi } from '../api/servers-api.ts';
import type { ServerView } from '../api/types.ts';
import { takeStashedForm, useSurvivesSignIn } from '../auth/unsaved-forms.ts';
import { announce } from '../components/announcer.tsx';
import { CheckList, pendingChecks, type CheckRow } from '../components/check-list.tsx';
import { ErrorSummary, type SummaryItem } from '../components/error-summary.tsx';
import { Icon, Spinner } from '../components/icons.tsx';
import type { DraftSchema } from '../model/field-meta.ts';
import { formatRelative } from '../model/format.ts';
import {
  draftFromValues,
  fieldErrorsByKey,
  nonSecretValues,
  readUploadedFile,
  valuesFromView,
  withoutSecrets,
  type FormValue,
} from '../model/server-form.ts';
import { fieldId, ServerFormFields } from './server-form-fields.tsx';

type TestState =
  | { phase: 'idle' }
  | { phase: 'running'; checks: CheckRow[] }
  | { phase: 'done'; ok: boolean; checks: CheckRow[]; warnings: string[]; draftKey: string };

export interface ServerFormProps {
  server: ServerView;
  schema: DraftSchema;
  onSaved: (view: ServerView) => void;
  /** The wizard saves only settings whose connection test passed. */
  requireTest?: boolean;
  saveLabel?: string;
  cancel?: JSX.Element;
}

export function ServerForm(props: ServerFormProps): JSX.Element {
  const { server, schema } = props;
  // After a sign-in trip the form comes back with what the admin had typed (non-secret fields only).
  const [values, setValues] = useState(() => ({ ...valuesFromView(server, schema.fields), ...takeStashedForm(`server:${server.id}`) }));
  useSurvivesSignIn(`server:${server.id}`, useCallback(() => nonSecretValues(server.id, values), [server.id, values]));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [general, setGeneral] = useState<string[]>([]);
  const [focusKey, setFocusKey] = useState(0);
  const [test, setTest] = useState<TestState>({ phase: 'idle' });
  const [saving, setSaving] = useState(false);
  const [conflict, setConflict] = useState(false);
  const [fileInputKey, setFileInputKey] = useState(0);
  const testAbort = useRef<AbortController | null>(null);

  const draft = () => draftFromValues(server, values);
  const draftKey = (): string => JSON.stringify(draft());

  const setValue = (key: string, value: FormValue) => {
    setValues((current) => ({ ...current, [key]: value }));
    setErrors((current) => (current[key] ? { ...current, [key]: '' } : current));
  };

  const chooseFile = async (key: string, file: File | null) => {
    if (!file) return setValue(key, { kind: 'keep' });
    try {
      setValue(key, { kind: 'new', file: await readUploadedFile(file), size: file.size });
    } catch {
      setErrors((current) => ({ ...current, [key]: 'The file could not be read. Choose it again.' }));
    }
  };

  const showProblems = (error: unknown) => {
    if (error instanceof ApiError && error.fieldErrors.length) {
      const mapped = fieldErrorsByKey(server.id, error.fieldErrors);
      setErrors(mapped.byKey);
      setGeneral(mapped.general);
    } else {
      setErrors({});
      setGeneral([error instanceof Error ? error.message : String(error)]);
    }
    setFocusKey((n) => n + 1);
  };

  const runTest = async () => {
    testAbort.current?.abort();
    const controller = new AbortController();
    testAbort.current = controller;
    const key = draftKey();
    setGeneral([]);
    setTest({ phase: 'running', checks: pendingChecks(server.id) });
    announce('Testing the connection…');
    try {
      const result = await serversApi.test(server.id, draft(), controller.signal);
      setTest({ phase: 'done', ok: result.ok, checks: result.checks, warnings: result.warnings ?? [], draftKey: key });
      const failed = result.checks.find((c) => c.status === 'failed');
      announce(result.ok ? 'Connection test passed. Every check succeeded.' : `Connection test failed at ${failed?.name ?? 'a check'}: ${failed?.message ?? ''}`);
    } catch (error) {
      if (controller.signal.aborted) return;
      setTest({ phase: 'idle' });
      showProblems(error);
    }
  };

  const save = async (event: Event) => {
    event.preventDefault();
    if (saving) return;
    if (props.requireTest && !(test.phase === 'done' && test.ok && test.draftKey === draftKey())) {
      setErrors({});
      setGeneral(['Run Test connection on these values, and save once every check has passed.']);
      setFocusKey((n) => n + 1);
      return;
    }
    setSaving(true);
    setGeneral([]);
    setConflict(false);
    try {
      const saved = await serversApi.save(server.id, draft());
      setErrors({});
      setValues(withoutSecrets(valuesFromView(saved, schema.fields), saved.id));
      setFileInputKey((n) => n + 1);
      announce('Settings saved.');
      props.onSaved(saved);
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) {
        setConflict(true);
        setFocusKey((n) => n + 1);
      } else {
        showProblems(error);
      }
    } finally {
      setSaving(false);
    }
  };

  const reload = async () => {
    try {
      const fresh = await serversApi.get(server.id);
      setValues(valuesFromView(fresh, schema.fields));
      setConflict(false);
      setErrors({});
      setGeneral([]);
      setFileInputKey((n) => n + 1);
      props.onSaved(fresh);
      announce('Settings reloaded.');
    } catch (error) {
      showProblems(error);
    }
  };

  const summary: SummaryItem[] = [
    ...Object.entries(errors)
      .filter(([, message]) => message)
      .map(([key, message]) => ({ message: withTitle(schema.fields[key]?.title ?? key, message), target: fieldId(server, key) })),
    ...general.map((message) => ({ message })),
  ];

  return (
    <form class="server-form" method="post" action="#" noValidate onSubmit={save} aria-labelledby="page-title">
      {conflict ? (
        <div class="callout callout--error" role="alert" data-testid="conflict">
          <p>
            <strong>These settings were changed by someone else</strong> after you opened this page. Reload them and make
            your changes again; nothing you typed here was saved.
          </p>
          <button type="button" class="button button--secondary" onClick={() => void reload()}>
            Reload settings
          </button>
        </div>
      ) : null}
      <ErrorSummary title="Please fix the following" items={summary} focusKey={focusKey} />
      <ServerFormFields ctx={{ server, meta: schema.fields, values, errors, fileInputKey, setValue, chooseFile }} />
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
      <div class="form-actions">
        <button type="button" class="button button--secondary" onClick={() => void runTest()} disabled={test.phase === 'running'}>
          {test.phase === 'running' ? <Spinner /> : <Icon name="check" />}
          {test.phase === 'running' ? 'Testing…' : 'Test connection'}
        </button>
        <button type="submit" class="button button--primary" aria-busy={saving ? 'true' : undefined}>
          {saving ? <Spinner /> : null}
          {saving ? 'Saving…' : (props.saveLabel ?? 'Save')}
        </button>
        {props.cancel}
      </div>
    </form>
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

/** "Display name is required." stays as is; "Enter a whole number." becomes "Max parallel executions: Enter ...". */
function withTitle(title: string, message: string): string {
  return message.toLowerCase().includes(title.toLowerCase()) ? message : `${title}: ${message}`;
}

function TestSummary({ test }: { test: TestState }): JSX.Element | null {
  if (test.phase === 'running') return <span class="badge badge--info">Running</span>;
  if (test.phase === 'done') {
    return <span class={`badge badge--${test.ok ? 'ok' : 'error'}`} data-testid="test-outcome">{test.ok ? 'All checks passed' : 'Failed'}</span>;
  }
  return null;
}
