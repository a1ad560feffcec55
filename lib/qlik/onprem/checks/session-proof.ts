/**
 * The proof behind "Virtual proxy ready": a session opened through the virtual proxy as the service account.
 *
 * The first attempt starts with the test, side by side with the QRS checks: a ticket needs no QRS answer, so on a
 * provisioned site the proof costs no extra wall time. When it fails the way a virtual proxy Qlik has not applied
 * yet fails (Qlik applies a new or changed virtual proxy after a short delay), it is tried again with backoff
 * within the check's budget, and then reported as still being applied.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { CheckFailedError } from '#lib/connection-test/check-ladder.ts';
import { ProxySessionError, type ProxySessions } from '#lib/qlik/onprem/proxy-session.ts';

/** How long the check waits for Qlik to apply the virtual proxy before it asks the admin to test again. */
export const DEFAULT_APPLY_WAIT_MS = 12_000;
const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 4_000;

export type SessionAttempt = { ok: true; origin: string } | { ok: false; error: ProxySessionError };

/** One open-prove-close; the session is closed at once (the proof is that it opened), `closing` tracks it. */
export async function attemptSession(
  sessions: ProxySessions,
  closing: Promise<void>[],
  signal?: AbortSignal,
): Promise<SessionAttempt> {
  try {
    const session = await sessions.open(signal);
    closing.push(session.close());
    return { ok: true, origin: session.origin };
  } catch (error) {
    const failure =
      error instanceof ProxySessionError
        ? error
        : new ProxySessionError(
            'unexpected',
            `Opening a session failed: ${error instanceof Error ? error.message : String(error)}`,
            { cause: error },
          );
    return { ok: false, error: failure };
  }
}

export interface ProofOptions {
  sessions: ProxySessions;
  closing: Promise<void>[];
  /** The attempt started with the test, if any. */
  early?: Promise<SessionAttempt>;
  /** The virtual proxy changed during this test, after the early attempt began: try again at once. */
  changed: boolean;
  /** What to say when Qlik is still applying it, e.g. `Virtual proxy 'kpimailer' created`. */
  whatChanged: string;
  applyWaitMs?: number;
  signal: AbortSignal;
}

/** Resolves with the proxy's origin once a session was proven; throws `CheckFailedError` saying what failed. */
export async function proveSession(options: ProofOptions): Promise<string> {
  const { sessions, closing, signal } = options;
  const waitMs = options.applyWaitMs ?? DEFAULT_APPLY_WAIT_MS;
  let attempt = options.early ? await options.early : await attemptSession(sessions, closing, signal);
  if (!attempt.ok && options.early && options.changed && attempt.error.mayBeApplying)
    attempt = await attemptSession(sessions, closing, signal);
  const started = Date.now();
  for (let delay = FIRST_RETRY_MS; !attempt.ok; delay = Math.min(delay * 2, MAX_RETRY_MS)) {
    const { error } = attempt;
    if (!error.mayBeApplying) throw new CheckFailedError(error.message, { cause: error });
    if (Date.now() - started + delay > waitMs) {
      throw new CheckFailedError(
        options.changed
          ? `${options.whatChanged}; Qlik's proxy is still applying it, test again in a minute. (${error.message})`
          : `${error.message} If the virtual proxy was changed in the last few minutes, Qlik may still be applying it: test again in a minute.`,
        { cause: error },
      );
    }
    await sleep(delay, undefined, { signal });
    attempt = await attemptSession(sessions, closing, signal);
  }
  return attempt.origin;
}
