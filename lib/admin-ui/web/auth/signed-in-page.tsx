/**
 * The page behind sign-in: starts the session, shows the sign-in screen while nobody is signed in, and the admin
 * page with "Signed in as … · Sign out" once someone is. Without sign-in (the local runtime) it is the admin page.
 */
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { App } from '../app.tsx';
import { Spinner } from '../components/icons.tsx';
import { startSession, type Session, type SessionState } from './session.ts';

const SIGNED_OUT_TEXT: Record<Extract<SessionState, { status: 'signed-out' }>['reason'], string> = {
  new: 'Sign in with your KPImailer administrator account to manage the Qlik connections.',
  'signed-out': 'You are signed out.',
  expired: 'Your session has ended. Taking you to sign-in…',
};

function SignInScreen({
  state,
  session,
}: {
  state: Extract<SessionState, { status: 'signed-out' }>;
  session: Session;
}): JSX.Element {
  const [going, setGoing] = useState(false);
  return (
    <main class="sign-in" data-testid="sign-in" data-reason={state.reason}>
      <h1 class="sign-in__title">KPImailer administration</h1>
      <p>{SIGNED_OUT_TEXT[state.reason]}</p>
      {state.reason === 'expired' ? null : (
        <button
          type="button"
          class="button button--primary"
          disabled={going}
          onClick={() => {
            setGoing(true);
            void session.signIn().catch(() => setGoing(false));
          }}
        >
          {going ? <Spinner /> : null} Sign in
        </button>
      )}
    </main>
  );
}

export function SignedInPage(): JSX.Element {
  const [session, setSession] = useState<Session | null>(null);
  const [state, setState] = useState<SessionState | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  useEffect(() => {
    startSession(setState).then(
      (started) => {
        setSession(started);
        setState(started.state);
      },
      (error: unknown) => setFailure(error instanceof Error ? error.message : String(error)),
    );
  }, []);

  if (failure) {
    return (
      <main class="sign-in">
        <div class="callout callout--error" role="alert">
          <p>{failure}</p>
        </div>
      </main>
    );
  }
  if (!session || !state) {
    return (
      <p class="loading" role="status">
        <Spinner /> Loading…
      </p>
    );
  }
  if (state.status === 'signed-out') return <SignInScreen state={state} session={session} />;
  if (state.status === 'not-required') return <App />;
  const account = (
    <span data-testid="account">
      Signed in as <strong class="topbar__user">{state.name}</strong> ·{' '}
      <button type="button" class="topbar__sign-out" onClick={() => void session.signOut()}>
        Sign out
      </button>
    </span>
  );
  return <App account={account} />;
}
