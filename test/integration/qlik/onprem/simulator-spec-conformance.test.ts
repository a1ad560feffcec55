/**
 * Every answer the Qlik Sense Enterprise simulator gives, across the connection test's scenarios and direct
 * calls to the endpoints sync and reload polling will use, must have the shape the QRS spec gives. Runs only
 * where ../shared/specs/qlik-sense-enterprise/qrs.json exists (it is not part of this repository).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testOnPremConnection } from '#lib/qlik/onprem/onprem-connection-test.ts';
import { createQrsClient, type QrsClient } from '#lib/qlik/onprem/qrs-client.ts';
import { startQlikSenseSimulator, type QlikSenseSimulator } from '#test/simulators/qlik-sense-enterprise/index.ts';
import { checkQrsResponse, loadQrsSpec, qrsSpecFile } from '#test/simulators/qlik-sense-enterprise/spec-validator.ts';

const spec = loadQrsSpec();
if (!spec)
  console.warn(`Skipping the Qlik Sense Enterprise simulator spec conformance suite: no spec at ${qrsSpecFile()}.`);

describe.skipIf(!spec)('Qlik Sense Enterprise simulator conforms to the QRS spec', () => {
  let sim: QlikSenseSimulator;
  let qrs: QrsClient;

  beforeAll(async () => {
    sim = await startQlikSenseSimulator();
    const { state } = sim;
    state.addServerNode({ name: 'QLIKRIM1' });

    // The connection test's own traffic: create, already correct, adjust after drift, a 409 while linking.
    const first = await testOnPremConnection(sim.connection());
    await testOnPremConnection(sim.connection());
    const vp = state.virtualProxies.get(first.virtualProxy!.id)!;
    vp.websocketCrossOriginWhiteList = [];
    state.touch(vp);
    sim.faults.concurrentEdit('virtualproxyconfig', 1);
    await testOnPremConnection(sim.connection());
    state.addVirtualProxy({ prefix: 'spare', sessionCookieHeaderName: 'X-Qlik-Session-spare' });
    await testOnPremConnection(sim.connection({ serviceAccountUser: 'nobody' }));

    // Direct calls for what sync and reload polling will read.
    const owner = state.addUser({ userDirectory: 'CORP', userId: 'anna', roles: [] });
    const stream = state.addStream({ name: 'Finance', owner });
    const published = state.addApp({ name: 'Sales', stream, owner });
    state.addApp({ name: 'Draft' });
    const task = state.addReloadTask({ name: 'Reload Sales', app: published });
    state.addExecutionResult({ task, status: 7, stopTime: state.now(), duration: 1200 });
    state.addReloadTask({ name: 'Never run', app: published });
    qrs = createQrsClient(sim.connection());
    const service = [...state.proxyServices.keys()][0]!;
    await qrs.get('/qrs/user');
    await qrs.get('/qrs/user/count');
    await qrs.get(`/qrs/user/${owner.id}`);
    await qrs.get('/qrs/virtualproxyconfig');
    await qrs.get(`/qrs/virtualproxyconfig/${first.virtualProxy!.id}`);
    await qrs.get(`/qrs/proxyservice/${service}`);
    await qrs.get('/qrs/servernodeconfiguration');
    await qrs.get('/qrs/stream/full');
    await qrs.get('/qrs/app');
    await qrs.get('/qrs/app/full', { filter: 'published eq true' });
    await qrs.get('/qrs/app/count');
    await qrs.post(
      '/qrs/app/table',
      {
        type: 'App',
        columns: [
          { name: 'id', columnType: 1, definition: 'id' },
          { name: 'stream', columnType: 1, definition: 'stream.name' },
        ],
      },
      { query: { skip: 0, take: 1 } },
    );
    await qrs.get('/qrs/reloadtask/full');
    await qrs.get('/qrs/executionresult/full', { filter: `appID eq ${published.id}` });
    const spare = state.virtualProxyByPrefix('spare')!;
    await qrs.delete(`/qrs/virtualproxyconfig/${spare.id}`);
  });
  afterAll(async () => {
    await qrs.close();
    await sim.close();
  });

  it('answers every request with a body the spec allows', () => {
    const failures: string[] = [];
    const undocumented = new Set<string>();
    const operations = new Set<string>();
    for (const request of sim.requests) {
      const verdict = checkQrsResponse(spec!, {
        method: request.method,
        path: request.path,
        status: request.status,
        body: request.response,
      });
      if (verdict.operation) operations.add(`${request.method} ${verdict.operation}`);
      if (!verdict.documented)
        undocumented.add(`${request.method} ${verdict.operation ?? request.path} → ${request.status}`);
      for (const problem of verdict.problems)
        failures.push(`${request.method} ${request.path} ${request.status}: ${problem}`);
    }
    if (undocumented.size)
      console.info(
        `Answers the spec gives no schema for (plain-text errors, 204):\n  ${[...undocumented].join('\n  ')}`,
      );

    expect(failures).toEqual([]);
    expect([...operations].sort()).toEqual(
      [
        'GET /about',
        'GET /user',
        'GET /user/full',
        'GET /user/count',
        'GET /user/{id}',
        'GET /virtualproxyconfig',
        'GET /virtualproxyconfig/full',
        'GET /virtualproxyconfig/{id}',
        'POST /virtualproxyconfig',
        'PUT /virtualproxyconfig/{id}',
        'DELETE /virtualproxyconfig/{id}',
        'GET /proxyservice/full',
        'GET /proxyservice/{id}',
        'PUT /proxyservice/{id}',
        'GET /servernodeconfiguration',
        'GET /servernodeconfiguration/full',
        'GET /stream/full',
        'GET /app',
        'GET /app/full',
        'GET /app/count',
        'POST /app/table',
        'GET /reloadtask/full',
        'GET /executionresult/full',
      ].sort(),
    );
  });

  it('catches an answer that breaks the spec (the checker itself works)', () => {
    const about = { ...sim.state.about } as Record<string, unknown>;
    delete about.buildVersion;
    about.invented = true;

    const verdict = checkQrsResponse(spec!, { method: 'GET', path: '/qrs/about', status: 200, body: about });

    expect(verdict.problems).toEqual([
      '$<About>.buildVersion: missing',
      '$<About>.buildVersion: required but missing',
      '$<About>.invented: not in the spec',
    ]);
  });
});
