/**
 * Hash routes: the page is one static document served at `/`, so every view lives after `#`. Routes never carry
 * form values, so no secret can reach the URL or the history.
 */
import { useEffect, useState } from 'preact/hooks';
import type { ServerId } from './api/types.ts';

export type Route =
  | { page: 'servers' }
  | { page: 'edit'; id: ServerId }
  | { page: 'repository'; id: ServerId }
  | { page: 'setup' }
  | { page: 'activity'; id: ServerId | null };

const isServerId = (value: string | undefined): value is ServerId => value === 'onprem' || value === 'cloud';

export function parseRoute(hash: string): Route | null {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  const [first, second] = parts;
  if (!first) return null;
  if (first === 'servers' && isServerId(second)) return { page: 'edit', id: second };
  if (first === 'servers') return { page: 'servers' };
  if (first === 'repository') return { page: 'repository', id: isServerId(second) ? second : 'onprem' };
  if (first === 'setup') return { page: 'setup' };
  if (first === 'activity') return { page: 'activity', id: isServerId(second) ? second : null };
  return { page: 'servers' };
}

export function routeHref(route: Route): string {
  switch (route.page) {
    case 'servers':
      return '#/servers';
    case 'edit':
      return `#/servers/${route.id}`;
    case 'repository':
      return `#/repository/${route.id}`;
    case 'setup':
      return '#/setup';
    case 'activity':
      return route.id ? `#/activity/${route.id}` : '#/activity';
  }
}

export function navigate(route: Route): void {
  const href = routeHref(route);
  if (location.hash !== href) location.hash = href;
}

/** The current route; `null` when the page was opened without a hash (the app then picks a start page). */
export function useRoute(): Route | null {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
