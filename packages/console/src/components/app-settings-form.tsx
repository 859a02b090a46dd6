import { useState } from 'preact/hooks';
import type { ComponentChildren } from 'preact';
import {
  ApiError,
  type AdminApp,
  type AppSettings,
  type Attachment,
  type Hint,
  type UserVerification,
} from '../api.js';
import { ErrorAlert } from './alert.js';
import {
  AuthenticatorPolicyFields,
  policyDraftOf,
  type PolicyDraft,
} from './authenticator-policy-fields.js';

/** The fields of an app, as the admin API names them; used to create and to edit. */

interface Draft {
  name: string;
  rp_id: string;
  rp_name: string;
  origins: string;
  related_origins: string;
  user_verification: UserVerification;
  authenticator_attachment: '' | 'platform' | 'cross-platform';
  ceremony_timeout_s: string;
  transaction_ttl_seconds: string;
  hints: string;
  prevent_last_passkey_removal: boolean;
  policy: PolicyDraft;
}

function draftOf(app?: AdminApp): Draft {
  return {
    name: app?.name ?? '',
    rp_id: app?.rp_id ?? '',
    rp_name: app?.rp_name ?? '',
    origins: app?.origins.join('\n') ?? '',
    related_origins: app?.related_origins.join('\n') ?? '',
    user_verification: app?.user_verification ?? 'preferred',
    authenticator_attachment: app?.authenticator_attachment ?? '',
    ceremony_timeout_s: String((app?.ceremony_timeout_ms ?? 300_000) / 1000),
    transaction_ttl_seconds:
      app?.transaction_ttl_seconds == null ? '' : String(app.transaction_ttl_seconds),
    hints: app?.hints.join(', ') ?? '',
    prevent_last_passkey_removal: app?.prevent_last_passkey_removal ?? false,
    policy: policyDraftOf(app),
  };
}

function settingsOf(d: Draft): AppSettings {
  return {
    name: d.name.trim(),
    rp_id: d.rp_id.trim(),
    rp_name: d.rp_name.trim() || d.name.trim(),
    origins: d.origins
      .split(/[\s,]+/)
      .map((o) => o.trim())
      .filter(Boolean),
    related_origins: d.related_origins
      .split(/[\s,]+/)
      .map((o) => o.trim())
      .filter(Boolean),
    user_verification: d.user_verification,
    authenticator_attachment: (d.authenticator_attachment || null) as Attachment,
    ceremony_timeout_ms: Math.round(Number(d.ceremony_timeout_s) * 1000),
    transaction_ttl_seconds:
      d.transaction_ttl_seconds.trim() === '' ? null : Number(d.transaction_ttl_seconds),
    // The server checks the values (400 invalid_request names the field), as for origins.
    hints: d.hints
      .split(/[\s,]+/)
      .map((h) => h.trim())
      .filter(Boolean) as Hint[],
    prevent_last_passkey_removal: d.prevent_last_passkey_removal,
    ...d.policy,
  };
}

export function AppSettingsForm({
  app,
  submitLabel,
  onSubmit,
}: {
  app?: AdminApp;
  submitLabel: string;
  onSubmit: (s: AppSettings) => Promise<void>;
}) {
  const [d, setD] = useState<Draft>(() => draftOf(app));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  const set = (k: keyof Draft) => (e: Event) =>
    setD({ ...d, [k]: (e.currentTarget as HTMLInputElement).value });

  return (
    <form
      class="form"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setError(undefined);
        try {
          await onSubmit(settingsOf(d));
        } catch (err) {
          setError(err instanceof ApiError ? err : new ApiError(0, 'unexpected', String(err)));
        } finally {
          setBusy(false);
        }
      }}
    >
      <fieldset>
        <legend>Identity</legend>
        <div class="field">
          <label for="app-name">Name</label>
          <input id="app-name" required maxLength={200} value={d.name} onInput={set('name')} />
        </div>
        <div class="field-row">
          <div class="field">
            <label for="app-rp-id">RP ID</label>
            <input
              id="app-rp-id"
              required
              maxLength={253}
              spellcheck={false}
              autoCapitalize="off"
              placeholder="example.com"
              aria-describedby="rp-id-help"
              value={d.rp_id}
              onInput={set('rp_id')}
            />
            <p id="rp-id-help" class="help">
              The domain passkeys are bound to: your site's host or a parent domain of it. Passkeys
              made for one RP ID never work on another, so changing it later strands existing
              passkeys.
            </p>
          </div>
          <div class="field">
            <label for="app-rp-name">RP name</label>
            <input
              id="app-rp-name"
              maxLength={200}
              placeholder={d.name || 'The app name'}
              aria-describedby="rp-name-help"
              value={d.rp_name}
              onInput={set('rp_name')}
            />
            <p id="rp-name-help" class="help">
              Shown by some passkey managers next to the passkey. Defaults to the name.
            </p>
          </div>
        </div>
        <LinesField
          id="app-origins"
          label="Allowed origins"
          required
          rows={3}
          placeholder="https://example.com"
          value={d.origins}
          onInput={set('origins')}
        >
          One per line: the exact <code>scheme://host[:port]</code> of each page that runs passkey
          ceremonies, on the RP ID. https, or http on localhost for development. An Android app:
          <code>android:apk-key-hash:</code> and its signing certificate&rsquo;s SHA-256 in
          base64url.
        </LinesField>
        <LinesField
          id="app-related-origins"
          label="Related origins"
          rows={2}
          placeholder="https://example.co.uk"
          value={d.related_origins}
          onInput={set('related_origins')}
        >
          One per line: https pages on <em>other</em> domains allowed to use this RP ID (WebAuthn
          Related Origin Requests). passkeyd lists them at <code>/.well-known/webauthn</code>.
        </LinesField>
      </fieldset>

      <fieldset>
        <legend>Policy and lifetimes</legend>
        <div class="field-row">
          <div class="field">
            <label for="app-uv">User verification</label>
            <select
              id="app-uv"
              value={d.user_verification}
              aria-describedby="uv-help"
              onChange={set('user_verification')}
            >
              <option value="preferred">Preferred</option>
              <option value="required">Required</option>
              <option value="discouraged">Discouraged</option>
            </select>
            <p id="uv-help" class="help">
              Whether the authenticator must check the user (PIN, fingerprint, face). Required
              refuses passkeys that did not.
            </p>
          </div>
          <div class="field">
            <label for="app-attachment">Authenticator type</label>
            <select
              id="app-attachment"
              value={d.authenticator_attachment}
              aria-describedby="attachment-help"
              onChange={set('authenticator_attachment')}
            >
              <option value="">Any (the browser decides)</option>
              <option value="platform">This device (platform)</option>
              <option value="cross-platform">Security key or phone (cross-platform)</option>
            </select>
            <p id="attachment-help" class="help">
              Asked for when registering, unless the browser SDK asks for a type itself.
            </p>
          </div>
        </div>
        <div class="field-row">
          <div class="field">
            <label for="app-timeout">Ceremony timeout (seconds)</label>
            <input
              id="app-timeout"
              type="number"
              inputMode="numeric"
              required
              min={10}
              max={3600}
              step={1}
              aria-describedby="timeout-help"
              value={d.ceremony_timeout_s}
              onInput={set('ceremony_timeout_s')}
            />
            <p id="timeout-help" class="help">
              How long the browser's passkey prompt, and its challenge, stay valid.
            </p>
          </div>
          <div class="field">
            <label for="app-ttl">Transaction lifetime (seconds)</label>
            <input
              id="app-ttl"
              type="number"
              inputMode="numeric"
              min={10}
              max={86400}
              step={1}
              placeholder="Server default"
              aria-describedby="ttl-help"
              value={d.transaction_ttl_seconds}
              onInput={set('transaction_ttl_seconds')}
            />
            <p id="ttl-help" class="help">
              How long a transaction from your backend may wait for the browser. Empty: the server's{' '}
              <code>PASSKEYD_TRANSACTION_TTL_SECONDS</code>.
            </p>
          </div>
        </div>
        <div class="field-row">
          <div class="field">
            <label for="app-hints">WebAuthn hints</label>
            <input
              id="app-hints"
              maxLength={100}
              spellcheck={false}
              autoCapitalize="off"
              placeholder="None"
              aria-describedby="hints-help"
              value={d.hints}
              onInput={set('hints')}
            />
            <p id="hints-help" class="help">
              Which authenticator browsers offer first, most preferred first:{' '}
              <code>security-key</code>, <code>client-device</code>, <code>hybrid</code> (a phone).
              A transaction's own <code>hints</code> replace these.
            </p>
          </div>
          <div class="field">
            <label for="app-last-passkey">
              <input
                id="app-last-passkey"
                type="checkbox"
                aria-describedby="last-passkey-help"
                checked={d.prevent_last_passkey_removal}
                onChange={(e) =>
                  setD({
                    ...d,
                    prevent_last_passkey_removal: (e.currentTarget as HTMLInputElement).checked,
                  })
                }
              />{' '}
              Keep each user's last passkey
            </label>
            <p id="last-passkey-help" class="help">
              Revoking a user's only passkey is refused (<code>last_passkey</code>) unless forced,
              so your app's "remove" button cannot lock a user out by accident.
            </p>
          </div>
        </div>
      </fieldset>

      <AuthenticatorPolicyFields value={d.policy} onChange={(policy) => setD({ ...d, policy })} />

      <ErrorAlert error={error} />
      <div class="form-actions">
        <button type="submit" class="btn btn-primary" disabled={busy}>
          {busy ? 'Saving…' : submitLabel}
        </button>
      </div>
    </form>
  );
}

/** A textarea of one value per line, with its help text (the children) tied to it for screen readers. */
function LinesField(props: {
  id: string;
  label: string;
  rows: number;
  placeholder: string;
  value: string;
  required?: boolean;
  onInput: (e: Event) => void;
  children: ComponentChildren;
}) {
  const help = `${props.id}-help`;
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <textarea
        id={props.id}
        required={props.required}
        rows={props.rows}
        spellcheck={false}
        autoCapitalize="off"
        placeholder={props.placeholder}
        aria-describedby={help}
        value={props.value}
        onInput={props.onInput}
      />
      <p id={help} class="help">
        {props.children}
      </p>
    </div>
  );
}
