import { request as httpsRequest } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQrsClient, type QrsClient } from '#lib/qlik/onprem/qrs-client.ts';
import { QrsRequestError } from '#lib/qlik/onprem/qrs-errors.ts';
import { startQlikSenseSimulator, XSRF_MESSAGE, type QlikSenseSimulator } from '#test/simulators/qlik-sense-enterprise/index.ts';

/** A raw request, so a test can break the rules the client never breaks. */
function raw(sim: QlikSenseSimulator, path: string, headers: Record<string, string> = {}, withClientCertificate = true) {
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

const rejection = (promise: Promise<unknown>) => promise.then(() => undefined, (e: unknown) => e as QrsRequestError);

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
    const response = await raw(sim, `/qrs/user/full?filter=userId%20eq%20'a#b'&xrfkey=${key}`, { 'X-Qlik-Xrfkey': key });

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
    await qrs.post('/qrs/virtualproxyconfig', { prefix: 'unique', sessionCookieHeaderName: 'X-Qlik-Session-unique' });

    const samePrefix = await rejection(qrs.post('/qrs/virtualproxyconfig', { prefix: 'unique', sessionCookieHeaderName: 'X-Other' }));
    const sameCookie = await rejection(qrs.post('/qrs/virtualproxyconfig', { prefix: 'other', sessionCookieHeaderName: 'x-qlik-session-UNIQUE' }));
    const noCookie = await rejection(qrs.post('/qrs/virtualproxyconfig', { prefix: 'third' }));

    expect(samePrefix).toMatchObject({ status: 400, qlikMessage: /prefix 'unique' already exists/ });
    expect(sameCookie).toMatchObject({ status: 400, qlikMessage: /session cookie header name .* already used/ });
    expect(noCookie).toMatchObject({ status: 400, qlikMessage: /sessionCookieHeaderName is required/ });
  });

  it('answers 409 to a PUT with a stale modifiedDate and 400 to one whose id differs from the URL', async () => {
    const vp = await qrs.post<Record<string, unknown> & { id: string }>('/qrs/virtualproxyconfig', { prefix: 'stale', sessionCookieHeaderName: 'X-Qlik-Session-stale' });
    await qrs.put(`/qrs/virtualproxyconfig/${vp.id}`, { ...vp, description: 'first edit' });

    const stale = await rejection(qrs.put(`/qrs/virtualproxyconfig/${vp.id}`, { ...vp, description: 'second edit' }));
    const wrongId = await rejection(qrs.put(`/qrs/virtualproxyconfig/${vp.id}`, { ...vp, id: sim.state.defaultVirtualProxy.id }));

    expect(stale).toMatchObject({ status: 409 });
    expect(wrongId).toMatchObject({ status: 400 });
  });

  it('resets properties a full-entity PUT leaves out to their defaults', async () => {
    const vp = await qrs.post<Record<string, unknown> & { id: string }>('/qrs/virtualproxyconfig', {
      prefix: 'partial',
      sessionCookieHeaderName: 'X-Qlik-Session-partial',
      description: 'set',
      websocketCrossOriginWhiteList: ['a.example.com'],
    });

    const saved = await qrs.put<Record<string, unknown>>(`/qrs/virtualproxyconfig/${vp.id}`, {
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
    const definition = { type: 'App', columns: [{ name: 'name', columnType: 1, definition: 'name' }, { name: 'stream', columnType: 1, definition: 'stream.name' }] };

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
    sim.faults.failPath({ method: 'GET', path: '/qrs/about', status: 500, message: 'boom', times: 1 });

    expect(await rejection(qrs.get('/qrs/about'))).toMatchObject({ status: 500, qlikMessage: 'boom' });
    await expect(qrs.get('/qrs/about')).resolves.toMatchObject({ buildVersion: expect.any(String) });
  });
});
