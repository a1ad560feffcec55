/**
 * Qlik Sense Enterprise `data` extractions through the Engine API (JSON-RPC over a WebSocket), with Qlik's own
 * enigma.js and the `ws` package:
 *
 *   ticket session through the `kpimailer` virtual proxy (proxy-session.ts) -> `wss://<host>/kpimailer/app/<appId>`
 *   (the session cookie; server trust and the destination policy as for every Qlik connection) -> OpenDoc ->
 *   GetObject -> per selection GetField + SelectValues -> GetLayout -> GetHyperCubeData page by page -> CSV.
 *
 * The schema is enigma.js's `12.2027.0` (the newest it ships, matching current Qlik Sense Enterprise releases); every
 * method used here has been in the Engine API since 12.20, so older sites answer them the same way. The delta
 * protocol is off: answers are whole JSON values (smaller code paths; a data page is sent once anyway).
 *
 * Pages stay under the engine's 10,000-cell limit (`LOCERR_HC_RESULT_TOO_LARGE`, 6001, above it). The WebSocket and
 * the proxy session are closed on every path: success, error, and the worker's time limit (its abort signal closes
 * the socket, which fails the call in flight).
 */
import enigma from 'enigma.js';
import schema from 'enigma.js/schemas/12.2027.0.json' with { type: 'json' };
import WebSocket from 'ws';
import type { OnPremConnection } from '#lib/connection-test/connection-types.ts';
import { CSV_CONTENT_TYPE, csvRecord } from '#lib/executions/csv.ts';
import type { ExecutionRecord, ExtractionOutput, Selection } from '#lib/executions/execution-types.ts';
import { ExtractionError, type Extractor } from '#lib/executions/extractor.ts';
import { engineExtractionError, type EngineStep } from '#lib/qlik/onprem/engine-errors.ts';
import { openProxySession, type ProxySession } from '#lib/qlik/onprem/proxy-session.ts';

/** Cells per data page: the engine refuses a page of more than 10,000; one less keeps clear of the edge. */
export const ENGINE_PAGE_CELLS = 9_999;
/** The largest CSV an extraction may produce (the same cap as a Qlik Cloud output). */
export const MAX_CSV_BYTES = 64 * 1024 * 1024;
/** The largest single Engine answer taken off the socket (a 9,999-cell page of long texts fits easily). */
const MAX_MESSAGE_BYTES = 32 * 1024 * 1024;

// The Engine API objects and calls used here (enigma.js generates them from the schema).
interface NxCell {
  qText?: string;
  qIsNull?: boolean;
}
interface NxDataPage {
  qMatrix: NxCell[][];
}
interface NxInfo {
  qFallbackTitle?: string;
}
interface HyperCubeLayout {
  qSize: { qcx: number; qcy: number };
  qDimensionInfo: NxInfo[];
  qMeasureInfo: NxInfo[];
  qMode?: string;
  qError?: { qErrorCode: number };
}
interface ObjectLayout {
  qHyperCube?: HyperCubeLayout;
  qError?: { qErrorCode: number };
}
interface EngineObject {
  getLayout(): Promise<ObjectLayout>;
  getHyperCubeData(
    path: string,
    pages: Array<{ qTop: number; qLeft: number; qWidth: number; qHeight: number }>,
  ): Promise<NxDataPage[]>;
}
interface EngineField {
  selectValues(
    values: Array<{ qText: string; qIsNumeric: boolean }>,
    toggleMode: boolean,
    softLock: boolean,
  ): Promise<boolean>;
}
interface EngineDoc {
  getObject(id: string): Promise<EngineObject>;
  getField(name: string): Promise<EngineField>;
}
interface EngineGlobal {
  openDoc(appId: string): Promise<EngineDoc>;
}

export interface EngineExtractionOptions {
  /** Opening the ticket session (tests and the connection reuse it); default `openProxySession`. */
  openSession?: (connection: OnPremConnection, signal: AbortSignal) => Promise<ProxySession>;
  /** The WebSocket's opening handshake limit. */
  handshakeTimeoutMs?: number;
}

export class EngineDataExtraction implements Extractor {
  constructor(
    private readonly connection: OnPremConnection,
    private readonly options: EngineExtractionOptions = {},
  ) {}

  async extract(execution: ExecutionRecord, signal: AbortSignal): Promise<ExtractionOutput> {
    if (execution.kind !== 'data' || !execution.objectId) {
      throw new ExtractionError(
        'NOT-AVAILABLE',
        `Qlik Sense Enterprise ${execution.kind} extractions are not available yet.`,
        false,
      );
    }
    const at: EngineStep = {
      step: 'open-app',
      appId: execution.appId,
      objectId: execution.objectId,
      account: `${this.connection.userDirectory}\\${this.connection.serviceAccountUser}`,
    };
    let proxy: ProxySession | undefined;
    let engine: EnigmaJS.Session | undefined;
    const closeSocket = () => void closeQuietly(engine);
    signal.addEventListener('abort', closeSocket, { once: true });
    try {
      signal.throwIfAborted();
      proxy = await (this.options.openSession ?? ((c, s) => openProxySession(c, { signal: s })))(
        this.connection,
        signal,
      );
      signal.throwIfAborted();
      engine = this.engineSession(proxy, execution.appId);
      const global = await engine.open<EngineGlobal & EnigmaJS.QixObject>();
      const doc = await global.openDoc(execution.appId);
      at.step = 'get-object';
      const object = await doc.getObject(execution.objectId);
      at.step = 'select';
      for (const selection of execution.selections) {
        at.field = selection.field;
        await select(doc, selection, execution.appId);
      }
      at.step = 'layout';
      const layout = await object.getLayout();
      at.step = 'data';
      return { contentType: CSV_CONTENT_TYPE, bytes: await tableAsCsv(object, layout, execution, signal) };
    } catch (error) {
      throw engineExtractionError(error, at, signal);
    } finally {
      signal.removeEventListener('abort', closeSocket);
      await closeQuietly(engine);
      await proxy?.close();
    }
  }

  private engineSession(proxy: ProxySession, appId: string): EnigmaJS.Session {
    return enigma.create({
      schema,
      url: proxy.engineUrl(appId),
      // The socket options carry the session cookie, the server trust and the destination policy's pinned lookup.
      createSocket: (url) =>
        new WebSocket(url, {
          ...proxy.webSocketOptions(),
          handshakeTimeout: this.options.handshakeTimeoutMs ?? 10_000,
          maxPayload: MAX_MESSAGE_BYTES,
          perMessageDeflate: false,
        }) as unknown as globalThis.WebSocket,
      protocol: { delta: false },
      suspendOnClose: false,
    });
  }
}

/** Closes the Engine session; enigma.js throws synchronously for a session whose socket never opened. */
async function closeQuietly(engine: EnigmaJS.Session | undefined): Promise<void> {
  try {
    await engine?.close();
  } catch {
    // Never opened, or already closed: nothing left to close.
  }
}

/** Selects the values of one field (by text, replacing any earlier selection in it); a field or value it lacks fails. */
async function select(doc: EngineDoc, selection: Selection, appId: string): Promise<void> {
  const field = await doc.getField(selection.field);
  const selected = await field.selectValues(
    selection.values.map((qText) => ({ qText, qIsNumeric: false })),
    false,
    false,
  );
  if (!selected) {
    throw new ExtractionError(
      'ENGINE-SELECTION-FAILED',
      `None of the values given for the field '${selection.field}' could be selected in the app ${appId}. Check the values (they are matched by their text, as shown in Qlik).`,
      false,
    );
  }
}

/** The object's straight-table hypercube as CSV: a header row of dimension and measure labels, then every row. */
async function tableAsCsv(
  object: EngineObject,
  layout: ObjectLayout,
  execution: ExecutionRecord,
  signal: AbortSignal,
): Promise<Uint8Array> {
  const cube = layout.qHyperCube;
  const errorCode = layout.qError?.qErrorCode ?? cube?.qError?.qErrorCode;
  if (errorCode !== undefined)
    throw Object.assign(new Error('The object reports a calculation error'), { code: errorCode });
  if (!cube) {
    throw new ExtractionError(
      'ENGINE-NO-DATA-TABLE',
      `The object ${execution.objectId} has no data table (no hypercube), so its data cannot be extracted. Pick a table or chart.`,
      false,
    );
  }
  if (cube.qMode !== undefined && cube.qMode !== 'S') {
    throw new ExtractionError(
      'ENGINE-PIVOT-TABLE',
      `The object ${execution.objectId} is a pivot table; only straight tables and charts can be extracted as data for now.`,
      false,
    );
  }
  const width = cube.qSize.qcx;
  const labels = [...cube.qDimensionInfo, ...cube.qMeasureInfo].map((info) => info.qFallbackTitle ?? '');
  const chunks: Buffer[] = [Buffer.from(csvRecord(Array.from({ length: width }, (_, i) => labels[i] ?? '')))];
  let size = chunks[0]!.length;
  const pageRows = Math.max(1, Math.floor(ENGINE_PAGE_CELLS / Math.max(1, width)));
  for (let top = 0; top < cube.qSize.qcy && width > 0; top += pageRows) {
    signal.throwIfAborted();
    const [page] = await object.getHyperCubeData('/qHyperCubeDef', [
      { qTop: top, qLeft: 0, qWidth: width, qHeight: Math.min(pageRows, cube.qSize.qcy - top) },
    ]);
    const text = (page?.qMatrix ?? [])
      .map((row) => csvRecord(row.map((cell) => (cell.qIsNull ? null : (cell.qText ?? null)))))
      .join('');
    const chunk = Buffer.from(text);
    size += chunk.length;
    if (size > MAX_CSV_BYTES) {
      throw new ExtractionError(
        'RESULT-TOO-LARGE',
        `The data of ${execution.objectId} exceeds ${MAX_CSV_BYTES / 1024 / 1024} MiB as CSV. Narrow it down with selections.`,
        false,
      );
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
