/** One field of the edit form, rendered by its kind (server-form.ts's FORM_FIELDS) with its value and error. */
import type { JSX } from 'preact';
import type { ServerView } from '../api/types.ts';
import { CheckboxField } from '../components/checkbox-field.tsx';
import { FileField } from '../components/file-field.tsx';
import { IntegerField, SecretField, TextField } from '../components/fields.tsx';
import type { FieldMeta } from '../model/field-meta.ts';
import { isFileValue, type FieldSpec, type FormValue, type FormValues } from '../model/server-form.ts';
import { StoredClientCertificate, StoredRootCertificate } from './stored-certificates.tsx';

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

function kib(bytes: number): string {
  return bytes < 1024 ? `${bytes} bytes` : `${(bytes / 1024).toFixed(1)} KB`;
}

function chosenText(value: FormValue | undefined): string | null {
  if (!isFileValue(value) || value.kind !== 'new') return null;
  return `${value.file.fileName} (${kib(value.size)}) will be checked when you test or save.`;
}

function storedSecret(server: ServerView, key: string): boolean {
  if (server.type === 'onprem' && key === 'certificatePassword') return server.hasCertificatePassword;
  if (server.type === 'cloud' && key === 'oauthClientSecret') return server.hasClientSecret;
  return false;
}

export function Field({ spec, ctx }: { spec: FieldSpec; ctx: FieldsContext }): JSX.Element | null {
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
        <TextField
          id={id}
          meta={meta}
          error={error}
          value={text}
          onInput={onInput}
          type={spec.kind}
          placeholder={spec.placeholder}
        />
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
          optional={
            spec.kind === 'rootCertificate' || (ctx.server.type === 'onprem' && ctx.server.certificate !== null)
          }
          current={
            spec.kind === 'clientCertificate' ? (
              <StoredClientCertificate server={ctx.server} />
            ) : (
              <StoredRootCertificate
                server={ctx.server}
                value={value}
                setValue={(next) => ctx.setValue(spec.key, next)}
              />
            )
          }
          onFile={(file) => ctx.chooseFile(spec.key, file)}
        />
      );
  }
}
