/** Renders the edit form's fields, grouped as the seed lists them, from the specs in server-form.ts. */
import type { JSX } from 'preact';
import type { ServerView } from '../api/types.ts';
import { Badge } from '../components/badge.tsx';
import { CheckboxField, FileField, IntegerField, SecretField, TextField } from '../components/fields.tsx';
import type { FieldMeta } from '../model/field-meta.ts';
import { certificateExpiry, formatDate } from '../model/format.ts';
import { FORM_FIELDS, isFileValue, type FieldGroup, type FieldSpec, type FormValue, type FormValues } from '../model/server-form.ts';

export interface FieldsContext {
  server: ServerView;
  meta: Record<string, FieldMeta>;
  values: FormValues;
  errors: Record<string, string>;
  fileInputKey: number;
  setValue: (key: string, value: FormValue) => void;
  chooseFile: (key: string, file: File | null) => void;
}

export const fieldId = (server: ServerView, key: string): string => `f-${server.id}-${key}`;

const GROUP_LEGENDS: Record<FieldGroup, string> = {
  connection: 'Connection',
  clientCertificate: 'Client certificate',
  serverCertificate: 'Server certificate',
  advanced: 'Advanced: ports',
};

const GROUP_INTROS: Partial<Record<FieldGroup, string>> = {
  clientCertificate: 'KPImailer signs in to Qlik Sense with the client certificate of this site, exported from the QMC.',
  serverCertificate:
    "How KPImailer checks the certificate Qlik Sense presents. The defaults work when the client certificate file includes the site's root CA and the Server URL uses the machine's name.",
};

function kib(bytes: number): string {
  return bytes < 1024 ? `${bytes} bytes` : `${(bytes / 1024).toFixed(1)} KB`;
}

function chosenText(value: FormValue | undefined): string | null {
  if (!isFileValue(value) || value.kind !== 'new') return null;
  return `${value.file.fileName} (${kib(value.size)}) will be checked when you test or save.`;
}

function StoredClientCertificate({ server }: { server: ServerView }): JSX.Element | null {
  if (server.type !== 'onprem' || !server.certificate) return null;
  const cert = server.certificate;
  const expiry = certificateExpiry(cert.notAfter);
  return (
    <div class="stored" data-testid="stored-certificate">
      <span class="stored__label">Stored certificate</span>
      <span class="stored__subject">{cert.subject}</span>
      <span>
        <Badge tone={expiry.tone}>{expiry.label}</Badge>
        <span class="muted"> Valid from {formatDate(cert.notBefore)}</span>
      </span>
    </div>
  );
}

function StoredRootCertificate({ ctx }: { ctx: FieldsContext }): JSX.Element | null {
  const { server, values, setValue } = ctx;
  if (server.type !== 'onprem' || !server.rootCertificate) return null;
  const removing = isFileValue(values['rootCertificate']) && values['rootCertificate'].kind === 'remove';
  return (
    <div class="stored">
      <span class="stored__label">{removing ? 'Will be removed when you save' : 'Stored root certificate'}</span>
      <span class="stored__subject">{server.rootCertificate.subject}</span>
      <span class="muted">Valid until {formatDate(server.rootCertificate.notAfter)}</span>
      <button
        type="button"
        class="button button--small button--ghost"
        onClick={() => setValue('rootCertificate', removing ? { kind: 'keep' } : { kind: 'remove' })}
      >
        {removing ? 'Keep it' : 'Remove'}
      </button>
    </div>
  );
}

function storedSecret(server: ServerView, key: string): boolean {
  if (server.type === 'onprem' && key === 'certificatePassword') return server.hasCertificatePassword;
  if (server.type === 'cloud' && key === 'oauthClientSecret') return server.hasClientSecret;
  return false;
}

function Field({ spec, ctx }: { spec: FieldSpec; ctx: FieldsContext }): JSX.Element | null {
  const meta = ctx.meta[spec.key];
  if (!meta) return null;
  const id = fieldId(ctx.server, spec.key);
  const value = ctx.values[spec.key];
  const error = ctx.errors[spec.key];
  const text = typeof value === 'string' ? value : '';
  const onInput = (next: string) => ctx.setValue(spec.key, next);
  switch (spec.kind) {
    case 'text':
    case 'url':
      return (
        <TextField id={id} meta={meta} error={error} value={text} onInput={onInput} type={spec.kind} placeholder={spec.placeholder} />
      );
    case 'integer':
      return <IntegerField id={id} meta={meta} error={error} value={text} onInput={onInput} />;
    case 'secret':
      return (
        <SecretField
          id={id}
          meta={meta}
          error={error}
          value={text}
          onInput={onInput}
          stored={storedSecret(ctx.server, spec.key)}
          // A certificate may be exported without a password; a client secret is needed once.
          optional={spec.key === 'certificatePassword' || storedSecret(ctx.server, spec.key)}
        />
      );
    case 'checkbox':
      return (
        <CheckboxField
          id={id}
          meta={meta}
          error={error}
          checked={value === true}
          onChange={(checked) => ctx.setValue(spec.key, checked)}
          warning="KPImailer will accept any certificate this server presents, so it cannot tell the real server from an impostor. Use this only in a lab."
        />
      );
    case 'clientCertificate':
    case 'rootCertificate':
      return (
        <FileField
          id={id}
          meta={meta}
          error={error}
          accept={spec.kind === 'clientCertificate' ? '.pfx,.p12' : '.cer,.crt,.pem,.der'}
          inputKey={`${spec.key}-${ctx.fileInputKey}`}
          chosen={chosenText(value)}
          optional={spec.kind === 'rootCertificate' || (ctx.server.type === 'onprem' && ctx.server.certificate !== null)}
          current={spec.kind === 'clientCertificate' ? <StoredClientCertificate server={ctx.server} /> : <StoredRootCertificate ctx={ctx} />}
          onFile={(file) => ctx.chooseFile(spec.key, file)}
        />
      );
  }
}

function Group({ group, ctx }: { group: FieldGroup; ctx: FieldsContext }): JSX.Element | null {
  const specs = FORM_FIELDS[ctx.server.id].filter((spec) => spec.group === group);
  if (!specs.length) return null;
  const fields = specs.map((spec) => <Field key={spec.key} spec={spec} ctx={ctx} />);
  if (group === 'advanced') {
    const hasError = specs.some((spec) => ctx.errors[spec.key]);
    return (
      <details class="advanced" open={hasError || undefined}>
        <summary>{GROUP_LEGENDS.advanced}</summary>
        <div class="advanced__body">{fields}</div>
      </details>
    );
  }
  return (
    <fieldset class="form-section">
      <legend class="form-section__legend">{GROUP_LEGENDS[group]}</legend>
      {GROUP_INTROS[group] ? <p class="form-section__intro">{GROUP_INTROS[group]}</p> : null}
      {fields}
      {group === 'serverCertificate' ? <Group group="advanced" ctx={ctx} /> : null}
    </fieldset>
  );
}

export function ServerFormFields({ ctx }: { ctx: FieldsContext }): JSX.Element {
  return (
    <>
      <Group group="connection" ctx={ctx} />
      <Group group="clientCertificate" ctx={ctx} />
      <Group group="serverCertificate" ctx={ctx} />
    </>
  );
}
