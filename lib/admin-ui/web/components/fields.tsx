/**
 * Text-like form fields (fields.tsx, checkbox-field.tsx and file-field.tsx share field-shell.tsx). Secret inputs
 * are controlled through the DOM property only, never an attribute, so their value cannot show up in the page's HTML.
 */
import type { JSX } from 'preact';
import { describedBy, FieldShell, type FieldProps } from './field-shell.tsx';

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
