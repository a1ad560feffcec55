/**
 * What every form field shares: its label, help text and error, tied to the input (`for`, `aria-describedby`,
 * `aria-invalid`).
 */
import type { ComponentChildren, JSX } from 'preact';
import type { FieldMeta } from '../model/field-meta.ts';

export interface FieldProps {
  id: string;
  meta: FieldMeta;
  error?: string;
  hint?: ComponentChildren;
}

export function describedBy(id: string, hasHint: boolean, error?: string): string | undefined {
  const ids = [hasHint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean);
  return ids.length ? ids.join(' ') : undefined;
}

export function FieldShell(props: FieldProps & { children: ComponentChildren; optional?: boolean }): JSX.Element {
  const { id, meta, error, hint, children } = props;
  const hintContent = hint ?? meta.description;
  return (
    <div class={`field${error ? ' field--invalid' : ''}`} data-field={meta.key}>
      <label class="field__label" for={id}>
        {meta.title}
        {props.optional ? <span class="field__optional"> (optional)</span> : null}
      </label>
      {hintContent ? (
        <div class="field__hint" id={`${id}-hint`}>
          {hintContent}
        </div>
      ) : null}
      <FieldErrorText id={id} error={error} />
      {children}
    </div>
  );
}

/** A field's error, tied to its input by `${id}-error` (the input's aria-describedby) and read out with its prefix. */
export function FieldErrorText({ id, error }: { id: string; error: string | undefined | null }) {
  if (!error) return null;
  return (
    <p class="field__error" id={`${id}-error`}>
      <span class="visually-hidden">Error: </span>
      {error}
    </p>
  );
}
