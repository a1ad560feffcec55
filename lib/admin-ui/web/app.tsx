/**
 * The admin page: loads both servers and the settings schema, picks the start page (the setup wizard while
 * nothing is configured), and routes between Qlik servers, Edit, Qlik Repository and setup.
 */
import type { ComponentChildren, JSX } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { serversApi } from './api/servers-api.ts';
import type { ServerId, ServerView } from './api/types.ts';
import { Spinner } from './components/icons.tsx';
import { Layout, type Crumb } from './components/layout.tsx';
import { DRAFT_SCHEMA_NAMES, readDraftSchema, type DraftSchema } from './model/field-meta.ts';
import { ActivityPage } from './pages/activity-page.tsx';
import { EditPage } from './pages/edit-page.tsx';
import { RepositoryPage } from './pages/repository-page.tsx';
import { SERVER_TYPE_NAMES } from './pages/server-card.tsx';
import { ServersPage } from './pages/servers-page.tsx';
import { Wizard } from './pages/wizard.tsx';
import { navigate, routeHref, useRoute, type Route } from './router.ts';

type Schemas = Record<ServerId, DraftSchema>;

const SERVERS_CRUMB: Crumb = { label: 'Settings' };
const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

function Loading({ what }: { what: string }): JSX.Element {
  return (
    <p class="loading" role="status">
      <Spinner /> Loading {what}…
    </p>
  );
}

function LoadFailed({ message, retry }: { message: string; retry: () => void }): JSX.Element {
  return (
    <div class="callout callout--error" role="alert">
      <p>{message}</p>
      <button type="button" class="button button--secondary" onClick={retry}>
        Try again
      </button>
    </div>
  );
}

function pageTitle(route: Route, servers: ServerView[] | null): string {
  if (route.page === 'servers') return 'Qlik servers';
  if (route.page === 'setup') return 'Set up a Qlik server';
  if (route.page === 'repository') return 'Qlik Repository';
  if (route.page === 'activity') return 'Activity';
  const server = servers?.find((s) => s.id === route.id);
  return server?.configured && server.displayName
    ? `Edit ${server.displayName}`
    : `Set up ${SERVER_TYPE_NAMES[route.id]}`;
}

function crumbsFor(route: Route): Crumb[] {
  const servers: Crumb = { label: 'Qlik servers', href: routeHref({ page: 'servers' }) };
  if (route.page === 'servers') return [SERVERS_CRUMB, { label: 'Qlik servers' }];
  if (route.page === 'edit') return [SERVERS_CRUMB, servers, { label: SERVER_TYPE_NAMES[route.id] }];
  if (route.page === 'setup') return [SERVERS_CRUMB, servers, { label: 'Setup' }];
  if (route.page === 'activity') return [SERVERS_CRUMB, { label: 'Activity' }];
  return [SERVERS_CRUMB, { label: 'Qlik Repository' }];
}

/** `account` is the signed-in admin's name and Sign out (absent locally without sign-in). */
export function App({ account }: { account?: ComponentChildren }): JSX.Element {
  const route = useRoute();
  const [servers, setServers] = useState<ServerView[] | null>(null);
  const [schemas, setSchemas] = useState<Schemas | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [schemaError, setSchemaError] = useState<string | null>(null);

  const load = useCallback(() => {
    setError(null);
    setSchemaError(null);
    serversApi.list().then(setServers, (e: unknown) => setError(errorText(e)));
    serversApi.openApi().then(
      (doc) =>
        setSchemas({
          onprem: readDraftSchema(doc, DRAFT_SCHEMA_NAMES.onprem),
          cloud: readDraftSchema(doc, DRAFT_SCHEMA_NAMES.cloud),
        }),
      (e: unknown) => setSchemaError(`The settings form could not be loaded: ${errorText(e)}`),
    );
  }, []);
  useEffect(load, [load]);

  useEffect(() => {
    if (route === null && servers)
      navigate(servers.every((s) => !s.configured) ? { page: 'setup' } : { page: 'servers' });
  }, [route, servers]);

  const onServer = useCallback((view: ServerView) => {
    setServers((list) => list?.map((s) => (s.id === view.id ? view : s)) ?? [view]);
  }, []);

  const current: Route = route ?? { page: 'servers' };
  const firstConfigured = servers?.find((s) => s.configured)?.id ?? 'onprem';
  const repositoryHref = routeHref({
    page: 'repository',
    id: current.page === 'repository' ? current.id : firstConfigured,
  });
  const nav = current.page === 'repository' || current.page === 'activity' ? current.page : 'servers';
  return (
    <Layout
      title={pageTitle(current, servers)}
      pageKey={routeHref(current)}
      crumbs={crumbsFor(current)}
      nav={nav}
      repositoryHref={repositoryHref}
      account={account}
    >
      {error ? (
        <LoadFailed message={error} retry={load} />
      ) : !servers ? (
        <Loading what="servers" />
      ) : (
        <Page
          route={current}
          servers={servers}
          schemas={schemas}
          schemaError={schemaError}
          onServer={onServer}
          retry={load}
        />
      )}
    </Layout>
  );
}

interface PageProps {
  route: Route;
  servers: ServerView[];
  schemas: Schemas | null;
  schemaError: string | null;
  onServer: (view: ServerView) => void;
  retry: () => void;
}

function Page({ route, servers, schemas, schemaError, onServer, retry }: PageProps): JSX.Element {
  if (route.page === 'servers') return <ServersPage servers={servers} onServer={onServer} />;
  if (route.page === 'activity') return <ActivityPage serverId={route.id} />;
  if (route.page === 'repository') {
    const server = servers.find((s) => s.id === route.id);
    return server ? <RepositoryPage server={server} servers={servers} onServer={onServer} /> : <p>Unknown server.</p>;
  }
  if (schemaError) return <LoadFailed message={schemaError} retry={retry} />;
  if (!schemas) return <Loading what="the settings form" />;
  if (route.page === 'setup') return <Wizard servers={servers} schemas={schemas} onServer={onServer} />;
  const server = servers.find((s) => s.id === route.id);
  return server ? <EditPage server={server} schema={schemas[server.id]} onServer={onServer} /> : <p>Unknown server.</p>;
}
