import type { AppDeps } from '../deps.js';
import { html } from './html.js';
import { layout } from './layout.js';

/**
 * Guide steps 2 and 3: a passkey sign-in for the email typed (a transaction), and passkey
 * autofill on the same field (`autocomplete="username webauthn"`, conditional mediation).
 */
export function signInPage(deps: AppDeps): string {
  return layout(deps, {
    title: 'Sign in',
    script: 'sign-in.js',
    body: html` <main class="card">
      <h1>Sign in</h1>
      <form id="sign-in-form" novalidate>
        <label for="email">Email</label>
        <input id="email" name="email" type="email" autocomplete="username webauthn" />
        <button id="sign-in" type="submit">Sign in with a passkey</button>
      </form>
      <p class="hint">
        Your passkeys for this site are also offered when you click the email field.
      </p>
      <p id="message" class="message" role="alert" hidden></p>
      <p class="switch">New here? <a href="/sign-up">Create an account</a></p>
    </main>`,
  });
}
