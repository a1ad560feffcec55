/**
 * The simulated Qlik Sense Engine Service (QES) behind the proxy: the Engine API (JSON-RPC 2.0 over a WebSocket) for
 * `wss://<proxy>/<prefix>/app/<appId>` upgrades the proxy authenticated (proxy-service.ts). It answers the calls a
 * data extraction makes: Global.OpenDoc, Doc.GetObject, Doc.GetField, Field.SelectValues, GenericObject.GetLayout and
 * GenericObject.GetHyperCubeData, with Qlik's error codes (qlik.dev, "Qlik Sense Engine (qix)" errors).
 *
 * Strict where Qlik does not document its behaviour, and said so below. Every request that breaks JSON-RPC or a
 * method's parameters is answered with the JSON-RPC error and listed in `protocolViolations` (the simulator's
 * `close()` fails while any are listed).
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { selectedRows, type EngineApp, type EngineSite } from './engine-model.ts';
import type { ProxySession } from './proxy-state.ts';

/** Qlik documents the maximum of an NxPage as 10,000 cells (qWidth x qHeight); more is LOCERR_HC_RESULT_TOO_LARGE. */
export const MAX_PAGE_CELLS = 10_000;

class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly parameter = '',
  ) {
    super(message);
  }
}
const invalidParams = (why: string) => new RpcError(-32602, 'Invalid params', why);

type HandleTarget = { type: 'Doc' } | { type: 'GenericObject'; id: string } | { type: 'Field'; name: string };

/** One Engine session: the handles it gave out and the selections made in its app. */
interface EngineConnection {
  socket: WebSocket;
  session: ProxySession;
  appId: string;
  doc: EngineApp | null;
  handles: Map<number, HandleTarget>;
  selections: Map<string, Set<string>>;
  nextHandle: number;
  /** Stops counting it as work in flight (once). */
  end: () => void;
}

export interface SimulatedEngine {
  /** What `proxy.onEngineUpgrade` calls. */
  upgrade(req: IncomingMessage, socket: Socket, head: Buffer, session: ProxySession, appId: string): void;
  /** Closes every Engine connection of a proxy session (the Proxy Service API's "Delete session" tears them down). */
  endSession(sessionId: string): void;
  close(): void;
}

export function startEngineService(site: EngineSite): SimulatedEngine {
  const server = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const open = new Set<EngineConnection>();

  function attach(socket: WebSocket, session: ProxySession, appId: string): void {
    let ended = false;
    const connection: EngineConnection = {
      socket,
      session,
      appId,
      doc: null,
      handles: new Map(),
      selections: new Map(),
      nextHandle: 1,
      end: () => {
        if (ended) return;
        ended = true;
        open.delete(connection);
        site.sessionEnded();
      },
    };
    open.add(connection);
    site.sessionStarted();
    socket.on('close', connection.end);
    socket.on('error', connection.end);
    // Qlik's engine greets every new session with this notification (documented for enigma.js's `notification:*`).
    socket.send(
      JSON.stringify({ jsonrpc: '2.0', method: 'OnConnected', params: { qSessionState: 'SESSION_CREATED' } }),
    );
    // Requests are answered in order, one at a time, as a session's requests are here (the client awaits each).
    let queue = Promise.resolve();
    socket.on('message', (data: RawData) => {
      queue = queue.then(() => answer(connection, data)).catch(() => undefined);
    });
  }

  async function answer(connection: EngineConnection, data: RawData): Promise<void> {
    let id: unknown = null;
    let reply: Record<string, unknown>;
    try {
      let request: Record<string, unknown>;
      try {
        request = JSON.parse(data.toString()) as Record<string, unknown>;
      } catch {
        throw new RpcError(-32700, 'Parse error');
      }
      id = request.id ?? null;
      checkEnvelope(request);
      site.calls.push({ method: String(request.method), params: request.params });
      if (site.latencyMs > 0) await sleep(site.latencyMs);
      reply = {
        jsonrpc: '2.0',
        id,
        result: call(connection, request.handle as number, request.method as string, request.params),
      };
    } catch (error) {
      const failure = error instanceof RpcError ? error : new RpcError(-128, 'Internal error');
      if (failure.code <= -32600) site.protocolViolations.push(`${failure.message}: ${failure.parameter}`);
      reply = {
        jsonrpc: '2.0',
        id,
        error: { code: failure.code, parameter: failure.parameter, message: failure.message },
      };
    }
    if (connection.socket.readyState === connection.socket.OPEN) connection.socket.send(JSON.stringify(reply));
  }

  /** JSON-RPC 2.0 as the Engine API takes it: `jsonrpc`, a numeric `id`, `method`, a numeric `handle`, `params`. */
  function checkEnvelope(request: Record<string, unknown>): void {
    if (request.jsonrpc !== '2.0') throw new RpcError(-32600, 'Invalid Request', 'jsonrpc must be "2.0"');
    if (!Number.isInteger(request.id)) throw new RpcError(-32600, 'Invalid Request', 'id must be an integer');
    if (typeof request.method !== 'string' || !request.method)
      throw new RpcError(-32600, 'Invalid Request', 'method must be a string');
    if (!Number.isInteger(request.handle)) throw new RpcError(-32600, 'Invalid Request', 'handle must be an integer');
    if (request.params !== undefined && typeof request.params !== 'object')
      throw new RpcError(-32600, 'Invalid Request', 'params must be an array or an object');
    // The delta protocol (JSON-Patch answers) is not simulated; the service switches it off.
    if (request.delta === true) throw new RpcError(-32600, 'Invalid Request', 'delta is not simulated');
  }

  /** Positional (array) or named (object) parameters, as the Engine API accepts both. */
  function param(params: unknown, index: number, name: string): unknown {
    if (Array.isArray(params)) return params[index];
    return params && typeof params === 'object' ? (params as Record<string, unknown>)[name] : undefined;
  }
  function stringParam(params: unknown, index: number, name: string, optional = false): string | undefined {
    const value = param(params, index, name);
    if (value === undefined && optional) return undefined;
    if (typeof value !== 'string') throw invalidParams(`${name} must be a string`);
    return value;
  }

  function call(connection: EngineConnection, handle: number, method: string, params: unknown): unknown {
    if (handle === -1) {
      if (method !== 'OpenDoc') throw new RpcError(-32601, 'Method not found', `Global.${method} is not simulated`);
      return openDoc(connection, params);
    }
    const target = connection.handles.get(handle);
    // Undocumented: the answer to an unknown handle. Strict here: a JSON-RPC invalid-params error.
    if (!target) throw invalidParams(`no object with handle ${handle}`);
    const app = connection.doc!;
    switch (`${target.type}.${method}`) {
      case 'Doc.GetObject': {
        const id = stringParam(params, 0, 'qId')!;
        // enigma.js documents this quirk: the engine answers a missing object with null handle and type, not an error.
        if (!app.objects.has(id))
          return { qReturn: { qType: null, qHandle: null, qGenericType: null, qGenericId: null } };
        return {
          qReturn: newHandle(connection, { type: 'GenericObject', id }, 'GenericObject', app.objects.get(id)!.type, id),
        };
      }
      case 'Doc.GetField': {
        const name = stringParam(params, 0, 'qFieldName')!;
        stringParam(params, 1, 'qStateName', true);
        // Undocumented: GetField of a field the app lacks. Strict here, as for GetObject: a null handle.
        if (!site.fieldValues(app, name))
          return { qReturn: { qType: null, qHandle: null, qGenericType: null, qGenericId: null } };
        return { qReturn: newHandle(connection, { type: 'Field', name }, 'Field', null, null) };
      }
      case 'Field.SelectValues':
        return { qReturn: selectValues(connection, (target as { name: string }).name, params) };
      case 'GenericObject.GetLayout':
        return { qLayout: layoutOf(connection, (target as { id: string }).id) };
      case 'GenericObject.GetHyperCubeData':
        return { qDataPages: hyperCubeData(connection, (target as { id: string }).id, params) };
      default:
        throw new RpcError(-32601, 'Method not found', `${target.type}.${method} is not simulated`);
    }
  }

  function openDoc(connection: EngineConnection, params: unknown): unknown {
    const appId = stringParam(params, 0, 'qDocName')!;
    // Undocumented: OpenDoc of another app than the one in the proxy URL. Strict here: refused.
    if (appId !== connection.appId)
      throw invalidParams(`qDocName ${appId} is not the app of this session (${connection.appId})`);
    if (connection.doc) throw new RpcError(1002, 'App already open');
    const app = site.apps.get(appId);
    if (!app) throw new RpcError(1003, 'App not found');
    if (app.deniedTo.has(`${connection.session.userDirectory}\\${connection.session.userId}`.toLowerCase()))
      throw new RpcError(5, 'Access denied');
    connection.doc = app;
    return { qReturn: newHandle(connection, { type: 'Doc' }, 'Doc', null, appId) };
  }

  function newHandle(
    connection: EngineConnection,
    target: HandleTarget,
    qType: string,
    qGenericType: string | null,
    qGenericId: string | null,
  ) {
    const qHandle = connection.nextHandle++;
    connection.handles.set(qHandle, target);
    return { qType, qHandle, qGenericType, qGenericId };
  }

  function selectValues(connection: EngineConnection, field: string, params: unknown): boolean {
    const values = param(params, 0, 'qFieldValues');
    if (
      !Array.isArray(values) ||
      values.some((v) => !v || typeof v !== 'object' || typeof (v as { qText?: unknown }).qText !== 'string')
    ) {
      throw invalidParams('qFieldValues must be an array of FieldValue with qText');
    }
    for (const [index, name] of [
      [1, 'qToggleMode'],
      [2, 'qSoftLock'],
    ] as const) {
      const flag = param(params, index, name);
      if (flag !== undefined && typeof flag !== 'boolean') throw invalidParams(`${name} must be a boolean`);
    }
    const known = site.fieldValues(connection.doc!, field)!;
    const matched = new Set((values as Array<{ qText: string }>).map((v) => v.qText).filter((text) => known.has(text)));
    // Undocumented: SelectValues where no value matches. Strict here: false, and the earlier selection stays.
    if (matched.size === 0) return false;
    connection.selections.set(field, matched);
    return true;
  }

  function layoutOf(connection: EngineConnection, id: string): unknown {
    const object = connection.doc!.objects.get(id)!;
    const base = {
      qInfo: { qId: id, qType: object.type },
      ...(object.layoutErrorCode ? { qError: { qErrorCode: object.layoutErrorCode } } : {}),
    };
    if (!object.table) return base;
    const table = object.table;
    return {
      ...base,
      qHyperCube: {
        qSize: {
          qcx: table.dimensions.length + table.measures.length,
          qcy: selectedRows(table, connection.selections).length,
        },
        qDimensionInfo: table.dimensions.map((qFallbackTitle) => ({ qFallbackTitle })),
        qMeasureInfo: table.measures.map((qFallbackTitle) => ({ qFallbackTitle })),
        qMode: object.type === 'pivot' ? 'P' : 'S',
      },
    };
  }

  function hyperCubeData(connection: EngineConnection, id: string, params: unknown): unknown {
    const path = stringParam(params, 0, 'qPath');
    const pages = param(params, 1, 'qPages');
    if (path !== '/qHyperCubeDef') throw invalidParams(`qPath ${path} is not a hypercube of this object`);
    const fields = ['qTop', 'qLeft', 'qWidth', 'qHeight'] as const;
    if (
      !Array.isArray(pages) ||
      pages.length === 0 ||
      pages.some(
        (p) =>
          !p ||
          fields.some(
            (f) =>
              !Number.isInteger((p as Record<string, unknown>)[f]) || ((p as Record<string, number>)[f] as number) < 0,
          ),
      )
    ) {
      throw invalidParams('qPages must be NxPage objects with non-negative integer qTop, qLeft, qWidth and qHeight');
    }
    const object = connection.doc!.objects.get(id)!;
    if (!object.table || object.type !== 'table') throw new RpcError(6000, 'Invalid hypercube object');
    const cells = (pages as Array<{ qWidth: number; qHeight: number }>).reduce(
      (sum, p) => sum + p.qWidth * p.qHeight,
      0,
    );
    if (cells > MAX_PAGE_CELLS) throw new RpcError(6001, 'Result too large');
    const rows = selectedRows(object.table, connection.selections);
    return (pages as Array<{ qTop: number; qLeft: number; qWidth: number; qHeight: number }>).map((page) => {
      const slice = rows
        .slice(page.qTop, page.qTop + page.qHeight)
        .map((row) =>
          row
            .slice(page.qLeft, page.qLeft + page.qWidth)
            .map((text) =>
              text === null ? { qText: '-', qNum: 'NaN', qIsNull: true } : { qText: text, qIsNull: false },
            ),
        );
      return {
        qMatrix: slice,
        qTails: [],
        qArea: { qLeft: page.qLeft, qTop: page.qTop, qWidth: slice[0]?.length ?? 0, qHeight: slice.length },
      };
    });
  }

  return {
    upgrade: (req, socket, head, session, appId) =>
      server.handleUpgrade(req, socket, head, (ws) => attach(ws, session, appId)),
    endSession: (sessionId) => {
      for (const connection of open) {
        if (connection.session.sessionId !== sessionId) continue;
        connection.end();
        connection.socket.terminate();
      }
    },
    close: () => {
      for (const connection of open) connection.socket.terminate();
      server.close();
    },
  };
}
