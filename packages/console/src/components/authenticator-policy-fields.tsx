import { useState } from 'preact/hooks';
import { api, type AaguidPolicy, type AdminApp, type Attestation } from '../api.js';
import { useAsync } from '../use-async.js';

/** The attestation and authenticator policy of an app (docs/attestation.md). */
export interface PolicyDraft {
  attestation: Attestation;
  aaguid_policy: AaguidPolicy;
  aaguids: string[];
  require_fido_certified: boolean;
}

export function policyDraftOf(app?: AdminApp): PolicyDraft {
  return {
    attestation: app?.attestation ?? 'none',
    aaguid_policy: app?.aaguid_policy ?? 'any',
    aaguids: app?.aaguids ?? [],
    require_fido_certified: app?.require_fido_certified ?? false,
  };
}

const AAGUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Attestation conveyance, the AAGUID allow- or deny-list with the names of the server's AAGUID
 * table, and certified-only. The server refuses an allow-list or certified-only under attestation
 * none (the AAGUID would be unverified); the help text says so before it does.
 */
export function AuthenticatorPolicyFields({
  value,
  onChange,
}: {
  value: PolicyDraft;
  onChange: (v: PolicyDraft) => void;
}) {
  const known = useAsync(() => api.listAuthenticators(), []);
  const names = new Map((known.data ?? []).map((a) => [a.aaguid, a.name]));
  const byName = new Map((known.data ?? []).map((a) => [`${a.name} (${a.aaguid})`, a.aaguid]));
  const [adding, setAdding] = useState('');
  const add = () => {
    const typed = adding.trim();
    const aaguid = byName.get(typed) ?? typed.toLowerCase();
    if (!AAGUID.test(aaguid) || value.aaguids.includes(aaguid)) return;
    onChange({ ...value, aaguids: [...value.aaguids, aaguid] });
    setAdding('');
  };
  const needsAttestation =
    value.attestation === 'none' &&
    (value.aaguid_policy === 'allow' || value.require_fido_certified);

  return (
    <fieldset>
      <legend>Authenticators</legend>
      <div class="field-row">
        <div class="field">
          <label for="app-attestation">Attestation</label>
          <select
            id="app-attestation"
            value={value.attestation}
            aria-describedby="attestation-help"
            onChange={(e) =>
              onChange({ ...value, attestation: e.currentTarget.value as Attestation })
            }
          >
            <option value="none">None (any passkey)</option>
            <option value="direct">Direct</option>
            <option value="enterprise">Enterprise</option>
          </select>
          <p id="attestation-help" class="help">
            Asks the authenticator to prove its model. Needed for an allow-list or certified-only:
            without it the model (AAGUID) is only claimed. Most synced passkeys send none.
          </p>
        </div>
        <div class="field">
          <label for="app-aaguid-policy">Authenticator models</label>
          <select
            id="app-aaguid-policy"
            value={value.aaguid_policy}
            aria-describedby="aaguid-policy-help"
            onChange={(e) =>
              onChange({ ...value, aaguid_policy: e.currentTarget.value as AaguidPolicy })
            }
          >
            <option value="any">Any model</option>
            <option value="allow">Only the models listed</option>
            <option value="deny">All but the models listed</option>
          </select>
          <p id="aaguid-policy-help" class="help">
            Checked against the FIDO metadata imported with <code>passkeyd mds import</code>.
          </p>
        </div>
      </div>
      {value.aaguid_policy !== 'any' && (
        <div class="field">
          <label for="app-aaguid-add">
            {value.aaguid_policy === 'allow' ? 'Allowed models' : 'Refused models'}
          </label>
          <ul class="aaguid-list" aria-label="Listed authenticator models">
            {value.aaguids.map((a) => (
              <li key={a}>
                <span>{names.get(a) ?? 'Unknown authenticator'}</span> <code>{a}</code>{' '}
                <button
                  type="button"
                  class="btn btn-ghost btn-sm"
                  aria-label={`Remove ${names.get(a) ?? a}`}
                  onClick={() =>
                    onChange({ ...value, aaguids: value.aaguids.filter((x) => x !== a) })
                  }
                >
                  Remove
                </button>
              </li>
            ))}
          </ul>
          <div class="field-row">
            <input
              id="app-aaguid-add"
              list="known-authenticators"
              spellcheck={false}
              autoCapitalize="off"
              placeholder="A name or an AAGUID"
              value={adding}
              onInput={(e) => setAdding(e.currentTarget.value)}
              onKeyDown={(e) => {
                if (e.key === 'Enter') {
                  e.preventDefault();
                  add();
                }
              }}
            />
            <button type="button" class="btn btn-secondary" onClick={add}>
              Add
            </button>
          </div>
          <datalist id="known-authenticators">
            {[...byName.keys()].map((label) => (
              <option key={label} value={label} />
            ))}
          </datalist>
        </div>
      )}
      <div class="field">
        <label>
          <input
            type="checkbox"
            checked={value.require_fido_certified}
            onChange={(e) =>
              onChange({ ...value, require_fido_certified: e.currentTarget.checked })
            }
          />{' '}
          Only FIDO certified authenticators
        </label>
        {needsAttestation && (
          <p class="help" role="note">
            Choose attestation Direct or Enterprise: an allow-list or certified-only cannot be
            enforced on a model that is only claimed.
          </p>
        )}
      </div>
    </fieldset>
  );
}
