import type { WebAuthnDevice } from '@passkeyd/node';
import type { AppDeps } from '../deps.js';
import type { User } from '../users.js';
import { html } from './html.js';
import { layout } from './layout.js';

const dateFormat = new Intl.DateTimeFormat('en-GB', {
  dateStyle: 'medium',
  timeStyle: 'short',
  timeZone: 'UTC',
});

function when(date: Date) {
  // The SDK turns "never" into the Unix epoch, as Passage's did.
  if (date.getTime() <= 0) return html`<span class="never">Never</span>`;
  return html`<time datetime="${date.toISOString()}">${dateFormat.format(date)} UTC</time>`;
}

/** What the WebAuthn backup flags mean for the user: can this passkey outlive this device? */
function storage(device: WebAuthnDevice): string {
  if (device.backedUp) return 'Synced (backed up to your account)';
  if (device.backupEligible) return 'Can sync (not backed up yet)';
  return 'Device-bound (only on this device)';
}

function passkeyItem(device: WebAuthnDevice, isOnly: boolean) {
  return html` <li class="passkey" data-device-id="${device.id}">
    <h3 class="passkey-name">${device.friendlyName}</h3>
    <dl>
      <dt>Authenticator</dt>
      <dd class="authenticator">${device.authenticatorName ?? 'Unknown authenticator'}</dd>
      <dt>Created</dt>
      <dd class="created">${when(device.createdAt)}</dd>
      <dt>Last used</dt>
      <dd class="last-used">${when(device.lastLoginAt)}</dd>
      <dt>Storage</dt>
      <dd class="storage">${storage(device)}</dd>
    </dl>
    <form class="rename" novalidate>
      <label
        >New name <input name="name" value="${device.friendlyName}" maxlength="100" required
      /></label>
      <button type="submit">Rename</button>
    </form>
    <button
      type="button"
      class="revoke danger"
      ${isOnly ? html`disabled title="Add another passkey before revoking your only one"` : ''}
    >
      Revoke
    </button>
  </li>`;
}

/** Guide step 4: the user's passkeys from passkeyd, next to this app's own account data. */
export function accountPage(deps: AppDeps, user: User, devices: WebAuthnDevice[]): string {
  return layout(deps, {
    title: 'Your account',
    script: 'account.js',
    body: html` <main class="card wide">
      <div class="account-head">
        <div>
          <h1>Your account</h1>
          <p class="lead">Signed in as <strong id="account-email">${user.email}</strong></p>
        </div>
        <button type="button" id="sign-out" class="secondary">Sign out</button>
      </div>
      <h2>Passkeys <span class="count">${devices.length}</span></h2>
      <ul class="passkeys" id="passkeys">
        ${devices.map((d) => passkeyItem(d, devices.length === 1))}
      </ul>
      <button type="button" id="add-passkey" hidden>Add another passkey</button>
      <p id="message" class="message" role="alert" hidden></p>
    </main>`,
  });
}
