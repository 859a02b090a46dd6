import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, type Device } from '../api.js';
import { plural } from '../format.js';
import { ErrorAlert } from './alert.js';
import { Icon } from './icons.js';
import { Time } from './time.js';

const KIND: Record<Device['type'], string> = {
  passkey: 'Passkey',
  security_key: 'Security key',
  platform: 'Platform authenticator',
};

function AuthenticatorIcon({ device }: { device: Device }) {
  const { light, dark } = device.icons;
  if (light || dark) {
    return (
      <picture class="authenticator-icon">
        {dark ? <source srcSet={dark} media="(prefers-color-scheme: dark)" /> : null}
        <img src={(light ?? dark)!} alt="" width={32} height={32} />
      </picture>
    );
  }
  return (
    <span class="authenticator-icon authenticator-icon-fallback" aria-hidden="true">
      <Icon
        name={device.type === 'security_key' ? 'usb' : device.backup_eligible ? 'cloud' : 'device'}
        size={20}
      />
    </span>
  );
}

/** One passkey of a user, with rename (inline) and revoke (asks first, in the parent). */
export function PasskeyItem({
  device,
  onRename,
  onRevoke,
}: {
  device: Device;
  onRename: (name: string) => Promise<void>;
  onRevoke: () => void;
}) {
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(device.friendly_name);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  const input = useRef<HTMLInputElement>(null);
  const renameButton = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (editing) input.current?.select();
  }, [editing]);
  const stopEditing = () => {
    setEditing(false);
    setError(undefined);
    setName(device.friendly_name);
    // Back to where the keyboard was before the form opened.
    setTimeout(() => renameButton.current?.focus());
  };
  const authenticator = device.authenticator_name ?? KIND[device.type];
  const synced = device.backup_eligible;

  return (
    <li class="passkey">
      <AuthenticatorIcon device={device} />
      <div class="passkey-main">
        {editing ? (
          <form
            class="rename-form"
            onSubmit={async (e) => {
              e.preventDefault();
              setBusy(true);
              setError(undefined);
              try {
                await onRename(name.trim());
                stopEditing();
              } catch (err) {
                setError(err instanceof ApiError ? err : undefined);
              } finally {
                setBusy(false);
              }
            }}
            onKeyDown={(e) => {
              if (e.key === 'Escape') {
                e.preventDefault();
                stopEditing();
              }
            }}
          >
            <label for={`rename-${device.id}`} class="visually-hidden">
              New name for the passkey {device.friendly_name}
            </label>
            <input
              ref={input}
              id={`rename-${device.id}`}
              required
              maxLength={255}
              value={name}
              onInput={(e) => setName(e.currentTarget.value)}
            />
            <button
              type="submit"
              class="btn btn-primary btn-sm"
              disabled={busy || name.trim() === ''}
            >
              Save
            </button>
            <button type="button" class="btn btn-ghost btn-sm" onClick={stopEditing}>
              Cancel
            </button>
            <ErrorAlert error={error} />
          </form>
        ) : (
          <h3 class="passkey-name">{device.friendly_name}</h3>
        )}
        <p class="passkey-meta">
          <span>{authenticator}</span>
          <span
            class={synced ? 'badge badge-info' : 'badge'}
            title={
              synced
                ? 'Backup eligible: the passkey manager syncs it to the user’s other devices.'
                : 'Not backup eligible: it lives on one authenticator only.'
            }
          >
            <Icon name={synced ? 'cloud' : 'device'} size={14} />
            {synced ? 'Synced' : 'Device-bound'}
          </span>
        </p>
        <dl class="passkey-facts">
          <div>
            <dt>Created</dt>
            <dd>
              <Time iso={device.created_at} />
            </dd>
          </div>
          <div>
            <dt>Last used</dt>
            <dd>
              <Time iso={device.last_login_at} />
            </dd>
          </div>
          <div>
            <dt>Used</dt>
            <dd>{plural(device.usage_count, 'time')}</dd>
          </div>
        </dl>
      </div>
      {editing ? null : (
        <div class="passkey-actions">
          <button
            ref={renameButton}
            type="button"
            class="btn btn-secondary btn-sm"
            aria-label={`Rename passkey ${device.friendly_name}`}
            onClick={() => setEditing(true)}
          >
            <Icon name="edit" size={14} />
            Rename
          </button>
          <button
            type="button"
            class="btn btn-danger-ghost btn-sm"
            aria-label={`Revoke passkey ${device.friendly_name}`}
            onClick={onRevoke}
          >
            <Icon name="trash" size={14} />
            Revoke
          </button>
        </div>
      )}
    </li>
  );
}
