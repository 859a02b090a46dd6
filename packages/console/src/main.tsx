import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, whenSessionEnds } from './api.js';
import { ErrorAlert, Loading } from './components/alert.js';
import { SignInPage } from './pages/sign-in.js';
import { Shell } from './shell.js';
import './styles.css';

type Session =
  | { state: 'loading' }
  | { state: 'failed'; error: ApiError }
  | {
      state: 'out';
      adminEnabled: boolean;
      idleMinutes: number;
      reason?: 'expired' | 'signed-out' | 'signed-out-everywhere';
    }
  | { state: 'in'; idleMinutes: number };

function Console() {
  const [session, setSession] = useState<Session>({ state: 'loading' });
  useEffect(() => {
    api.session().then(
      (s) =>
        setSession(
          s.signed_in
            ? { state: 'in', idleMinutes: s.idle_minutes }
            : { state: 'out', adminEnabled: s.admin_enabled, idleMinutes: s.idle_minutes },
        ),
      (error: ApiError) => setSession({ state: 'failed', error }),
    );
    // Any call answered console_session_expired lands here: back to the sign-in form, keeping
    // the address so the operator returns to the same page.
    whenSessionEnds(() =>
      setSession((s) => ({
        state: 'out',
        adminEnabled: true,
        idleMinutes: 'idleMinutes' in s ? s.idleMinutes : 30,
        reason: 'expired',
      })),
    );
  }, []);

  switch (session.state) {
    case 'loading':
      return (
        <main class="signin" id="main">
          <Loading label="Loading the console…" />
        </main>
      );
    case 'failed':
      return (
        <main class="signin" id="main">
          <ErrorAlert error={session.error} />
        </main>
      );
    case 'out':
      return (
        <SignInPage
          adminEnabled={session.adminEnabled}
          reason={session.reason}
          idleMinutes={session.idleMinutes}
          onSignedIn={(idleMinutes) => setSession({ state: 'in', idleMinutes })}
        />
      );
    case 'in':
      return (
        <Shell
          idleMinutes={session.idleMinutes}
          onSignOut={async () => {
            await api.signOut();
            setSession({
              state: 'out',
              adminEnabled: true,
              idleMinutes: session.idleMinutes,
              reason: 'signed-out',
            });
          }}
          onSignOutEverywhere={async () => {
            await api.signOutEverywhere();
            setSession({
              state: 'out',
              adminEnabled: true,
              idleMinutes: session.idleMinutes,
              reason: 'signed-out-everywhere',
            });
          }}
        />
      );
  }
}

render(<Console />, document.getElementById('root')!);
