/**
 * Lets an unsaved form survive a trip to the sign-in page: before the page navigates away, each open form's
 * non-secret values go to sessionStorage (this tab only); the form takes them back once, when it opens again.
 * Secrets and chosen files never leave memory: the admin types or picks them again.
 */
import { useEffect } from 'preact/hooks';

type FieldValues = Record<string, string | boolean>;

const STORAGE_KEY = 'kpimailer.unsaved-forms';
const openForms = new Map<string, () => FieldValues>();

/** Registers an open form; `values` returns its non-secret fields only. */
export function useSurvivesSignIn(formKey: string, values: () => FieldValues): void {
  useEffect(() => {
    openForms.set(formKey, values);
    return () => {
      if (openForms.get(formKey) === values) openForms.delete(formKey);
    };
  }, [formKey, values]);
}

/** Called just before the page leaves for the sign-in page. */
export function stashOpenForms(): void {
  if (openForms.size === 0) return;
  const stash: Record<string, FieldValues> = {};
  for (const [key, values] of openForms) stash[key] = values();
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify(stash));
}

/** The values a form had when the page left for sign-in, once; null when there are none. */
export function takeStashedForm(formKey: string): FieldValues | null {
  const raw = sessionStorage.getItem(STORAGE_KEY);
  if (!raw) return null;
  try {
    const stash = JSON.parse(raw) as Record<string, FieldValues>;
    const values = stash[formKey] ?? null;
    delete stash[formKey];
    if (Object.keys(stash).length) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(stash));
    else sessionStorage.removeItem(STORAGE_KEY);
    return values;
  } catch {
    sessionStorage.removeItem(STORAGE_KEY);
    return null;
  }
}
