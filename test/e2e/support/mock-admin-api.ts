/**
 * A small in-memory stand-in for the admin API of the HTTP contract, serving the built admin page through the
 * real `createAdminUiHandler`. It validates drafts with the real zod schemas and serves the real OpenAPI
 * document, so the page under test reads real labels and gets real field errors.
 * The browser tests use it for what the real stack cannot stage on demand (a save conflict, a long sync).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createAdminUiHandler } from '#lib/admin-ui/admin-ui-handler.ts';
import { openApiDocument } from '#lib/api/openapi.ts';
import * as z from 'zod/mini';
import { saveSchemas, type ServerId } from '#lib/servers/server-settings.ts';

export const MOCK_CERTIFICATE_PASSWORD = 'correct-horse';
const DAY = 86_400_000;

interface MockServer {
  id: ServerId;
  configured: boolean;
  version: number;
  settings: Record<string, unknown>;
  secret: string | null;
  certificate: Record<string, unknown> | null;
  lastTest: unknown;
  lastSync: Record<string, unknown> | null;
  apps: Record<string, unknown>[];
}

export interface MockAdminApi {
  url: string;
  state: Record<ServerId, MockServer>;
  /** Every request body the API received, to assert what the page sent. */
  bodies: { method: string; path: string; body: unknown }[];
  /** Pretends another admin saved in between: bumps the version. */
  bumpVersion(id: ServerId): void;
  close(): Promise<void>;
}

function emptyServer(id: ServerId): MockServer {
  return {
    id,
    configured: false,
    version: 0,
    settings: {},
    secret: null,
    certificate: null,
    lastTest: null,
    lastSync: null,
    apps: [],
  };
}

function view(s: MockServer): Record<string, unknown> {
  const common = {
    id: s.id,
    type: s.id,
    configured: s.configured,
    displayName: s.settings['displayName'] ?? (s.id === 'onprem' ? 'Qlik Sense Enterprise' : 'Qlik Cloud'),
    url: s.settings['url'] ?? '',
    maxParallelExecutions: s.settings['maxParallelExecutions'] ?? 4,
    lastTest: s.lastTest,
    lastSync: s.lastSync,
    version: s.version,
    executions: { limit: s.settings['maxParallelExecutions'] ?? 4, appliedAt: null, running: 0, queued: 0 },
  };
  if (s.id === 'cloud') {
    return {
      ...common,
      oauthClientId: s.settings['oauthClientId'] ?? '',
      webIntegrationId: s.settings['webIntegrationId'] ?? '',
      hasClientSecret: s.secret !== null,
      webhook: s.configured
        ? { id: 'wh-1', enabled: false, disabledReason: 'Qlik Cloud disabled it after 5 failed deliveries.' }
        : null,
    };
  }
  return {
    ...common,
    userDirectory: s.settings['userDirectory'] ?? '',
    serviceAccountUser: s.settings['serviceAccountUser'] ?? '',
    hasCertificatePassword: s.secret !== null,
    certificate: s.certificate,
    rootCertificate: null,
    certificateHostName: s.settings['certificateHostName'] ?? null,
    allowUntrustedServerCertificate: s.settings['allowUntrustedServerCertificate'] ?? false,
    repositoryPort: s.settings['repositoryPort'] ?? 4242,
    enginePort: s.settings['enginePort'] ?? 4747,
    proxyApiPort: s.settings['proxyApiPort'] ?? 4243,
    virtualProxy: null,
  };
}

const problem = (status: number, title: string, errors?: { field: string; message: string }[]) => ({
  status,
  body: { type: 'about:blank', title, status, ...(errors ? { errors } : {}) },
  problem: true,
});

function validate(id: ServerId, body: unknown, partial: boolean): { field: string; message: string }[] {
  const schema = partial ? z.partial(saveSchemas[id]) : saveSchemas[id];
  const parsed = z.safeParse(schema, body);
  return parsed.success ? [] : parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message }));
}

function secretOf(id: ServerId, draft: Record<string, unknown>): string | undefined {
  const value = draft[id === 'onprem' ? 'certificatePassword' : 'oauthClientSecret'];
  return typeof value === 'string' && value ? value : undefined;
}

function runChecks(s: MockServer, draft: Record<string, unknown>) {
  const merged = { ...s.settings, ...draft };
  const secret = secretOf(s.id, draft) ?? s.secret;
  const names =
    s.id === 'onprem'
      ? ['Server reachable', 'Authentication', 'User exists', 'RootAdmin', 'Virtual proxy ready']
      : ['Server reachable', 'Authentication'];
  const failures: Record<string, string | null> = {
    'Server reachable': String(merged['url']).includes('unreachable')
      ? `Could not connect to ${String(merged['url'])}. Check the URL and the firewall.`
      : null,
    Authentication: secret
      ? null
      : s.id === 'onprem'
        ? 'Upload the client certificate and its password.'
        : 'Enter the OAuth client secret.',
    'User exists':
      merged['serviceAccountUser'] === 'sa_kpimailer'
        ? null
        : `The user ${String(merged['userDirectory'])}\\${String(merged['serviceAccountUser'])} does not exist in Qlik Sense. Check the user directory and user ID.`,
  };
  let failed = false;
  const checks = names.map((name) => {
    if (failed) return { name, status: 'skipped', message: 'Skipped because an earlier check failed.', durationMs: 0 };
    const message = failures[name] ?? null;
    if (message) failed = true;
    return { name, status: message ? 'failed' : 'passed', message: message ?? '', durationMs: 12 };
  });
  return { ok: !failed, checks };
}

function apps(id: ServerId, count: number): Record<string, unknown>[] {
  const groups = id === 'onprem' ? ['Finance', 'Sales', 'Operations'] : ['Shared analytics', 'Management'];
  return Array.from({ length: count }, (_, i) => ({
    id: `${id}-app-${String(i + 1).padStart(3, '0')}`,
    name: `${['Sales', 'Margin', 'Stock', 'HR'][i % 4]} dashboard ${i + 1}`,
    [id === 'onprem' ? 'stream' : 'space']:
      i % 7 === 6 ? null : { id: `g${i % groups.length}`, name: groups[i % groups.length] },
    owner: 'INTERNAL\\sa_kpimailer',
    published: i % 7 !== 6,
    publishTime: '2025-01-01T00:00:00.000Z',
    lastReload: {
      at: new Date(Date.now() - i * 3_600_000).toISOString(),
      status: i % 9 === 4 ? 'failed' : 'succeeded',
    },
    modifiedAt: '2025-01-02T00:00:00.000Z',
    syncedAt: new Date().toISOString(),
  }));
}

export async function startMockAdminApi(options: {
  assetsDir: string;
  syncSteps?: number;
  stepMs?: number;
  appCount?: number;
  testDelayMs?: number;
}): Promise<MockAdminApi> {
  const state: Record<ServerId, MockServer> = { onprem: emptyServer('onprem'), cloud: emptyServer('cloud') };
  const bodies: MockAdminApi['bodies'] = [];
  const ui = createAdminUiHandler({ assetsDir: options.assetsDir });
  const timers = new Set<NodeJS.Timeout>();

  const startSync = (s: MockServer) => {
    const total = options.appCount ?? 60;
    const steps = options.syncSteps ?? 3;
    const startedAt = new Date().toISOString();
    s.lastSync = {
      at: startedAt,
      status: 'running',
      added: 0,
      updated: 0,
      removed: 0,
      total: 0,
      error: null,
      progress: { appsSeen: 0, expected: total },
    };
    let step = 0;
    const advance = () => {
      step += 1;
      if (step < steps) {
        s.lastSync = { ...s.lastSync, progress: { appsSeen: Math.round((total * step) / steps), expected: total } };
        const t = setTimeout(advance, options.stepMs ?? 400);
        timers.add(t);
      } else {
        s.apps = apps(s.id, total);
        s.lastSync = {
          at: new Date().toISOString(),
          status: 'succeeded',
          added: total,
          updated: 0,
          removed: 0,
          total,
          error: null,
          progress: null,
        };
      }
    };
    const t = setTimeout(advance, options.stepMs ?? 400);
    timers.add(t);
  };

  const api = (method: string, path: string, query: URLSearchParams, body: unknown) => {
    if (method === 'GET' && path === '/api/openapi.json') return { status: 200, body: openApiDocument() };
    if (method === 'GET' && path === '/api/servers')
      return { status: 200, body: { servers: [view(state.onprem), view(state.cloud)] } };
    const match = /^\/api\/servers\/(onprem|cloud)(\/(test|sync|apps))?$/.exec(path);
    if (!match) return problem(404, 'Not found');
    const s = state[match[1] as ServerId];
    const draft = (body ?? {}) as Record<string, unknown>;
    const action = `${method} ${match[3] ?? ''}`;
    if (action === 'GET ') return { status: 200, body: view(s) };
    if (action === 'PUT ') {
      if (s.configured && draft['version'] !== s.version)
        return problem(409, 'The settings were changed by someone else. Reload them.');
      const errors = validate(s.id, draft, false);
      const secret = secretOf(s.id, draft);
      if (s.id === 'onprem' && draft['certificate'] && secret !== MOCK_CERTIFICATE_PASSWORD) {
        errors.push({
          field: 'certificatePassword',
          message:
            'The certificate password is wrong. Enter the password set when the certificate was exported from the QMC.',
        });
      }
      if (s.id === 'onprem' && !draft['certificate'] && !s.certificate)
        errors.push({ field: 'certificate', message: 'Upload the client certificate (.pfx) exported from the QMC.' });
      if (errors.length) return problem(400, 'Some settings are not valid.', errors);
      const { version: _v, certificate, certificatePassword: _p, oauthClientSecret: _s, ...settings } = draft;
      s.settings = { ...s.settings, ...settings };
      if (secret) s.secret = secret;
      if (certificate)
        s.certificate = {
          subject: 'CN=QlikClient',
          issuer: 'CN=QLIKSERVER-CA',
          subjectAltNames: [],
          notBefore: new Date(Date.now() - DAY).toISOString(),
          notAfter: new Date(Date.now() + 20 * DAY).toISOString(),
          fingerprintSha256: 'AB:CD',
        };
      s.configured = true;
      s.version += 1;
      return { status: 200, body: view(s) };
    }
    if (action === 'POST test') {
      const errors = validate(s.id, draft, true);
      if (errors.length) return problem(400, 'Some settings are not valid.', errors);
      const result = runChecks(s, draft);
      s.lastTest = { at: new Date().toISOString(), ...result };
      return { status: 200, body: result };
    }
    if (action === 'POST sync') {
      if (!s.configured) return problem(409, 'Save the settings of this server before syncing its apps.');
      if (s.lastSync?.['status'] === 'running') return problem(409, 'A sync of this server is already running.');
      startSync(s);
      return { status: 202, body: { status: 'running', startedAt: s.lastSync?.['at'] } };
    }
    if (action === 'GET apps') {
      const q = (query.get('q') ?? '').toLowerCase();
      const limit = Number(query.get('limit') ?? 50);
      const offset = Number(query.get('cursor') ?? 0);
      const matching = s.apps.filter((a) => String(a['name']).toLowerCase().includes(q));
      const page = matching.slice(offset, offset + limit);
      return {
        status: 200,
        body: { apps: page, nextCursor: offset + limit < matching.length ? String(offset + limit) : null },
      };
    }
    return problem(405, 'Method not allowed');
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    if (url.pathname.startsWith('/api/')) {
      const body = raw ? (JSON.parse(raw) as unknown) : undefined;
      bodies.push({ method: req.method ?? 'GET', path: url.pathname, body });
      if (url.pathname.endsWith('/test') && options.testDelayMs)
        await new Promise((r) => setTimeout(r, options.testDelayMs));
      const result = api(req.method ?? 'GET', url.pathname, url.searchParams, body);
      const type = 'problem' in result ? 'application/problem+json' : 'application/json; charset=utf-8';
      res
        .writeHead(result.status, { 'content-type': type, 'cache-control': 'no-store' })
        .end(JSON.stringify(result.body));
      return;
    }
    const asset = /^\/assets\/(.+)$/.exec(url.pathname);
    const event = {
      rawPath: url.pathname,
      headers: req.headers as Record<string, string>,
      pathParameters: asset ? { proxy: asset[1] } : undefined,
      requestContext: { http: { method: req.method ?? 'GET', path: url.pathname } },
    } as unknown as APIGatewayProxyEventV2;
    const out = await ui(event);
    res
      .writeHead(out.statusCode ?? 200, out.headers as Record<string, string>)
      .end(Buffer.from(out.body ?? '', out.isBase64Encoded ? 'base64' : 'utf8'));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => res.writeHead(500).end(String(error)));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    state,
    bodies,
    bumpVersion: (id) => void (state[id].version += 1),
    close: async () => {
      for (const t of timers) clearTimeout(t);
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
