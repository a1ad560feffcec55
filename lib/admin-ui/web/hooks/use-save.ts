/**
 * Save and, after a conflict (409: someone else saved first), reload. A failed save leaves the values as typed;
 * a successful one hands the stored view to `load` (which also clears secrets and chosen files), then `onSaved`.
 */
import { useState } from 'preact/hooks';
import { ApiError } from '../api/http.ts';
import { serversApi } from '../api/servers-api.ts';
import type { ServerDraft, ServerId, ServerView } from '../api/types.ts';
import { announce } from '../components/announcer.tsx';
import type { FormProblems } from './use-form-problems.ts';

export interface SaveControl {
  saving: boolean;
  /** Set by a 409 until the admin reloads the settings. */
  conflict: boolean;
  save: (draft: ServerDraft) => Promise<void>;
  reload: () => Promise<void>;
}

export interface SaveOptions {
  serverId: ServerId;
  problems: FormProblems;
  /** Puts stored settings into the form; `afterSave` also drops the secrets typed before. */
  load: (view: ServerView, afterSave: boolean) => void;
  onSaved: (view: ServerView) => void;
}

export function useSave({ serverId, problems, load, onSaved }: SaveOptions): SaveControl {
  const [saving, setSaving] = useState(false);
  const [conflict, setConflict] = useState(false);

  const save = async (draft: ServerDraft) => {
    if (saving) return;
    setSaving(true);
    problems.clearGeneral();
    setConflict(false);
    try {
      const saved = await serversApi.save(serverId, draft);
      problems.clearFields();
      load(saved, true);
      announce('Settings saved.');
      onSaved(saved);
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) {
        setConflict(true);
        problems.focus();
      } else {
        problems.show(error);
      }
    } finally {
      setSaving(false);
    }
  };

  const reload = async () => {
    try {
      const fresh = await serversApi.get(serverId);
      load(fresh, false);
      setConflict(false);
      problems.clearFields();
      problems.clearGeneral();
      onSaved(fresh);
      announce('Settings reloaded.');
    } catch (error) {
      problems.show(error);
    }
  };

  return { saving, conflict, save, reload };
}
