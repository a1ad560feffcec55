import { describe, expect, it } from 'vitest';
import { ExtractionError } from '#lib/executions/extractor.ts';
import { DestinationRefusedError } from '#lib/qlik/destination-policy.ts';
import { engineExtractionError, type EngineStep } from '#lib/qlik/onprem/engine-errors.ts';
import { ProxySessionError } from '#lib/qlik/onprem/proxy-session.ts';

const at: EngineStep = { step: 'open-app', appId: 'app-1', objectId: 'obj-1', account: 'INTERNAL\\sa_kpimailer' };
const live = new AbortController().signal;
/** What enigma.js rejects with for an Engine JSON-RPC error. */
const engineError = (code: number, message = 'engine text <script>') =>
  Object.assign(new Error(message), { code, parameter: 'p' });

describe('Engine API failures as extraction errors', () => {
  it.each([
    [5, false, /read access/],
    [1003, false, /Check the app ID/],
    [6001, false, /too large/],
    [7005, false, /calculation condition/],
    [7004, true, /tried again/],
    [5006, true, /busy/],
    [15, true, /aborted/],
    [-32602, false, /JSON-RPC error -32602/],
    [424242, true, /error 424242/],
  ])('maps engine error %i to retryable=%s with a message that says what to do', (code, retryable, message) => {
    const error = engineExtractionError(engineError(code), at, live);
    expect(error).toMatchObject({ code: `ENGINE-${code}`, retryable });
    expect(error.message).toMatch(message);
    // Nothing the engine sent as text is repeated.
    expect(error.message).not.toContain('<script>');
  });

  it('names a missing object or field from enigma.js\'s "object not found"', () => {
    const missing = Object.assign(new Error('Object not found'), { code: -2 });
    expect(engineExtractionError(missing, { ...at, step: 'get-object' }, live)).toMatchObject({
      code: 'ENGINE-OBJECT-NOT-FOUND',
      retryable: false,
    });
    expect(engineExtractionError(missing, { ...at, step: 'select', field: 'Region' }, live)).toMatchObject({
      code: 'ENGINE-FIELD-NOT-FOUND',
      retryable: false,
    });
  });

  it('retries a timed-out extraction, whatever the socket said', () => {
    const controller = new AbortController();
    controller.abort();
    expect(
      engineExtractionError(Object.assign(new Error('Socket closed'), { code: -1 }), at, controller.signal),
    ).toMatchObject({ code: 'EXTRACTION-TIMEOUT', retryable: true });
  });

  it('tells a refused WebSocket upgrade, a refused destination and a broken proxy session apart', () => {
    expect(engineExtractionError(new Error('Unexpected server response: 401'), at, live)).toMatchObject({
      code: 'ENGINE-SESSION-REFUSED',
      retryable: true,
    });
    expect(engineExtractionError(new Error('connect ECONNRESET'), at, live)).toMatchObject({
      code: 'ENGINE-UNREACHABLE',
      retryable: true,
    });
    expect(
      engineExtractionError(new DestinationRefusedError('KPImailer does not connect to 169.254.169.254'), at, live),
    ).toMatchObject({ code: 'DESTINATION-REFUSED', retryable: false });
    expect(engineExtractionError(new ProxySessionError('certificate-refused', 'refused'), at, live)).toMatchObject({
      code: 'PROXY-CERTIFICATE-REFUSED',
      retryable: false,
    });
    expect(engineExtractionError(new ProxySessionError('proxy-not-serving', 'not yet'), at, live)).toMatchObject({
      code: 'PROXY-PROXY-NOT-SERVING',
      retryable: true,
    });
  });

  it('passes an ExtractionError through unchanged', () => {
    const own = new ExtractionError('ENGINE-SELECTION-FAILED', 'none', false);
    expect(engineExtractionError(own, at, live)).toBe(own);
  });
});
