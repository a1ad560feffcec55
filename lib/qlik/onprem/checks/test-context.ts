/**
 * What the five on-premise checks share: the connection, one QRS client (one TLS session for the whole test), the
 * proxy session opener, and what earlier checks learned, so later ones need no extra round trip (the `/qrs/about` answer serves
 * both "Server reachable" and "Authentication"; `/qrs/user/full` serves "User exists" and "RootAdmin").
 */
import type { OnPremConnection } from '#lib/connection-test/connection-types.ts';
import { CheckFailedError } from '#lib/connection-test/check-ladder.ts';
import type { ProxySessions } from '#lib/qlik/onprem/proxy-session.ts';
import type { QrsClient } from '#lib/qlik/onprem/qrs-client.ts';
import type { SessionAttempt } from '#lib/qlik/onprem/checks/session-proof.ts';
import type { ProvisionedVirtualProxy } from '#lib/servers/server-record.ts';
import { QrsConnectionError, QrsRequestError } from '#lib/qlik/onprem/qrs-errors.ts';
import type { QrsAbout, QrsUser } from '#lib/qlik/onprem/qrs-types.ts';

export interface OnPremTestContext {
  connection: OnPremConnection;
  qrs: QrsClient;
  /** The answer to `GET /qrs/about`: the document, or the HTTP/TLS refusal that Authentication explains. */
  about?: { ok: true; about: QrsAbout } | { ok: false; error: QrsRequestError | QrsConnectionError };
  user?: QrsUser;
  virtualProxy?: ProvisionedVirtualProxy;
  /** Sessions through the virtual proxy ("Virtual proxy ready" proves one). */
  session: {
    sessions: ProxySessions;
    /** Sessions being closed; the test waits for them before it ends. */
    closing: Promise<void>[];
    /** The attempt started with the test, side by side with the QRS checks. */
    early?: Promise<SessionAttempt>;
    applyWaitMs?: number;
  };
}

/** `INTERNAL\sa_api`, the way the QMC shows users. */
export const accountName = (connection: OnPremConnection) =>
  `${connection.userDirectory}\\${connection.serviceAccountUser}`;

/** A failed QRS call turned into a check failure that says what was being done. */
export function qrsFailure(error: unknown, doing: string): CheckFailedError {
  if (error instanceof QrsConnectionError)
    return new CheckFailedError(`Could not ${doing}: ${error.message}`, { cause: error });
  if (error instanceof QrsRequestError) {
    const hint =
      error.status === 403
        ? ' The service account may lack the rights for this call; it needs the RootAdmin role.'
        : error.status >= 500
          ? ' The Qlik Sense Repository Service reported an internal error; check its logs and test again.'
          : '';
    return new CheckFailedError(`Could not ${doing}: ${error.message}.${hint}`, { cause: error });
  }
  if (error instanceof CheckFailedError) return error;
  return new CheckFailedError(`Could not ${doing}: ${error instanceof Error ? error.message : String(error)}`, {
    cause: error,
  });
}
