/**
 * The Repository page's paging and search over the apps API's cursors: the cursor of every page so far (so
 * Previous page goes back without the API knowing), the submitted search (typing submits after 300 ms), and the
 * page that answers the current request. A new server, search or finished sync starts again at page 1.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { serversApi } from '../api/servers-api.ts';
import type { AppPage, ServerView } from '../api/types.ts';

export const PAGE_SIZE = 25;

export interface AppPages {
  /** What the search box shows. */
  query: string;
  /** The search the shown results are for ('' for all apps). */
  submitted: string;
  /** The page answering the current request, or null while it loads (or failed). */
  page: AppPage | null;
  /** What to show: the current page, else the previous one (dimmed) while the next loads. */
  shown: AppPage | null;
  failure: string | null;
  loading: boolean;
  /** 1-based. */
  pageNumber: number;
  type: (value: string) => void;
  search: (value: string) => void;
  previous: () => void;
  next: () => void;
}

export function useAppPages(server: ServerView): AppPages {
  const [query, setQuery] = useState('');
  const [submitted, setSubmitted] = useState('');
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  // Each page of results remembers the request it answers, so a stale page is never shown as the new one.
  const [result, setResult] = useState<{ key: string; page: AppPage } | null>(null);
  const [error, setError] = useState<{ key: string; message: string } | null>(null);
  const cursor = cursors[cursors.length - 1] ?? null;
  const lastSyncAt = server.lastSync?.status === 'running' ? null : (server.lastSync?.at ?? null);
  const debounce = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  useEffect(() => {
    setCursors([null]);
    setSubmitted('');
    setQuery('');
  }, [server.id]);

  const requestKey = JSON.stringify([server.id, cursor, submitted, lastSyncAt]);
  useEffect(() => {
    if (!server.configured) return;
    const controller = new AbortController();
    serversApi
      .apps(server.id, { limit: PAGE_SIZE, cursor, q: submitted || undefined }, controller.signal)
      .then((next) => setResult({ key: requestKey, page: next }))
      .catch((e: unknown) => {
        if (!controller.signal.aborted)
          setError({ key: requestKey, message: e instanceof Error ? e.message : String(e) });
      });
    return () => controller.abort();
  }, [requestKey, server.configured]);
  const page = result?.key === requestKey ? result.page : null;
  const failure = error?.key === requestKey ? error.message : null;

  const search = (value: string) => {
    clearTimeout(debounce.current);
    setCursors([null]);
    setSubmitted(value.trim());
  };

  return {
    query,
    submitted,
    page,
    shown: page ?? result?.page ?? null,
    failure,
    loading: !page && !failure,
    pageNumber: cursors.length,
    type: (value) => {
      setQuery(value);
      clearTimeout(debounce.current);
      debounce.current = setTimeout(() => search(value), 300);
    },
    search,
    previous: () => setCursors((c) => c.slice(0, -1)),
    next: () => {
      const next = page?.nextCursor;
      if (next) setCursors((c) => [...c, next]);
    },
  };
}
