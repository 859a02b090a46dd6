import type { AppDeps } from '../deps.js';
import { html } from './html.js';
import { layout } from './layout.js';

/** Guide step 1: an email, and a "Create passkey" button that sign-up.js reveals only where passkeys work. */
export function signUpPage(deps: AppDeps): string {
  return layout(deps, {
    title: 'Create an account',
    script: 'sign-up.js',
    body: html` <main class="card">
      <h1>Create an account</h1>
      <p class="lead">No password to remember: your device makes a passkey for this site.</p>
      <form id="sign-up-form" novalidate>
        <label for="email">Email</label>
        <input id="email" name="email" type="email" autocomplete="username" required />
        <button id="create-passkey" type="submit" hidden>Create passkey</button>
      </form>
      <p id="unsupported" class="notice" hidden>
        This browser cannot create passkeys. Try a recent Chrome, Edge, Firefox or Safari.
      </p>
      <p id="message" class="message" role="alert" hidden></p>
      <p class="switch">Already have an account? <a href="/sign-in">Sign in</a></p>
    </main>`,
  });
}
