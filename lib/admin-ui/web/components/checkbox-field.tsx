/** A checkbox with its label, help text and error, and a warning shown while it is checked. */
import type { JSX } from 'preact';
import { describedBy, FieldErrorText, type FieldProps } from './field-shell.tsx';

export function CheckboxField(
  props: FieldProps & { checked: boolean; onChange: (checked: boolean) => void; warning?: string },
): JSX.Element {
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
