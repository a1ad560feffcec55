/**
 * Starts an app sync and follows it: `POST .../sync`, then `GET /api/servers/{id}` until `lastSync` has changed
 * and is no longer running. A sync that is already running (started by another admin, the schedule, or a
 * second press) is followed the same way instead of being reported as an error.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api/http.ts';
import { serversApi } from '../api/servers-api.ts';
import type { ServerView } from '../api/types.ts';
import { announce } from '../components/announcer.tsx';
import { syncSummary } from '../model/format.ts';

export interface SyncNotice {
  tone: 'info' | 'error';
  text: string;
}

export interface SyncControl {
  running: boolean;
  notice: SyncNotice | null;
  start: () => Promise<void>;
}

const GIVE_UP_MS = 15 * 60_000;

export function useSync(server: ServerView, onServer: (view: ServerView) => void, pollMs = 1000): SyncControl {
  const [polling, setPolling] = useState(server.lastSync?.status === 'running');
  const [notice, setNotice] = useState<SyncNotice | null>(null);
  const baseline = useRef(JSON.stringify(server.lastSync ?? null));
  const onServerRef = useRef(onServer);
  onServerRef.current = onServer;
  const running = server.lastSync?.status === 'running';

  useEffect(() => {
    if (running && !polling) {
      baseline.current = JSON.stringify(server.lastSync ?? null);
      setPolling(true);
    }
  }, [running]);

  useEffect(() => {
    if (!polling) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const startedAt = Date.now();
    const tick = async () => {
      try {
        const view = await serversApi.get(server.id);
        if (stopped) return;
        onServerRef.current(view);
        const sync = view.lastSync;
        const changed = JSON.stringify(sync ?? null) !== baseline.current;
        if (sync && sync.status !== 'running' && changed) {
          setPolling(false);
          setNotice(null);
          announce(sync.status === 'succeeded' ? `Sync finished: ${syncSummary(sync)}.` : `Sync ${syncSummary(sync)}`);
          return;
        }
      } catch (error) {
        if (stopped) return;
        setNotice({ tone: 'error', text: error instanceof Error ? error.message : String(error) });
      }
      if (Date.now() - startedAt > GIVE_UP_MS) {
        setPolling(false);
        setNotice({ tone: 'info', text: 'The sync is taking long. Reload the page later to see its result.' });
        return;
      }
      timer = setTimeout(tick, pollMs);
    };
    timer = setTimeout(tick, pollMs);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [polling, server.id]);

  const start = async () => {
    setNotice(null);
    baseline.current = JSON.stringify(server.lastSync ?? null);
    try {
      await serversApi.startSync(server.id);
      announce('Sync started.');
      setPolling(true);
    } catch (error) {
      if (error instanceof ApiError && error.status === 409 && (running || polling || server.configured)) {
        const view = await serversApi.get(server.id).catch(() => null);
        if (view?.lastSync?.status === 'running') {
          onServerRef.current(view);
          setNotice({ tone: 'info', text: 'A sync of this server is already running. Its progress is shown here.' });
          setPolling(true);
          return;
        }
      }
      setNotice({ tone: 'error', text: error instanceof Error ? error.message : String(error) });
    }
  };

  return { running: running || polling, notice, start };
}
