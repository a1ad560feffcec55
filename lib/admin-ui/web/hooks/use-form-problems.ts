/**
 * What the server form shows as wrong: an error per field, messages that belong to no field, and the focus
 * request that moves the error summary into view (a new `focusKey` focuses it again).
 */
import { useState } from 'preact/hooks';
import { ApiError } from '../api/http.ts';
import type { ServerId } from '../api/types.ts';
import type { SummaryItem } from '../components/error-summary.tsx';
import { fieldErrorsByKey } from '../model/server-form.ts';

export interface FormProblems {
  errors: Record<string, string>;
  general: string[];
  focusKey: number;
  /** An API error with field errors goes to its fields; anything else becomes one general message. */
  show: (error: unknown) => void;
  /** One general message instead of everything shown, and the summary focused. */
  fail: (message: string) => void;
  setFieldError: (key: string, message: string) => void;
  clearField: (key: string) => void;
  clearFields: () => void;
  clearGeneral: () => void;
  focus: () => void;
  /** The summary's items: field errors (titled, linked to their input) first, then the general messages. */
  summary: (titleOf: (key: string) => string, idOf: (key: string) => string) => SummaryItem[];
}

export function useFormProblems(serverId: ServerId): FormProblems {
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [general, setGeneral] = useState<string[]>([]);
  const [focusKey, setFocusKey] = useState(0);
  const focus = () => setFocusKey((n) => n + 1);
  return {
    errors,
    general,
    focusKey,
    show: (error) => {
      if (error instanceof ApiError && error.fieldErrors.length) {
        const mapped = fieldErrorsByKey(serverId, error.fieldErrors);
        setErrors(mapped.byKey);
        setGeneral(mapped.general);
      } else {
        setErrors({});
        setGeneral([error instanceof Error ? error.message : String(error)]);
      }
      focus();
    },
    fail: (message) => {
      setErrors({});
      setGeneral([message]);
      focus();
    },
    setFieldError: (key, message) => setErrors((current) => ({ ...current, [key]: message })),
    clearField: (key) => setErrors((current) => (current[key] ? { ...current, [key]: '' } : current)),
    clearFields: () => setErrors({}),
    clearGeneral: () => setGeneral([]),
    focus,
    summary: (titleOf, idOf) => [
      ...Object.entries(errors)
        .filter(([, message]) => message)
        .map(([key, message]) => ({ message: withTitle(titleOf(key), message), target: idOf(key) })),
      ...general.map((message) => ({ message })),
    ],
  };
}

/** "Display name is required." stays as is; "Enter a whole number." becomes "Max parallel executions: Enter ...". */
function withTitle(title: string, message: string): string {
  return message.toLowerCase().includes(title.toLowerCase()) ? message : `${title}: ${message}`;
}
