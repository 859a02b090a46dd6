import { useState } from 'preact/hooks';
import { api, ApiError, type AdminApp, type Device } from '../api.js';
import { ErrorAlert, Loading } from '../components/alert.js';
import { ConfirmDialog } from '../components/confirm-dialog.js';
import { EventTable } from '../components/event-list.js';
import { Icon } from '../components/icons.js';
import { PageHeader } from '../components/page-header.js';
import { PasskeyItem } from '../components/passkey-item.js';
import { Time } from '../components/time.js';
import { Link, navigate } from '../router.js';
import { useAsync } from '../use-async.js';

export function UserPage({ app, userId }: { app: AdminApp; userId: string }) {
  const detail = useAsync(() => api.getUser(app.id, userId), [app.id, userId]);
  const [revoking, setRevoking] = useState<Device>();
  const [forceRevoke, setForceRevoke] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [status, setStatus] = useState('');
  const appPath = `/apps/${encodeURIComponent(app.id)}`;
  const crumbs = [
    { label: 'Apps', href: '/' },
    { label: app.name, href: appPath },
    { label: 'Users', href: `${appPath}/users` },
  ];

  if (detail.error) {
    return (
      <>
        <PageHeader title="User" crumbs={crumbs} />
        <ErrorAlert error={detail.error}>
          {detail.error.code === 'user_not_found'
            ? 'This user does not exist (any more).'
            : undefined}
        </ErrorAlert>
      </>
    );
  }
  if (!detail.data) return <Loading />;
  const { user, devices, events } = detail.data;

  return (
    <>
      <PageHeader
        title={user.external_id}
        crumbs={crumbs}
        description={
          <>
            User <code>{user.id}</code>
          </>
        }
        actions={
          <button type="button" class="btn btn-danger-ghost" onClick={() => setDeleting(true)}>
            <Icon name="trash" size={16} />
            Delete user
          </button>
        }
      />
      <p class="visually-hidden" role="status">
        {status}
      </p>
      <dl class="stats card">
        <div>
          <dt>Passkeys</dt>
          <dd>{user.passkey_count}</dd>
        </div>
        <div>
          <dt>Sign-ins</dt>
          <dd>{user.login_count.toLocaleString()}</dd>
        </div>
        <div>
          <dt>Last sign-in</dt>
          <dd>
            <Time iso={user.last_login_at} />
          </dd>
        </div>
        <div>
          <dt>Created</dt>
          <dd>
            <Time iso={user.created_at} />
          </dd>
        </div>
      </dl>

      <section class="card" aria-labelledby="passkeys-title">
        <h2 id="passkeys-title" class="card-title">
          Passkeys <span class="count">{user.passkey_count}</span>
        </h2>
        {devices.length === 0 ? (
          <p class="empty-inline muted">
            This user has no passkeys. Sign-in with a transaction answers user_has_no_passkeys until
            they register one.
          </p>
        ) : (
          <ul class="passkeys">
            {devices.map((d) => (
              <PasskeyItem
                key={d.id}
                device={d}
                onRename={async (name) => {
                  await api.renameDevice(app.id, user.id, d.id, name);
                  setStatus(`Renamed to ${name}.`);
                  detail.reload();
                }}
                onRevoke={() => setRevoking(d)}
              />
            ))}
          </ul>
        )}
      </section>

      <section class="card table-wrap" aria-labelledby="events-title">
        <div class="card-title-row">
          <h2 id="events-title" class="card-title">
            Recent events
          </h2>
          <Link href={`${appPath}/events?user_id=${encodeURIComponent(user.id)}`}>
            All events of this user
          </Link>
        </div>
        {events.length === 0 ? (
          <p class="empty-inline muted">No events yet.</p>
        ) : (
          <EventTable
            events={events}
            appId={app.id}
            showUser={false}
            caption={`Recent events of ${user.external_id}`}
          />
        )}
      </section>

      <ConfirmDialog
        open={revoking !== undefined}
        title="Revoke this passkey?"
        confirmLabel={forceRevoke ? 'Revoke the last passkey anyway' : 'Revoke passkey'}
        onClose={() => {
          setRevoking(undefined);
          setForceRevoke(false);
        }}
        onConfirm={async () => {
          if (!revoking) return;
          try {
            await api.revokeDevice(app.id, user.id, revoking.id, forceRevoke);
          } catch (err) {
            // The app's guard (prevent_last_passkey_removal): the alert shows the server's
            // reason, and the same button now forces it.
            if (err instanceof ApiError && err.code === 'last_passkey') setForceRevoke(true);
            throw err;
          }
          setStatus(`Revoked ${revoking.friendly_name}.`);
          detail.reload();
        }}
      >
        <p>
          <strong>{revoking?.friendly_name}</strong> is deleted from passkeyd. Signing in with it
          fails from now on (<code>credential_not_found</code>), and browsers that support it then
          forget it. The user can register a new passkey.
        </p>
        {forceRevoke && (
          <p id="last-passkey-warning">
            This is the user's last passkey, and this app keeps each user's last passkey. Revoking
            it anyway leaves the user without a way to sign in with a passkey until your app
            registers a new one.
          </p>
        )}
      </ConfirmDialog>

      <ConfirmDialog
        open={deleting}
        title={`Delete ${user.external_id}?`}
        confirmLabel="Delete user"
        onClose={() => setDeleting(false)}
        onConfirm={async () => {
          await api.deleteUser(app.id, user.id);
          navigate(`${appPath}/users`);
        }}
      >
        <p>
          The user and their{' '}
          {user.passkey_count === 1 ? 'passkey' : `${user.passkey_count} passkeys`} are deleted.
          Your own user record is not touched; if your backend creates a register transaction for
          this external id again, it becomes a new user.
        </p>
      </ConfirmDialog>
    </>
  );
}
