/**
 * Form fields with their label, help text and error tied to the input (`for`, `aria-describedby`,
 * `aria-invalid`). Secret inputs are controlled through the DOM property only, never an attribute, so their
 * value cannot show up in the page's HTML.
 */
import type { ComponentChildren, JSX } from 'preact';
import type { FieldMeta } from '../model/field-meta.ts';

export interface FieldProps {
  id: string;
  meta: FieldMeta;
  error?: string;
  hint?: ComponentChildren;
}

function describedBy(id: string, hasHint: boolean, error?: string): string | undefined {
  const ids = [hasHint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean);
  return ids.length ? ids.join(' ') : undefined;
}

function FieldShell(props: FieldProps & { children: ComponentChildren; optional?: boolean }): JSX.Element {
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

interface TextFieldProps extends FieldProps {
  value: string;
  onInput: (value: string) => void;
  type?: 'text' | 'url';
  placeholder?: string;
  autocomplete?: string;
}

export function TextField(props: TextFieldProps): JSX.Element {
  const hasHint = Boolean(props.hint ?? props.meta.description);
  return (
    <FieldShell {...props} optional={!props.meta.required}>
      <input
        id={props.id}
        name={props.meta.key}
        class="input"
        type="text"
        inputMode={props.type === 'url' ? 'url' : undefined}
        value={props.value}
        maxLength={props.meta.maxLength}
        placeholder={props.placeholder}
        autocomplete={props.autocomplete ?? 'off'}
        spellcheck={false}
        aria-required={props.meta.required ? 'true' : undefined}
        aria-invalid={props.error ? 'true' : undefined}
        aria-describedby={describedBy(props.id, hasHint, props.error)}
        onInput={(e) => props.onInput(e.currentTarget.value)}
      />
    </FieldShell>
  );
}

export function IntegerField(props: FieldProps & { value: string; onInput: (value: string) => void }): JSX.Element {
  const hint = props.hint ?? props.meta.description;
  const fallback = typeof props.meta.default === 'number' ? ` Default ${props.meta.default}.` : '';
  return (
    <FieldShell {...props} hint={hint ? `${hint}${hint.toString().includes('default') ? '' : fallback}` : undefined}>
      <input
        id={props.id}
        name={props.meta.key}
        class="input input--narrow"
        type="number"
        inputMode="numeric"
        step={1}
        min={props.meta.minimum}
        max={props.meta.maximum}
        value={props.value}
        aria-invalid={props.error ? 'true' : undefined}
        aria-describedby={describedBy(props.id, Boolean(hint), props.error)}
        onInput={(e) => props.onInput(e.currentTarget.value)}
      />
    </FieldShell>
  );
}

interface SecretFieldProps extends FieldProps {
  value: string;
  stored: boolean;
  optional: boolean;
  onInput: (value: string) => void;
}

export function SecretField(props: SecretFieldProps): JSX.Element {
  const hint = props.stored
    ? 'Already stored, and never shown. Leave blank to keep the current one.'
    : 'Stored encrypted and never shown again.';
  return (
    <FieldShell {...props} hint={hint} optional={props.optional}>
      <input
        id={props.id}
        name={props.meta.key}
        class="input"
        type="password"
        autocomplete="new-password"
        spellcheck={false}
        maxLength={props.meta.maxLength}
        value={props.value}
        aria-invalid={props.error ? 'true' : undefined}
        aria-describedby={describedBy(props.id, true, props.error)}
        onInput={(e) => props.onInput(e.currentTarget.value)}
      />
    </FieldShell>
  );
}

export function CheckboxField(props: FieldProps & { checked: boolean; onChange: (checked: boolean) => void; warning?: string }) {
  const { id, meta, error } = props;
  return (
    <div class={`field field--checkbox${error ? ' field--invalid' : ''}`} data-field={meta.key}>
      <input
        id={id}
        name={meta.key}
        type="checkbox"
        class="checkbox"
        checked={props.checked}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={describedBy(id, Boolean(meta.description), error)}
        onChange={(e) => props.onChange(e.currentTarget.checked)}
      />
      <div>
        <label class="field__label" for={id}>
          {meta.title}
        </label>
        {meta.description ? (
          <div class="field__hint" id={`${id}-hint`}>
            {meta.description}
          </div>
        ) : null}
        <FieldErrorText id={id} error={error} />
        {props.checked && props.warning ? <p class="callout callout--warning">{props.warning}</p> : null}
      </div>
    </div>
  );
}

interface FileFieldProps extends FieldProps {
  accept: string;
  /** Changing it re-creates the input, which is how a chosen file is cleared. */
  inputKey: string;
  chosen: string | null;
  optional: boolean;
  current?: ComponentChildren;
  onFile: (file: File | null) => void;
}

export function FileField(props: FileFieldProps): JSX.Element {
  const hasHint = Boolean(props.meta.description);
  return (
    <FieldShell {...props} optional={props.optional}>
      {props.current ? <div class="field__current">{props.current}</div> : null}
      <input
        key={props.inputKey}
        id={props.id}
        name={props.meta.key}
        class="input input--file"
        type="file"
        accept={props.accept}
        aria-invalid={props.error ? 'true' : undefined}
        aria-describedby={describedBy(props.id, hasHint, props.error)}
        onChange={(e) => props.onFile(e.currentTarget.files?.[0] ?? null)}
      />
      {props.chosen ? <p class="field__chosen">{props.chosen}</p> : null}
    </FieldShell>
  );
}

/** A field's error, tied to its input by `${id}-error` (the input's aria-describedby) and read out with its prefix. */
function FieldErrorText({ id, error }: { id: string; error: string | undefined | null }) {
  if (!error) return null;
  return (
    <p class="field__error" id={`${id}-error`}>
      <span class="visually-hidden">Error: </span>
      {error}
    </p>
  );
}
