/** A file input with what is stored now and what was chosen; a new `inputKey` clears the choice. */
import type { ComponentChildren, JSX } from 'preact';
import { describedBy, FieldShell, type FieldProps } from './field-shell.tsx';

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
