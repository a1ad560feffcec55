/**
 * The edit form's model: which draft fields each server type has (exactly the seed's fields), how a ServerView
 * fills them, and how their values become the draft sent to `PUT` and `POST .../test`. Labels and help texts
 * are not here: they come from the OpenAPI document (see field-meta.ts).
 */
import type { FieldMeta } from './field-meta.ts';
import type { FieldError, ServerDraft, ServerId, ServerView, UploadedFile } from '../api/types.ts';

export type FieldKind = 'text' | 'url' | 'integer' | 'secret' | 'clientCertificate' | 'rootCertificate' | 'checkbox';
export type FieldGroup = 'connection' | 'clientCertificate' | 'serverCertificate' | 'advanced';

export interface FieldSpec {
  key: string;
  kind: FieldKind;
  group: FieldGroup;
  autocomplete?: string;
  placeholder?: string;
}

export const FORM_FIELDS: Record<ServerId, FieldSpec[]> = {
  onprem: [
    { key: 'displayName', kind: 'text', group: 'connection', placeholder: 'Qlik Sense production' },
    { key: 'url', kind: 'url', group: 'connection', placeholder: 'https://qlik.example.com' },
    { key: 'userDirectory', kind: 'text', group: 'connection', placeholder: 'INTERNAL' },
    { key: 'serviceAccountUser', kind: 'text', group: 'connection', placeholder: 'sa_kpimailer' },
    { key: 'maxParallelExecutions', kind: 'integer', group: 'connection' },
    { key: 'certificate', kind: 'clientCertificate', group: 'clientCertificate' },
    { key: 'certificatePassword', kind: 'secret', group: 'clientCertificate' },
    { key: 'rootCertificate', kind: 'rootCertificate', group: 'serverCertificate' },
    { key: 'certificateHostName', kind: 'text', group: 'serverCertificate', placeholder: 'qlikserver01' },
    { key: 'allowUntrustedServerCertificate', kind: 'checkbox', group: 'serverCertificate' },
    { key: 'repositoryPort', kind: 'integer', group: 'advanced' },
    { key: 'enginePort', kind: 'integer', group: 'advanced' },
    { key: 'proxyApiPort', kind: 'integer', group: 'advanced' },
  ],
  cloud: [
    { key: 'displayName', kind: 'text', group: 'connection', placeholder: 'Qlik Cloud' },
    { key: 'url', kind: 'url', group: 'connection', placeholder: 'https://your-tenant.eu.qlikcloud.com' },
    { key: 'oauthClientId', kind: 'text', group: 'connection' },
    { key: 'webIntegrationId', kind: 'text', group: 'connection' },
    { key: 'oauthClientSecret', kind: 'secret', group: 'connection' },
    { key: 'maxParallelExecutions', kind: 'integer', group: 'connection' },
  ],
};

/** A file input's state: keep the stored file, send a newly chosen one, or (root certificate) remove it. */
export type FileValue = { kind: 'keep' } | { kind: 'new'; file: UploadedFile; size: number } | { kind: 'remove' };
export type FormValue = string | boolean | FileValue;
export type FormValues = Record<string, FormValue>;

export const isFileValue = (value: FormValue | undefined): value is FileValue =>
  typeof value === 'object' && value !== null && 'kind' in value;

function viewValue(view: ServerView, key: string): unknown {
  return (view as unknown as Record<string, unknown>)[key];
}

/** Fills the form from the saved settings. Secret inputs always start empty. */
export function valuesFromView(view: ServerView, meta: Record<string, FieldMeta>): FormValues {
  const values: FormValues = {};
  for (const spec of FORM_FIELDS[view.id]) {
    const saved = viewValue(view, spec.key);
    const fallback = meta[spec.key]?.default;
    switch (spec.kind) {
      case 'secret':
        values[spec.key] = '';
        break;
      case 'clientCertificate':
      case 'rootCertificate':
        values[spec.key] = { kind: 'keep' };
        break;
      case 'checkbox':
        values[spec.key] = typeof saved === 'boolean' ? saved : fallback === true;
        break;
      case 'integer': {
        const n = typeof saved === 'number' ? saved : typeof fallback === 'number' ? fallback : undefined;
        values[spec.key] = n === undefined ? '' : String(n);
        break;
      }
      default:
        values[spec.key] = typeof saved === 'string' ? saved : '';
    }
  }
  return values;
}

function integerValue(raw: string): number | string {
  const n = Number(raw);
  return raw.trim() !== '' && Number.isFinite(n) ? n : raw;
}

/**
 * The draft for `PUT` or `POST .../test`. Blank secrets and untouched files are left out, which the API reads
 * as "keep the stored one"; `version` is sent once the server is configured.
 */
export function draftFromValues(view: ServerView, values: FormValues): ServerDraft {
  const draft: ServerDraft = {};
  for (const spec of FORM_FIELDS[view.id]) {
    const value = values[spec.key];
    if (value === undefined) continue;
    if (isFileValue(value)) {
      if (value.kind === 'new') draft[spec.key] = value.file;
      else if (value.kind === 'remove') draft[spec.key] = null;
    } else if (typeof value === 'boolean') {
      draft[spec.key] = value;
    } else if (spec.kind === 'secret') {
      if (value !== '') draft[spec.key] = value;
    } else if (spec.kind === 'integer') {
      if (value.trim() !== '') draft[spec.key] = integerValue(value);
    } else if (spec.key === 'certificateHostName') {
      draft[spec.key] = value.trim() === '' ? null : value.trim();
    } else {
      draft[spec.key] = value.trim();
    }
  }
  if (view.configured && typeof view.version === 'number') draft['version'] = view.version;
  return draft;
}

/** Clears what must not outlive a save: secrets and chosen files. */
export function withoutSecrets(values: FormValues, id: ServerId): FormValues {
  const next = { ...values };
  for (const spec of FORM_FIELDS[id]) {
    if (spec.kind === 'secret') next[spec.key] = '';
    if (spec.kind === 'clientCertificate' || spec.kind === 'rootCertificate') next[spec.key] = { kind: 'keep' };
  }
  return next;
}

/** Maps problem+json `errors[]` onto the form's fields; errors of unknown fields stay general. */
export function fieldErrorsByKey(
  id: ServerId,
  errors: FieldError[],
): { byKey: Record<string, string>; general: string[] } {
  const keys = new Set(FORM_FIELDS[id].map((f) => f.key));
  const byKey: Record<string, string> = {};
  const general: string[] = [];
  for (const error of errors) {
    const key = error.field.split(/[.[/]/)[0] ?? '';
    if (keys.has(key)) byKey[key] = byKey[key] ? `${byKey[key]} ${error.message}` : error.message;
    else general.push(error.field ? `${error.field}: ${error.message}` : error.message);
  }
  return { byKey, general };
}

/** Reads a chosen file as base64 without ever putting its content into the DOM. */
export async function readUploadedFile(file: File): Promise<UploadedFile> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return { fileName: file.name, contentBase64: btoa(binary) };
}

/** The form's values an admin may see again after a sign-in trip: no secret, no file (see auth/unsaved-forms.ts). */
export function nonSecretValues(id: ServerId, values: FormValues): Record<string, string | boolean> {
  const kept: Record<string, string | boolean> = {};
  for (const spec of FORM_FIELDS[id]) {
    const value = values[spec.key];
    if (
      ['text', 'url', 'integer', 'checkbox'].includes(spec.kind) &&
      (typeof value === 'string' || typeof value === 'boolean')
    )
      kept[spec.key] = value;
  }
  return kept;
}
