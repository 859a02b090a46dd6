import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api } from '../api.js';
import { ErrorAlert } from '../components/alert.js';
import { Logo } from '../components/logo.js';

export function SignInPage({
  adminEnabled,
  reason,
  idleMinutes,
  onSignedIn,
}: {
  adminEnabled: boolean;
  reason?: 'expired' | 'signed-out' | 'signed-out-everywhere' | undefined;
  idleMinutes: number;
  onSignedIn: (idleMinutes: number) => void;
}) {
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    document.title = 'Sign in · passkeyd console';
    input.current?.focus();
  }, []);

  return (
    <main class="signin" id="main">
      <div class="signin-card">
        <div class="signin-brand">
          <Logo size={40} />
          <div>
            <p class="brand-name">passkeyd</p>
            <p class="muted">Admin console</p>
          </div>
        </div>
        <h1>Sign in</h1>
        {reason === 'expired' ? (
          <p class="notice" role="status">
            Your session has ended: after {idleMinutes} minutes without activity, at its maximum
            length, because it was signed out everywhere, or because its admin token was removed.
            Sign in again to continue.
          </p>
        ) : null}
        {reason === 'signed-out' ? (
          <p class="notice" role="status">
            You have signed out.
          </p>
        ) : null}
        {reason === 'signed-out-everywhere' ? (
          <p class="notice" role="status">
            Every console session has ended, in every browser.
          </p>
        ) : null}
        {adminEnabled ? (
          <form
            onSubmit={async (e) => {
              e.preventDefault();
              setBusy(true);
              setError(undefined);
              try {
                const s = await api.signIn(token);
                setToken('');
                onSignedIn(s.idle_minutes);
              } catch (err) {
                setError(err instanceof ApiError ? err : undefined);
                input.current?.focus();
              } finally {
                setBusy(false);
              }
            }}
          >
            <div class="field">
              <label for="token">Admin token</label>
              <input
                ref={input}
                id="token"
                name="token"
                type="password"
                autoComplete="off"
                spellcheck={false}
                required
                value={token}
                aria-describedby="token-help"
                aria-invalid={error ? 'true' : undefined}
                onInput={(e) => setToken(e.currentTarget.value)}
              />
              <p id="token-help" class="help">
                The value of <code>PASSKEYD_ADMIN_TOKEN</code> on this server. It is sent once; the
                console then keeps a session that ends after {idleMinutes} idle minutes.
              </p>
            </div>
            <ErrorAlert error={error}>
              {error?.code === 'invalid_admin_token'
                ? 'That token is not the admin token of this server.'
                : undefined}
            </ErrorAlert>
            <button type="submit" class="btn btn-primary btn-block" disabled={busy}>
              {busy ? 'Signing in…' : 'Sign in'}
            </button>
          </form>
        ) : (
          <div class="alert alert-warn" role="status">
            <div>
              The admin API and console are off on this server. Set{' '}
              <code>PASSKEYD_ADMIN_TOKEN</code> to a random value of at least 32 characters (for
              example <code>openssl rand -base64 32</code>) and restart passkeyd.
            </div>
          </div>
        )}
      </div>
      <p class="signin-foot muted">Self-hosted passkeys, speaking Passage's Passkey Flex API.</p>
    </main>
  );
}
