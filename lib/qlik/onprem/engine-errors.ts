/**
 * Engine API failures of an on-premise data extraction as sentences that say what to do, and whether another attempt
 * may help (as the Qlik Cloud path does with `REP-*` codes). Engine errors are JSON-RPC errors whose numeric codes are
 * Qlik's (qlik.dev, "Qlik Sense Engine (qix)" errors; the engine's own names in comments). Nothing the engine sent as
 * text (`message`, `parameter`) is repeated: only its code and our own names.
 */
import { ExtractionError } from '#lib/executions/extractor.ts';
import { destinationRefusalOf } from '#lib/qlik/destination-policy.ts';
import { ProxySessionError } from '#lib/qlik/onprem/proxy-session-errors.ts';

interface EngineMeaning {
  message: string;
  retryable: boolean;
}

/** What the extraction was doing when the engine answered: the message names it. */
export interface EngineStep {
  step: 'open-app' | 'get-object' | 'select' | 'layout' | 'data';
  appId: string;
  objectId?: string;
  field?: string;
  /** `DIRECTORY\user`, the account the sessions run as. */
  account: string;
}

/** enigma.js's own codes (enigma.js/error-codes): the socket is gone, or the engine answered a missing object. */
const ENIGMA_NOT_CONNECTED = -1;
const ENIGMA_OBJECT_NOT_FOUND = -2;

function meaningOf(code: number, at: EngineStep): EngineMeaning {
  const app = `app ${at.appId}`;
  switch (code) {
    case 5: // LOCERR_GENERIC_ACCESS_DENIED
    case 403: // LOCERR_HTTP_403
    case 4000: // LOCERR_USER_ACCESS_DENIED
    case 3000: // LOCERR_FILE_ACCESS_DENIED
      return {
        message: `Qlik Sense denied ${at.account} access to ${app}. In the QMC, give the service account read access to the app (publish it to a stream the account may read, or add a security rule).`,
        retryable: false,
      };
    case 2: // LOCERR_GENERIC_NOT_FOUND
    case 1003: // LOCERR_APP_NOT_FOUND
      return {
        message: `Qlik Sense has no ${app} (or it was deleted). Check the app ID against the Qlik Repository.`,
        retryable: false,
      };
    case 6001: // LOCERR_HC_RESULT_TOO_LARGE: a page of 10,000 cells or more
      return { message: `The Qlik engine refused a data page of ${app} as too large.`, retryable: false };
    case 7005: // LOCERR_CALC_EVAL_CONDITION_FAILED
      return {
        message: `The object ${at.objectId ?? ''} of ${app} shows no data: its calculation condition is not fulfilled with these selections. Change the selections or the condition.`,
        retryable: false,
      };
    case 7003: // LOCERR_CALC_TOO_LARGE
      return {
        message: `The object ${at.objectId ?? ''} of ${app} is too large for the Qlik engine to calculate. Narrow it down with selections.`,
        retryable: false,
      };
    case 7002: // LOCERR_CALC_HEAP_ERROR
    case 7004: // LOCERR_CALC_TIMEOUT
    case 6: // LOCERR_GENERIC_OUT_OF_MEMORY
    case 19: // LOCERR_GENERIC_MEMORY_LIMIT_REACHED
      return {
        message: `The Qlik engine ran out of time or memory calculating ${app}; it is tried again. Lower Max parallel executions if this repeats.`,
        retryable: true,
      };
    case 5006: // LOCERR_SERVER_BUSY
      return {
        message: 'The Qlik engine is busy; it is tried again. Lower Max parallel executions if this repeats.',
        retryable: true,
      };
    case 15: // LOCERR_GENERIC_ABORTED (a reload of the app, for example)
    case 4003:
    case 4004: // the app was unloaded from the engine
      return {
        message: `The Qlik engine aborted the work on ${app} (a reload of the app, for example); it is tried again.`,
        retryable: true,
      };
    default:
      // JSON-RPC protocol errors (-32700..-32600) mean KPImailer sent something the engine does not take: no retry fixes it.
      if (code <= -32000)
        return {
          message: `The Qlik engine refused a request of the extraction (JSON-RPC error ${code}).`,
          retryable: false,
        };
      return { message: `The Qlik engine answered error ${code} for ${app}; it is tried again.`, retryable: true };
  }
}

/** Any failure of an on-premise data extraction as an ExtractionError. */
export function engineExtractionError(error: unknown, at: EngineStep, signal: AbortSignal): ExtractionError {
  if (error instanceof ExtractionError) return error;
  if (signal.aborted)
    return new ExtractionError(
      'EXTRACTION-TIMEOUT',
      `The extraction of ${at.appId} did not finish in time; it is tried again.`,
      true,
      { cause: error },
    );
  if (error instanceof ProxySessionError) return proxySessionFailed(error);
  const refused = destinationRefusalOf(error);
  if (refused) return new ExtractionError('DESTINATION-REFUSED', refused.message, false, { cause: error });
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'number') {
    if (code === ENIGMA_OBJECT_NOT_FOUND) {
      return at.step === 'select'
        ? new ExtractionError(
            'ENGINE-FIELD-NOT-FOUND',
            `The app ${at.appId} has no field '${at.field ?? ''}'. Check the selections.`,
            false,
            { cause: error },
          )
        : new ExtractionError(
            'ENGINE-OBJECT-NOT-FOUND',
            `The app ${at.appId} has no object ${at.objectId ?? ''} (or it was deleted). Check the object ID.`,
            false,
            { cause: error },
          );
    }
    if (code === ENIGMA_NOT_CONNECTED) return socketClosed(error, at);
    const meaning = meaningOf(code, at);
    return new ExtractionError(`ENGINE-${code}`, meaning.message, meaning.retryable, { cause: error });
  }
  return socketClosed(error, at);
}

/** The WebSocket did not open or closed under the extraction: the proxy refused the upgrade, or the network failed. */
function socketClosed(error: unknown, at: EngineStep): ExtractionError {
  const status = /Unexpected server response: (\d{3})/.exec(error instanceof Error ? error.message : '')?.[1];
  if (status === '401' || status === '403') {
    return new ExtractionError(
      'ENGINE-SESSION-REFUSED',
      `Qlik's proxy refused the Engine connection of ${at.account} (HTTP ${status}) through the kpimailer virtual proxy. Run Test connection on the server.`,
      true,
      { cause: error },
    );
  }
  if (status)
    return new ExtractionError(
      `ENGINE-HTTP-${status}`,
      `Qlik's proxy answered HTTP ${status} to the Engine connection for ${at.appId}; it is tried again.`,
      true,
      { cause: error },
    );
  const tls = (error as { code?: unknown } | null)?.code;
  if (typeof tls === 'string' && /CERT|SELF_SIGNED|HOSTNAME|ALTNAME/.test(tls)) {
    return new ExtractionError(
      'ENGINE-TLS',
      `The Qlik proxy's server certificate failed the trust checks (${tls}). Run Test connection on the server.`,
      false,
      { cause: error },
    );
  }
  return new ExtractionError(
    'ENGINE-UNREACHABLE',
    `The connection to the Qlik engine through the proxy was lost or could not be made; it is tried again.`,
    true,
    { cause: error },
  );
}

function proxySessionFailed(error: ProxySessionError): ExtractionError {
  // Unreachable, aborted or a proxy still applying its configuration may pass later; a refused certificate, user or
  // trust does not.
  const retryable =
    ['proxy-api-unreachable', 'proxy-unreachable', 'aborted', 'unexpected'].includes(error.problem) ||
    error.mayBeApplying;
  return new ExtractionError(`PROXY-${error.problem.toUpperCase()}`, error.message, retryable, { cause: error });
}
