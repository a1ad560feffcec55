import { request as httpsRequest } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQrsClient, type QrsClient } from '#lib/qlik/onprem/qrs-client.ts';
import { QrsRequestError } from '#lib/qlik/onprem/qrs-errors.ts';
import {
  startQlikSenseSimulator,
  XSRF_MESSAGE,
  type QlikSenseSimulator,
} from '#test/simulators/qlik-sense-enterprise/index.ts';

/** A raw request, so a test can break the rules the client never breaks. */
function raw(
  sim: QlikSenseSimulator,
  path: string,
  headers: Record<string, string> = {},
  withClientCertificate = true,
) {
  const { tls } = sim.connection();
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = httpsRequest(
      {
        host: sim.host,
        port: sim.port,
        path,
        headers,
        servername: sim.machineName,
        ca: tls.caPems,
        ...(withClientCertificate ? { cert: tls.certPem, key: tls.keyPem } : {}),
        agent: false,
      },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** What the spec requires of a new virtual proxy besides the prefix and cookie name (Qlik's defaults). */
const NEW_PROXY = { sessionInactivityTimeout: 30, defaultVirtualProxy: false };

const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: unknown) => e as QrsRequestError,
  );

describe('Qlik Sense Enterprise simulator enforces what QRS enforces', () => {
  let sim: QlikSenseSimulator;
  let qrs: QrsClient;

  beforeAll(async () => {
    sim = await startQlikSenseSimulator();
    qrs = createQrsClient(sim.connection());
  });
  afterAll(async () => {
    await qrs.close();
    await sim.close();
  });

  it('answers 403 XSRF when the xrfkey is missing, differs between query and header, or is malformed', async () => {
    const key = 'abcdefghijklmnop';
    for (const [path, headers] of [
      ['/qrs/about', {}],
      [`/qrs/about?xrfkey=${key}`, {}],
      [`/qrs/about?xrfkey=${key}`, { 'X-Qlik-Xrfkey': 'ponmlkjihgfedcba' }],
      ['/qrs/about?xrfkey=short', { 'X-Qlik-Xrfkey': 'short' }],
    ] as const) {
      expect(await raw(sim, path, headers)).toEqual({ status: 403, body: XSRF_MESSAGE });
    }
    expect((await raw(sim, `/qrs/about?Xrfkey=${key}`, { 'x-qlik-xrfkey': key })).status).toBe(200);
  });

  it('loses the xrfkey behind an unencoded # in a filter, as a live QRS does', async () => {
    const key = 'abcdefghijklmnop';
    const response = await raw(sim, `/qrs/user/full?filter=userId%20eq%20'a#b'&xrfkey=${key}`, {
      'X-Qlik-Xrfkey': key,
    });

    expect(response).toEqual({ status: 403, body: XSRF_MESSAGE });
  });

  it('answers 403 to a request without a client certificate', async () => {
    const key = 'abcdefghijklmnop';
    expect((await raw(sim, `/qrs/about?xrfkey=${key}`, { 'X-Qlik-Xrfkey': key }, false)).status).toBe(403);
  });

  it('rejects a filter it cannot parse, including a doubled quote', async () => {
    const error = await rejection(qrs.get('/qrs/user/full', { filter: "userId eq 'o''neil'" }));

    expect(error).toMatchObject({ status: 400, qlikMessage: "Cannot parse the expression: userId eq 'o''neil'" });
  });

  it('keeps virtual proxy prefixes and session cookie header names unique', async () => {
    await qrs.post('/qrs/virtualproxyconfig', {
      ...NEW_PROXY,
      prefix: 'unique',
      sessionCookieHeaderName: 'X-Qlik-Session-unique',
    });

    const samePrefix = await rejection(
      qrs.post('/qrs/virtualproxyconfig', { ...NEW_PROXY, prefix: 'unique', sessionCookieHeaderName: 'X-Other' }),
    );
    const sameCookie = await rejection(
      qrs.post('/qrs/virtualproxyconfig', {
        ...NEW_PROXY,
        prefix: 'other',
        sessionCookieHeaderName: 'x-qlik-session-UNIQUE',
      }),
    );
    const noCookie = await rejection(
      qrs.post('/qrs/virtualproxyconfig', { ...NEW_PROXY, prefix: 'third', sessionCookieHeaderName: '' }),
    );

    expect(samePrefix).toMatchObject({ status: 400, qlikMessage: /prefix 'unique' already exists/ });
    expect(sameCookie).toMatchObject({ status: 400, qlikMessage: /session cookie header name .* already used/ });
    expect(noCookie).toMatchObject({ status: 400, qlikMessage: /sessionCookieHeaderName is required/ });
  });

  it('answers 409 to a PUT with a stale modifiedDate and 400 to one whose id differs from the URL', async () => {
    const vp = await qrs.post<Record<string, unknown> & { id: string }>('/qrs/virtualproxyconfig', {
      ...NEW_PROXY,
      prefix: 'stale',
      sessionCookieHeaderName: 'X-Qlik-Session-stale',
    });
    await qrs.put(`/qrs/virtualproxyconfig/${vp.id}`, { ...vp, description: 'first edit' });

    const stale = await rejection(qrs.put(`/qrs/virtualproxyconfig/${vp.id}`, { ...vp, description: 'second edit' }));
    const wrongId = await rejection(
      qrs.put(`/qrs/virtualproxyconfig/${vp.id}`, { ...vp, id: sim.state.defaultVirtualProxy.id }),
    );

    expect(stale).toMatchObject({ status: 409 });
    expect(wrongId).toMatchObject({ status: 400 });
  });

  it('resets properties a full-entity PUT leaves out to their defaults', async () => {
    const vp = await qrs.post<Record<string, unknown> & { id: string }>('/qrs/virtualproxyconfig', {
      ...NEW_PROXY,
      prefix: 'partial',
      sessionCookieHeaderName: 'X-Qlik-Session-partial',
      description: 'set',
      websocketCrossOriginWhiteList: ['a.example.com'],
    });

    const saved = await qrs.put<Record<string, unknown>>(`/qrs/virtualproxyconfig/${vp.id}`, {
      ...NEW_PROXY,
      id: vp.id,
      modifiedDate: vp.modifiedDate,
      prefix: 'partial',
      sessionCookieHeaderName: 'X-Qlik-Session-partial',
    });

    expect(saved).toMatchObject({ description: '', websocketCrossOriginWhiteList: [] });
  });

  it('pages apps through /qrs/app/table and counts them as a bare integer', async () => {
    const stream = sim.state.addStream({ name: 'Finance' });
    for (const name of ['A', 'B', 'C']) sim.state.addApp({ name, stream });
    const definition = {
      type: 'App',
      columns: [
        { name: 'name', columnType: 1, definition: 'name' },
        { name: 'stream', columnType: 1, definition: 'stream.name' },
      ],
    };

    const page = await qrs.post<{ columnNames: string[]; rows: unknown[][] }>('/qrs/app/table', definition, {
      query: { skip: 1, take: 2, sortColumn: 'name', orderAscending: true },
    });

    expect(page.columnNames).toEqual(['name', 'stream']);
    expect(page.rows).toEqual([
      ['B', 'Finance'],
      ['C', 'Finance'],
    ]);
    expect(await qrs.get('/qrs/app/count', { filter: "stream.name eq 'finance'" })).toBe(3);
  });

  it('fails a path on demand, a given number of times', async () => {
    const once = createQrsClient(sim.connection(), { retry: { attempts: 1 } });
    sim.faults.failPath({ method: 'GET', path: '/qrs/about', status: 500, message: 'boom', times: 1 });

    expect(await rejection(once.get('/qrs/about'))).toMatchObject({ status: 500, qlikMessage: 'boom' });
    await expect(once.get('/qrs/about')).resolves.toMatchObject({ buildVersion: expect.any(String) });
    await once.close();
  });
});

describe('QRS client retries', () => {
  let sim: QlikSenseSimulator;
  let qrs: QrsClient;

  beforeAll(async () => {
    sim = await startQlikSenseSimulator();
    qrs = createQrsClient(sim.connection(), { retry: { baseDelayMs: 5 } });
  });
  afterAll(async () => {
    await qrs.close();
    await sim.close();
  });

  it('tries a read again after a 503 and a 500', async () => {
    sim.clearRequests();
    sim.faults.failPath({ method: 'GET', path: '/qrs/about', status: 503, message: 'Service Unavailable', times: 2 });

    await expect(qrs.get('/qrs/about')).resolves.toMatchObject({ buildVersion: expect.any(String) });

    expect(sim.requests.map((r) => r.status)).toEqual([503, 503, 200]);
  });

  it('gives up after four tries in all', async () => {
    sim.clearRequests();
    sim.faults.failPath({ method: 'GET', path: '/qrs/about', status: 500, message: 'boom', times: 10 });

    expect(await rejection(qrs.get('/qrs/about'))).toMatchObject({ status: 500 });

    expect(sim.requests).toHaveLength(4);
    sim.faults.reset();
  });

  it('never tries a POST that changes something again', async () => {
    sim.clearRequests();
    sim.faults.failPath({
      method: 'POST',
      path: '/qrs/virtualproxyconfig',
      status: 503,
      message: 'Service Unavailable',
      times: 1,
    });

    const error = await rejection(
      qrs.post('/qrs/virtualproxyconfig', {
        ...NEW_PROXY,
        prefix: 'once',
        sessionCookieHeaderName: 'X-Qlik-Session-once',
      }),
    );

    expect(error).toMatchObject({ status: 503 });
    expect(sim.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(sim.state.virtualProxyByPrefix('once')).toBeUndefined();
  });

  it('does not try a 4xx again', async () => {
    sim.clearRequests();

    expect(await rejection(qrs.get('/qrs/user/full', { filter: 'nonsense eq' }))).toMatchObject({ status: 400 });
    expect(sim.requests).toHaveLength(1);
  });
});

describe('Qlik Sense Enterprise simulator holds requests to the QRS spec', () => {
  let sim: QlikSenseSimulator;
  let qrs: QrsClient;

  beforeAll(async () => {
    sim = await startQlikSenseSimulator();
    qrs = createQrsClient(sim.connection());
  });
  afterAll(async () => {
    await qrs.close();
    await sim.close();
  });

  it('answers 400 to a body the spec does not allow, changes nothing, and fails the test unless the violation is claimed', async () => {
    // Act: columnType is an integer enum in the spec; an invented property on a virtual proxy
    const table = await rejection(
      qrs.post(
        '/qrs/app/table',
        { type: 'App', columns: [{ name: 'id', columnType: 'Sideways', definition: 'id' }] },
        { query: { skip: 0, take: 1 } },
      ),
    );
    const proxy = await rejection(
      qrs.post('/qrs/virtualproxyconfig', {
        ...NEW_PROXY,
        prefix: 'invented',
        sessionCookieHeaderName: 'X-Qlik-Session-invented',
        madeUp: true,
      }),
    );
    const query = await rejection(qrs.get('/qrs/app/full', { query: { top: 5 } }));

    // Assess
    expect(table).toMatchObject({ status: 400, qlikMessage: expect.stringContaining('columnType') });
    expect(proxy).toMatchObject({ status: 400, qlikMessage: expect.stringContaining('madeUp: not in the spec') });
    expect(query).toMatchObject({
      status: 400,
      qlikMessage: expect.stringContaining('query parameter top is not declared'),
    });
    expect(sim.state.virtualProxyByPrefix('invented')).toBeUndefined();
    expect(sim.specViolations).toHaveLength(4);
    sim.specViolations.splice(0);
  });
});
