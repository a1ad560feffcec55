import { MockAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OnPremConnection } from '#lib/connection-test/connection-types.ts';
import { QrsClient } from '#lib/qlik/onprem/qrs-client.ts';
import { QrsConnectionError, QrsRequestError } from '#lib/qlik/onprem/qrs-errors.ts';
import { qrsCompare } from '#lib/qlik/onprem/qrs-filter.ts';

const ORIGIN = 'https://qlik.example.com:4242';

const connection: OnPremConnection = {
  url: 'https://qlik.example.com',
  userDirectory: 'INTERNAL',
  serviceAccountUser: 'sa_kpimailer',
  repositoryPort: 4242,
  enginePort: 4747,
  proxyApiPort: 4243,
  certificateHostName: null,
  allowUntrustedServerCertificate: false,
  tls: { keyPem: 'unused', certPem: 'unused', caPems: [] },
  virtualProxy: null,
};

interface Seen {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
}

/** Lower-cases whatever header shape undici hands the mock (object or flat array). */
function headerRecord(headers: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(headers)) {
    for (let i = 0; i < headers.length; i += 2) out[String(headers[i]).toLowerCase()] = String(headers[i + 1]);
  } else if (headers && typeof headers === 'object') {
    for (const [k, v] of Object.entries(headers)) out[k.toLowerCase()] = String(v);
  }
  return out;
}

describe('QRS client', () => {
  let agent: MockAgent;
  let seen: Seen[];
  let client: QrsClient;

  /** Answers every call to `path` with `status`/`data`, recording what was sent. */
  function answer(
    path: string,
    status: number,
    data: unknown,
    options: { times?: number; delayMs?: number; method?: string } = {},
  ) {
    const scope = agent
      .get(ORIGIN)
      .intercept({ path: (p) => p.split('?')[0] === path, method: options.method ?? 'GET' })
      .reply((request) => {
        seen.push({
          method: request.method,
          path: request.path,
          headers: headerRecord(request.headers),
          body: typeof request.body === 'string' ? JSON.parse(request.body) : undefined,
        });
        return { statusCode: status, data: typeof data === 'string' ? data : JSON.stringify(data) };
      });
    if (options.delayMs) scope.delay(options.delayMs);
    scope.times(options.times ?? 1);
  }

  beforeEach(() => {
    // Prepare
    agent = new MockAgent();
    agent.disableNetConnect();
    seen = [];
    client = new QrsClient(connection, { dispatcher: agent });
  });
  afterEach(() => agent.close());

  it('sends the same fresh xrfkey in the query and in X-Qlik-Xrfkey, a new one on every call', async () => {
    answer('/qrs/about', 200, { buildVersion: '1' }, { times: 3 });

    // Act
    for (let i = 0; i < 3; i += 1) await client.get('/qrs/about');

    // Assess
    const keys = seen.map((call) => {
      const query = new URL(call.path, ORIGIN).searchParams.get('xrfkey');
      expect(query).toMatch(/^[0-9a-zA-Z]{16}$/);
      expect(call.headers['x-qlik-xrfkey']).toBe(query);
      return query;
    });
    expect(new Set(keys).size).toBe(3);
  });

  it('names the service account in X-Qlik-User and asks for JSON', async () => {
    answer('/qrs/about', 200, {});

    await client.get('/qrs/about');

    expect(seen[0]!.headers['x-qlik-user']).toBe('UserDirectory=INTERNAL; UserId=sa_kpimailer');
    expect(seen[0]!.headers.accept).toBe('application/json');
  });

  it("encodes a filter so ', # and & reach QRS as part of the value", async () => {
    answer('/qrs/user/full', 200, []);
    const tricky = "o'neil #4 & co";

    // Act
    await client.get('/qrs/user/full', { filter: qrsCompare('userId', 'eq', tricky) });

    // Assess: nothing in the raw target can end the value, start a fragment or a new parameter
    const raw = seen[0]!.path;
    const rawFilter = /[?&]filter=([^&]*)/.exec(raw)![1]!;
    expect(rawFilter).not.toMatch(/['#& ]/);
    expect(decodeURIComponent(rawFilter)).toBe("userId eq 'o\\'neil #4 & co'");
    expect(new URL(raw, ORIGIN).searchParams.get('xrfkey')).toMatch(/^[0-9a-zA-Z]{16}$/);
  });

  it('sends bodies as JSON and returns the parsed answer', async () => {
    answer('/qrs/virtualproxyconfig', 201, { id: 'x', prefix: 'kpimailer' }, { method: 'POST' });

    const created = await client.post<{ id: string }>('/qrs/virtualproxyconfig', { prefix: 'kpimailer' });

    expect(created).toEqual({ id: 'x', prefix: 'kpimailer' });
    expect(seen[0]!.headers['content-type']).toBe('application/json');
    expect(seen[0]!.body).toEqual({ prefix: 'kpimailer' });
  });

  it("maps an error status to QrsRequestError keeping method, path without the xrfkey, status and Qlik's message", async () => {
    answer('/qrs/user/full', 400, 'Cannot parse the expression: userId eq ');

    // Act
    const error = await client
      .get('/qrs/user/full', { filter: qrsCompare('userId', 'eq', 'x') })
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(QrsRequestError);
    const e = error as QrsRequestError;
    expect(e).toMatchObject({
      method: 'GET',
      path: "/qrs/user/full?filter=userId eq 'x'",
      status: 400,
      qlikMessage: 'Cannot parse the expression: userId eq',
    });
    expect(e.message).not.toMatch(/xrfkey/i);
  });

  it('refuses a 200 that is not JSON, as a proxy or web server port would send', async () => {
    answer('/qrs/about', 200, '<html>Qlik Sense Hub</html>');

    await expect(client.get('/qrs/about')).rejects.toMatchObject({ name: 'QrsRequestError', qlikMessage: /not JSON/ });
  });

  it.each([
    ['ECONNREFUSED', 'refused', /refused the connection/],
    ['ENOTFOUND', 'dns', /could not be resolved/],
    ['EHOSTUNREACH', 'unreachable', /no network route/],
    ['UND_ERR_CONNECT_TIMEOUT', 'timeout', /TCP\/TLS timed out/],
    ['ECONNRESET', 'reset', /closed the connection/],
    ['ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'client-certificate-rejected', /refused the client certificate/],
  ])('maps %s to a QrsConnectionError of kind %s', async (code, problem, message) => {
    agent
      .get(ORIGIN)
      .intercept({ path: (p) => p.startsWith('/qrs/about'), method: 'GET' })
      .replyWithError(Object.assign(new Error(`simulated ${code}`), { code }))
      // A dropped connection is retried on reads (qrs-retry.ts): every try meets the same error.
      .persist();
    const once = new QrsClient(connection, {
      dispatcher: agent,
      retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 1 },
    });

    const error = await once.get('/qrs/about').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(QrsConnectionError);
    expect(error).toMatchObject({
      problem,
      details: { method: 'GET', path: '/qrs/about', host: 'qlik.example.com', port: 4242, code },
    });
    expect((error as Error).message).toMatch(message);
  });

  it('gives up on a call after its own timeout and says no answer came', async () => {
    answer('/qrs/about', 200, {}, { delayMs: 500 });

    const error = await client.get('/qrs/about', { timeoutMs: 50 }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(QrsConnectionError);
    expect((error as QrsConnectionError).problem).toBe('timeout');
    expect((error as Error).message).toMatch(/within 0\.1 s|within 0 s|within 0\.05 s/);
  });

  it('counts the requests it sends', async () => {
    answer('/qrs/about', 200, {}, { times: 2 });

    await client.get('/qrs/about');
    await client.get('/qrs/about');

    expect(client.requestCount).toBe(2);
  });

  it('only sends QRS paths', async () => {
    await expect(client.get('/api/v1/items')).rejects.toThrow(/start with \/qrs\//);
  });
});
