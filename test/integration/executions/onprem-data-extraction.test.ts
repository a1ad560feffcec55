/**
 * On-premise data extractions end to end: the executions API, the embedded SQS and its poller, the real worker, a
 * ticket session through the simulated `kpimailer` virtual proxy (mutual TLS to the Proxy Service API, TLS to the
 * proxy), the Engine API over wss through that proxy, CSV in the results folder. Every session is closed again:
 * the engine's work in flight and the proxy's sessions are back to zero after each extraction, failed ones included.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINE_PAGE_CELLS } from '#lib/qlik/onprem/engine-extraction.ts';
import {
  generatedTable,
  MAX_PAGE_CELLS,
  type QlikSenseSimulator,
} from '#test/simulators/qlik-sense-enterprise/index.ts';
import { startExecutions, type ExecutionHarness } from './execution-harness.ts';

const APP = '3a6c7f2e-1b2c-4d5e-8f90-123456789abc';
const PRIVATE_APP = '9d8c7b6a-5f4e-4d3c-8b2a-0123456789ab';
let harness: ExecutionHarness;
let site: QlikSenseSimulator;

beforeAll(async () => {
  harness = await startExecutions({ limit: 2, processingMs: 50, onprem: true });
  site = harness.site!;
  site.engine.addApp(APP, {
    'odd-texts': {
      type: 'table',
      table: {
        dimensions: ['Customer', 'Note'],
        measures: ['Sales'],
        rows: [
          ['Acme, Inc.', 'says "hi"', '1,200.50'],
          ['Line\r\nbreak', 'plain', null],
          ['Bare', '', '0'],
        ],
      },
    },
    'sales-table': { type: 'table', table: generatedTable(6_000) },
    'title-text': { type: 'text' },
  });
  site.engine.addApp(
    PRIVATE_APP,
    { 'sales-table': { type: 'table', table: generatedTable(10) } },
    { deniedTo: ['INTERNAL\\sa_kpimailer'] },
  );
}, 120_000);
afterAll(async () => harness?.close());

/** Every Engine session and proxy session of the site has ended. */
async function expectSessionsClosed() {
  await site.engine.whenIdle();
  expect(site.engine.inFlight).toBe(0);
  expect(site.proxy.state.sessions.size).toBe(0);
}

/** The result route answers base64 (API Gateway's isBase64Encoded); the CSV text. */
const csvText = (body: string) => Buffer.from(body, 'base64').toString('utf8');

async function extract(body: Record<string, unknown>) {
  const id = await harness.submit({ appId: APP, kind: 'data', ...body }, 'onprem');
  const [done] = await harness.settled([id], { timeoutMs: 60_000 });
  return { id, done: done! };
}

describe('on-premise data extractions through the Engine API', () => {
  it('returns the table as RFC 4180 CSV with the labels as header row', async () => {
    // Act
    const { id, done } = await extract({ objectId: 'odd-texts' });
    const result = await harness.call('GET', `/api/executions/${id}/result`);

    // Assess
    expect(done).toMatchObject({
      status: 'succeeded',
      attempts: 1,
      result: { contentType: expect.stringMatching(/^text\/csv/) },
    });
    expect(result.status).toBe(200);
    expect(result.headers['content-type']).toMatch(/^text\/csv/);
    expect(csvText(result.body)).toBe(
      'Customer,Note,Sales\r\n"Acme, Inc.","says ""hi""","1,200.50"\r\n"Line\r\nbreak",plain,\r\nBare,,0\r\n',
    );
    await expectSessionsClosed();
  });

  it('applies the selections and reads the hypercube in pages under 10,000 cells', async () => {
    // Prepare
    site.engine.calls.length = 0;

    // Act
    const { id, done } = await extract({
      objectId: 'sales-table',
      selections: [{ field: 'Region', values: ['North', 'East'] }],
    });
    const csv = csvText((await harness.call('GET', `/api/executions/${id}/result`)).body);

    // Assess
    expect(done.status).toBe('succeeded');
    const lines = csv.split('\r\n').filter(Boolean);
    expect(lines[0]).toBe('Region,Product,Sales,Margin');
    expect(lines).toHaveLength(1 + 3_000);
    expect(new Set(lines.slice(1).map((line) => line.split(',')[0]))).toEqual(new Set(['North', 'East']));
    const pages = site.engine.calls
      .filter((c) => c.method === 'GetHyperCubeData')
      .map((c) => (c.params as [string, Array<{ qWidth: number; qHeight: number }>])[1][0]!);
    expect(pages.length).toBeGreaterThan(1);
    for (const page of pages) expect(page.qWidth * page.qHeight).toBeLessThanOrEqual(ENGINE_PAGE_CELLS);
    expect(ENGINE_PAGE_CELLS).toBeLessThan(MAX_PAGE_CELLS);
    expect(site.engine.calls.map((c) => c.method).slice(0, 5)).toEqual([
      'OpenDoc',
      'GetObject',
      'GetField',
      'SelectValues',
      'GetLayout',
    ]);
    await expectSessionsClosed();
  });

  it.each([
    ['an object the app lacks', { objectId: 'no-such-object' }, 'ENGINE-OBJECT-NOT-FOUND', /no object no-such-object/],
    [
      'an app the service account may not open',
      { appId: PRIVATE_APP, objectId: 'sales-table' },
      'ENGINE-5',
      /read access/,
    ],
    [
      'a field the app lacks',
      { objectId: 'sales-table', selections: [{ field: 'Country', values: ['France'] }] },
      'ENGINE-FIELD-NOT-FOUND',
      /no field 'Country'/,
    ],
    [
      'values the field lacks',
      { objectId: 'sales-table', selections: [{ field: 'Region', values: ['Atlantis'] }] },
      'ENGINE-SELECTION-FAILED',
      /'Region'/,
    ],
    ['an object without data', { objectId: 'title-text' }, 'ENGINE-NO-DATA-TABLE', /no data table/],
  ])(
    'fails at once, with a message that says what to do, for %s, and closes the sessions',
    async (_, body, code, message) => {
      // Act
      const { done } = await extract(body);

      // Assess
      expect(done).toMatchObject({ status: 'failed', attempts: 1, error: { code }, result: null });
      expect((done.error as { message: string }).message).toMatch(message);
      await expectSessionsClosed();
    },
  );

  it('answers 422 for on-premise images and PDFs, a later issue', async () => {
    const image = await harness.call('POST', '/api/servers/onprem/executions', {
      body: { appId: APP, kind: 'image', objectId: 'sales-table' },
    });
    const pdf = await harness.call('POST', '/api/servers/onprem/executions', {
      body: { appId: APP, kind: 'pdf', sheetId: 'sheet-1' },
    });

    expect(image.status).toBe(422);
    expect(pdf.status).toBe(422);
    expect(image.json().detail).toMatch(/not available yet: they need a headless browser/);
  });

  it('keeps Max parallel executions at the site: the engine never has more sessions open than the cap', async () => {
    // Prepare
    site.engine.latencyMs = 40;
    site.engine.resetPeak();

    // Act
    const ids = await Promise.all(
      Array.from({ length: 10 }, () => harness.submit({ appId: APP, kind: 'data', objectId: 'odd-texts' }, 'onprem')),
    );
    const finished = await harness.settled(ids, { timeoutMs: 120_000 });

    // Assess
    expect(finished.every((e) => e.status === 'succeeded')).toBe(true);
    expect(site.engine.peakInFlight).toBe(2);
    await expectSessionsClosed();
  }, 150_000);
});
