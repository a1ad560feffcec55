/**
 * Test connection on the form's unsaved values: every check pending while it runs, then the service's result
 * (announced for screen readers). A new run aborts the one still in flight; an aborted run reports nothing.
 */
import { useRef, useState } from 'preact/hooks';
import { serversApi } from '../api/servers-api.ts';
import type { ServerDraft, ServerId } from '../api/types.ts';
import { announce } from '../components/announcer.tsx';
import { pendingChecks, type CheckRow } from '../components/check-list.tsx';

export type TestState =
  | { phase: 'idle' }
  | { phase: 'running'; checks: CheckRow[] }
  | { phase: 'done'; ok: boolean; checks: CheckRow[]; warnings: string[]; draftKey: string };

export interface ConnectionTest {
  test: TestState;
  run: (draft: ServerDraft) => Promise<void>;
  /** Whether the last run passed on exactly this draft (the wizard saves only what passed). */
  passed: (draft: ServerDraft) => boolean;
}

/**
 * @param onStart called as a run starts (the form clears its general messages)
 * @param onError called when a run gets no result (validation errors, network), not for a failed check
 */
export function useConnectionTest(
  serverId: ServerId,
  onStart: () => void,
  onError: (error: unknown) => void,
): ConnectionTest {
  const [test, setTest] = useState<TestState>({ phase: 'idle' });
  const inFlight = useRef<AbortController | null>(null);

  const run = async (draft: ServerDraft) => {
    inFlight.current?.abort();
    const controller = new AbortController();
    inFlight.current = controller;
    const key = JSON.stringify(draft);
    onStart();
    setTest({ phase: 'running', checks: pendingChecks(serverId) });
    announce('Testing the connection…');
    try {
      const result = await serversApi.test(serverId, draft, controller.signal);
      setTest({ phase: 'done', ok: result.ok, checks: result.checks, warnings: result.warnings ?? [], draftKey: key });
      const failed = result.checks.find((c) => c.status === 'failed');
      announce(
        result.ok
          ? 'Connection test passed. Every check succeeded.'
          : `Connection test failed at ${failed?.name ?? 'a check'}: ${failed?.message ?? ''}`,
      );
    } catch (error) {
      if (controller.signal.aborted) return;
      setTest({ phase: 'idle' });
      onError(error);
    }
  };

  const passed = (draft: ServerDraft) => test.phase === 'done' && test.ok && test.draftKey === JSON.stringify(draft);
  return { test, run, passed };
}
