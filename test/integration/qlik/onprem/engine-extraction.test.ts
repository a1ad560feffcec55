/**
 * The Engine API path on its own, against the Qlik Sense simulator over real TLS: the extraction closes its sessions
 * when the worker's time limit aborts it mid-call, and the simulated engine and proxy refuse what Qlik refuses (no
 * session cookie, an Origin outside the host allow list, JSON-RPC that breaks the protocol, a page over 10,000 cells).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ExecutionRecord } from '#lib/executions/execution-types.ts';
import { ExtractionError } from '#lib/executions/extractor.ts';
import { EngineDataExtraction } from '#lib/qlik/onprem/engine-extraction.ts';
import { openProxySession, type ProxySession } from '#lib/qlik/onprem/proxy-session.ts';
import {
  generatedTable,
  startQlikSenseSimulator,
  type QlikSenseSimulator,
} from '#test/simulators/qlik-sense-enterprise/index.ts';

const APP = '3a6c7f2e-1b2c-4d5e-8f90-123456789abc';
let sim: QlikSenseSimulator;

const execution = (overrides: Partial<ExecutionRecord> = {}): ExecutionRecord => ({
  executionId: 'e1',
  serverId: 'onprem',
  appId: APP,
  kind: 'data',
  objectId: 'sales-table',
  sheetId: null,
  selections: [],
  status: 'running',
  queuedAt: '',
  startedAt: null,
  finishedAt: null,
  attempts: 1,
  error: null,
  result: null,
  ...overrides,
});

/** A raw WebSocket through the proxy, so a test can send what the service never sends. */
function rawSocket(
  session: ProxySession | null,
  headers: Record<string, string> = {},
): Promise<{ socket?: WebSocket; status?: number }> {
  const options = session ? session.webSocketOptions() : { ca: [sim.caPem], servername: sim.machineName, headers: {} };
  const socket = new WebSocket(`${sim.proxy.url.replace('https:', 'wss:')}/kpimailer/app/${APP}`, {
    ...options,
    headers: { ...options.headers, ...headers },
  });
  return new Promise((resolve) => {
    socket.once('open', () => resolve({ socket }));
    socket.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode }));
  });
}

/** Sends one JSON-RPC message and resolves with the first answer that carries an id. */
function rpc(socket: WebSocket, message: unknown): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const answer = JSON.parse(data.toString()) as Record<string, unknown>;
      if (!('id' in answer)) return;
      socket.off('message', onMessage);
      resolve(answer);
    };
    socket.on('message', onMessage);
    socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  });
}

beforeAll(async () => {
  sim = await startQlikSenseSimulator();
  sim.state.addVirtualProxy(
    {
      prefix: 'kpimailer',
      sessionCookieHeaderName: 'X-Qlik-Session-kpimailer',
      authenticationMethod: 0,
      websocketCrossOriginWhiteList: ['127.0.0.1'],
    },
    { linkToAllProxyServices: true },
  );
  sim.engine.addApp(APP, { 'sales-table': { type: 'table', table: generatedTable(100) } });
});
afterAll(async () => sim?.close());
beforeEach(() => {
  sim.engine.latencyMs = 0;
});

describe('on-premise Engine extraction', () => {
  it('closes the Engine and proxy sessions when its time limit aborts it mid-call', async () => {
    // Prepare: the engine takes far longer than the limit.
    sim.engine.latencyMs = 30_000;
    const extraction = new EngineDataExtraction(sim.connection());

    // Act
    const error = await extraction.extract(execution(), AbortSignal.timeout(4_000)).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ExtractionError);
    expect(error).toMatchObject({ code: 'EXTRACTION-TIMEOUT', retryable: true });
    await sim.engine.whenIdle();
    expect(sim.engine.inFlight).toBe(0);
    expect(sim.proxy.state.sessions.size).toBe(0);
  });

  it('opens the Engine WebSocket only through the destination policy, like every Qlik connection', async () => {
    // Prepare: a session opened while loopback is allowed, then the policy refuses loopback.
    const session = await openProxySession(sim.connection());
    const opened = sim.engine.sessionsOpened;
    process.env.KPIMAILER_ALLOW_LOOPBACK_QLIK = 'false';
    try {
      const extraction = new EngineDataExtraction(sim.connection(), { openSession: async () => session });

      // Act
      const error = await extraction.extract(execution(), AbortSignal.timeout(10_000)).catch((e: unknown) => e);

      // Assess
      expect(error).toMatchObject({ code: 'DESTINATION-REFUSED', retryable: false });
      expect((error as Error).message).toMatch(/loopback/);
      expect(sim.engine.sessionsOpened).toBe(opened);
    } finally {
      process.env.KPIMAILER_ALLOW_LOOPBACK_QLIK = 'true';
      await session.close();
    }
  });

  it('is refused by the proxy without the session cookie, or from an Origin outside the host allow list', async () => {
    const session = await openProxySession(sim.connection());
    try {
      expect((await rawSocket(null)).status).toBe(401);
      expect((await rawSocket(session, { Origin: 'https://attacker.example' })).status).toBe(403);
    } finally {
      await session.close();
    }
  });

  it('answers JSON-RPC that breaks the protocol with its error, and a page over 10,000 cells with LOCERR_HC_RESULT_TOO_LARGE', async () => {
    const session = await openProxySession(sim.connection());
    const { socket } = await rawSocket(session);
    try {
      expect(await rpc(socket!, '{not json')).toMatchObject({ error: { code: -32700 } });
      expect(await rpc(socket!, { jsonrpc: '2.0', id: 1, method: 'OpenDoc', params: [APP] })).toMatchObject({
        id: 1,
        error: { code: -32600 },
      });
      expect(await rpc(socket!, { jsonrpc: '2.0', id: 2, handle: -1, method: 'GetDocList', params: [] })).toMatchObject(
        { id: 2, error: { code: -32601 } },
      );
      const doc = await rpc(socket!, { jsonrpc: '2.0', id: 3, handle: -1, method: 'OpenDoc', params: [APP] });
      const docHandle = (doc.result as { qReturn: { qHandle: number } }).qReturn.qHandle;
      const object = await rpc(socket!, {
        jsonrpc: '2.0',
        id: 4,
        handle: docHandle,
        method: 'GetObject',
        params: { qId: 'sales-table' },
      });
      const handle = (object.result as { qReturn: { qHandle: number } }).qReturn.qHandle;
      const tooLarge = await rpc(socket!, {
        jsonrpc: '2.0',
        id: 5,
        handle,
        method: 'GetHyperCubeData',
        params: ['/qHyperCubeDef', [{ qTop: 0, qLeft: 0, qWidth: 4, qHeight: 2_501 }]],
      });
      const largest = await rpc(socket!, {
        jsonrpc: '2.0',
        id: 6,
        handle,
        method: 'GetHyperCubeData',
        params: ['/qHyperCubeDef', [{ qTop: 0, qLeft: 0, qWidth: 4, qHeight: 2_500 }]],
      });

      expect(tooLarge).toMatchObject({ id: 5, error: { code: 6001 } });
      expect(largest).toMatchObject({ id: 6, result: { qDataPages: [{ qArea: { qWidth: 4, qHeight: 100 } }] } });
    } finally {
      socket?.close();
      await session.close();
      // The violations were sent on purpose.
      sim.engine.protocolViolations.length = 0;
    }
  });
});
