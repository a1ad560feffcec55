/**
 * Why a session through the virtual proxy could not be opened, in sentences an admin can act on. Nothing Qlik
 * answered is repeated (statuses and our own names only), and never the ticket or the session id.
 */
import type { OnPremConnection } from '#lib/connection-test/connection-types.ts';
import { QrsConnectionError, QrsRequestError } from '#lib/qlik/onprem/qrs-errors.ts';

export type ProxySessionProblem =
  /** No connection to the Proxy Service API (`proxyApiPort`): refused, timed out, no route, DNS. */
  | 'proxy-api-unreachable'
  /** The Proxy Service API's server certificate failed the trust checks. */
  | 'proxy-api-tls'
  /** The Proxy Service API refused the client certificate. */
  | 'certificate-refused'
  /** The Proxy Service API refused a ticket for this user. */
  | 'user-refused'
  /** The Proxy Service API does not serve the virtual proxy's prefix (missing, not linked, or not applied yet). */
  | 'virtual-proxy-unknown'
  /** No connection to the proxy at the Server URL. */
  | 'proxy-unreachable'
  /** The proxy did not turn the ticket into a session (it does not serve the prefix by ticket, or not yet). */
  | 'proxy-not-serving'
  /** The proxy's session belongs to someone else than the service account. */
  | 'wrong-user'
  /** The caller gave up (the check's time ran out). */
  | 'aborted'
  | 'unexpected';

export class ProxySessionError extends Error {
  override readonly name = 'ProxySessionError';
  constructor(
    readonly problem: ProxySessionProblem,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** Problems a virtual proxy that Qlik is still applying shows; worth another try a moment later. */
  get mayBeApplying(): boolean {
    return this.problem === 'virtual-proxy-unknown' || this.problem === 'proxy-not-serving';
  }
}

const account = (c: OnPremConnection) => `${c.userDirectory}\\${c.serviceAccountUser}`;
const UNREACHABLE = new Set(['refused', 'timeout', 'unreachable', 'dns', 'reset']);
const REASONS: Record<string, string> = {
  refused: 'connection refused',
  timeout: 'no answer in time',
  unreachable: 'no network route',
  dns: 'the host name did not resolve',
  reset: 'the connection closed without an answer',
};

/** A failed `POST /qps/<prefix>/ticket`. */
export function ticketError(
  error: unknown,
  at: { connection: OnPremConnection; prefix: string; port: number },
): ProxySessionError {
  const { connection, prefix, port } = at;
  const where = `the Qlik Proxy Service API (port ${port}, the proxyApiPort setting)`;
  if (error instanceof QrsConnectionError) {
    if (error.problem === 'aborted')
      return new ProxySessionError('aborted', `Asking ${where} for a ticket was cancelled.`, { cause: error });
    if (UNREACHABLE.has(error.problem)) {
      return new ProxySessionError(
        'proxy-api-unreachable',
        `Could not reach ${where} on ${error.details.host}:${port}: ${REASONS[error.problem]}. Check that proxyApiPort is the Qlik Proxy Service API port (Qlik's default is 4243) and that the Qlik admin opened port ${port} from KPImailer to Qlik.`,
        { cause: error },
      );
    }
    if (error.problem === 'client-certificate-rejected') {
      return new ProxySessionError(
        'certificate-refused',
        `${capital(where)} refused the client certificate during the TLS handshake. ${EXPORT_HINT}`,
        { cause: error },
      );
    }
    return new ProxySessionError('proxy-api-tls', `${capital(where)}: ${error.message}`, { cause: error });
  }
  if (error instanceof QrsRequestError) {
    if (error.status === 401 || error.status === 403) {
      return new ProxySessionError(
        'certificate-refused',
        `${capital(where)} refused a ticket for ${account(connection)} (HTTP ${error.status}): it does not trust the client certificate. ${EXPORT_HINT}`,
        { cause: error },
      );
    }
    if (error.status === 400) {
      return new ProxySessionError(
        'user-refused',
        `${capital(where)} refused a ticket for the user ${account(connection)} (HTTP 400). Check the user directory and service account user.`,
        { cause: error },
      );
    }
    if (error.status === 404) {
      return new ProxySessionError(
        'virtual-proxy-unknown',
        `${capital(where)} does not serve the virtual proxy '${prefix}' (HTTP 404): it is not linked to that node's proxy, or Qlik has not applied it yet. If port ${port} is not the Proxy Service API, correct proxyApiPort (Qlik's default is 4243).`,
        { cause: error },
      );
    }
    return new ProxySessionError(
      'unexpected',
      `${capital(where)} answered HTTP ${error.status} to a ticket request for ${account(connection)}.`,
      { cause: error },
    );
  }
  return new ProxySessionError(
    'unexpected',
    `Asking ${where} for a ticket failed: ${error instanceof Error ? error.message : String(error)}`,
    { cause: error },
  );
}

export type ProxyAnswer =
  | { kind: 'connection'; error: QrsConnectionError }
  | { kind: 'status'; status: number }
  | { kind: 'redirect'; offOrigin: boolean }
  | { kind: 'no-session' }
  | { kind: 'wrong-user' };

/** What went wrong redeeming the ticket at `<Server URL>/<prefix>/` or proving the session. */
export function proxyAnswerError(
  answer: ProxyAnswer,
  at: { connection: OnPremConnection; prefix: string; origin: string },
): ProxySessionError {
  const door = `Qlik's proxy at ${at.origin}/${at.prefix}/`;
  switch (answer.kind) {
    case 'connection': {
      const { error } = answer;
      if (error.problem === 'aborted')
        return new ProxySessionError('aborted', `Opening a session through ${door} was cancelled.`, { cause: error });
      const reason = UNREACHABLE.has(error.problem)
        ? `${REASONS[error.problem]}. Check the Server URL and that the Qlik admin opened port ${error.details.port} from KPImailer to the proxy`
        : error.message;
      return new ProxySessionError('proxy-unreachable', `Could not reach ${door}: ${reason}`.replace(/\.?$/, '.'), {
        cause: error,
      });
    }
    case 'status':
      return new ProxySessionError(
        'proxy-not-serving',
        `${door} answered HTTP ${answer.status} when KPImailer redeemed its ticket: the proxy does not serve the virtual proxy '${at.prefix}' with ticket authentication (yet).`,
      );
    case 'redirect':
      return new ProxySessionError(
        'proxy-not-serving',
        answer.offOrigin
          ? `${door} redirected the ticket to another site instead of opening a session: the virtual proxy does not authenticate by ticket (yet).`
          : `${door} kept redirecting instead of opening a session.`,
      );
    case 'no-session':
      return new ProxySessionError(
        'proxy-not-serving',
        `${door} did not open a session for the ticket: it does not authenticate the virtual proxy '${at.prefix}' by ticket (yet).`,
      );
    case 'wrong-user':
      return new ProxySessionError(
        'wrong-user',
        `A session opened through ${door} with a ticket for ${account(at.connection)} belongs to another user. Check the virtual proxy's authentication settings in the QMC (ticket authentication, no session module).`,
      );
  }
}

const EXPORT_HINT = "Export the client certificate from this site's QMC (with the secret key) and upload that .pfx.";
const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
