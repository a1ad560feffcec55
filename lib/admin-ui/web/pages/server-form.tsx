/**
 * The edit form of one server: fields, Test connection (on the unsaved values) and Save. On failure the
 * values stay as typed; after a successful save secrets and chosen files are cleared from memory and inputs.
 */
import type { JSX } from 'preact';
import { useCallback, useState } from 'preact/hooks';
import type { ServerView } from '../api/types.ts';
import { takeStashedForm, useSurvivesSignIn } from '../auth/unsaved-forms.ts';
import { ErrorSummary } from '../components/error-summary.tsx';
import { Icon, Spinner } from '../components/icons.tsx';
import { useConnectionTest } from '../hooks/use-connection-test.ts';
import { useFormProblems } from '../hooks/use-form-problems.ts';
import { useSave } from '../hooks/use-save.ts';
import type { DraftSchema } from '../model/field-meta.ts';
import {
  draftFromValues,
  nonSecretValues,
  readUploadedFile,
  valuesFromView,
  withoutSecrets,
  type FormValue,
} from '../model/server-form.ts';
import { ConnectionTestPanel } from './connection-test-panel.tsx';
import { fieldId } from './server-form-field.tsx';
import { ServerFormFields } from './server-form-fields.tsx';

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
  const [values, setValues] = useState(() => ({
    ...valuesFromView(server, schema.fields),
    ...takeStashedForm(`server:${server.id}`),
  }));
  useSurvivesSignIn(
    `server:${server.id}`,
    useCallback(() => nonSecretValues(server.id, values), [server.id, values]),
  );
  const [fileInputKey, setFileInputKey] = useState(0);
  const problems = useFormProblems(server.id);
  const connection = useConnectionTest(server.id, problems.clearGeneral, problems.show);
  const load = (view: ServerView, afterSave: boolean) => {
    const stored = valuesFromView(view, schema.fields);
    setValues(afterSave ? withoutSecrets(stored, view.id) : stored);
    setFileInputKey((n) => n + 1);
  };
  const saving = useSave({ serverId: server.id, problems, load, onSaved: props.onSaved });

  const draft = () => draftFromValues(server, values);

  const setValue = (key: string, value: FormValue) => {
    setValues((current) => ({ ...current, [key]: value }));
    problems.clearField(key);
  };

  const chooseFile = async (key: string, file: File | null) => {
    if (!file) return setValue(key, { kind: 'keep' });
    try {
      setValue(key, { kind: 'new', file: await readUploadedFile(file), size: file.size });
    } catch {
      problems.setFieldError(key, 'The file could not be read. Choose it again.');
    }
  };

  const submit = (event: Event) => {
    event.preventDefault();
    if (saving.saving) return;
    if (props.requireTest && !connection.passed(draft())) {
      problems.fail('Run Test connection on these values, and save once every check has passed.');
      return;
    }
    void saving.save(draft());
  };

  const summary = problems.summary(
    (key) => schema.fields[key]?.title ?? key,
    (key) => fieldId(server, key),
  );
  const { test } = connection;
  const { errors } = problems;

  return (
    <form class="server-form" method="post" action="#" noValidate onSubmit={submit} aria-labelledby="page-title">
      {saving.conflict ? (
        <div class="callout callout--error" role="alert" data-testid="conflict">
          <p>
            <strong>These settings were changed by someone else</strong> after you opened this page. Reload them and
            make your changes again; nothing you typed here was saved.
          </p>
          <button type="button" class="button button--secondary" onClick={() => void saving.reload()}>
            Reload settings
          </button>
        </div>
      ) : null}
      <ErrorSummary title="Please fix the following" items={summary} focusKey={problems.focusKey} />
      <ServerFormFields ctx={{ server, meta: schema.fields, values, errors, fileInputKey, setValue, chooseFile }} />
      <ConnectionTestPanel server={server} test={test} />
      <div class="form-actions">
        <button
          type="button"
          class="button button--secondary"
          onClick={() => void connection.run(draft())}
          disabled={test.phase === 'running'}
        >
          {test.phase === 'running' ? <Spinner /> : <Icon name="check" />}
          {test.phase === 'running' ? 'Testing…' : 'Test connection'}
        </button>
        <button type="submit" class="button button--primary" aria-busy={saving.saving ? 'true' : undefined}>
          {saving.saving ? <Spinner /> : null}
          {saving.saving ? 'Saving…' : (props.saveLabel ?? 'Save')}
        </button>
        {props.cancel}
      </div>
    </form>
  );
}
