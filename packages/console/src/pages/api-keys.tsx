import { useState } from 'preact/hooks';
import { ApiError, api, type AdminApp, type ApiKey } from '../api.js';
import { ErrorAlert, Loading } from '../components/alert.js';
import { ConfirmDialog } from '../components/confirm-dialog.js';
import { Icon } from '../components/icons.js';
import { appCrumbs, PageHeader } from '../components/page-header.js';
import { SecretOnce } from '../components/secret-once.js';
import { Time } from '../components/time.js';
import { useAsync } from '../use-async.js';

export function ApiKeysPage({ app }: { app: AdminApp }) {
  const keys = useAsync(() => api.listKeys(app.id), [app.id]);
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  const [secret, setSecret] = useState<{ name: string; value: string }>();
  const [revoking, setRevoking] = useState<ApiKey>();
  const live = keys.data?.filter((k) => !k.revoked_at) ?? [];
  const revoked = keys.data?.filter((k) => k.revoked_at) ?? [];

  return (
    <>
      <PageHeader
        title="API keys"
        crumbs={appCrumbs(app)}
        description="Your backend sends one of these with every management API call. Keep them server-side; rotate by creating a new key, deploying it, then revoking the old one."
      />

      {secret ? (
        <SecretOnce
          title={`New API key “${secret.name}”`}
          secret={secret.value}
          onDone={() => setSecret(undefined)}
        />
      ) : (
        <form
          class="card card-pad inline-form"
          onSubmit={async (e) => {
            e.preventDefault();
            setBusy(true);
            setError(undefined);
            try {
              const r = await api.createKey(app.id, name.trim() || 'default');
              setSecret({ name: r.key.name, value: r.api_key });
              setName('');
              keys.reload();
            } catch (err) {
              setError(err instanceof ApiError ? err : undefined);
            } finally {
              setBusy(false);
            }
          }}
        >
          <div class="field">
            <label for="key-name">Name of the new key</label>
            <input
              id="key-name"
              maxLength={200}
              placeholder="e.g. production backend"
              value={name}
              onInput={(e) => setName(e.currentTarget.value)}
            />
          </div>
          <button type="submit" class="btn btn-primary" disabled={busy}>
            <Icon name="plus" size={16} />
            {busy ? 'Creating…' : 'Create API key'}
          </button>
          <ErrorAlert error={error} />
        </form>
      )}

      {keys.loading && !keys.data ? <Loading /> : null}
      <ErrorAlert error={keys.error} />
      {keys.data ? (
        <section class="card table-wrap" aria-labelledby="keys-title">
          <h2 id="keys-title" class="card-title">
            Keys <span class="count">{live.length} active</span>
          </h2>
          <table class="table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Prefix</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {[...live, ...revoked].map((k) => (
                <tr key={k.id} class={k.revoked_at ? 'row-dim' : ''}>
                  <th scope="row">{k.name}</th>
                  <td>
                    <code class="mono">{k.prefix}_…</code>
                  </td>
                  <td>
                    <Time iso={k.created_at} />
                  </td>
                  <td>
                    <Time iso={k.last_used_at} never="Never used" />
                  </td>
                  <td>
                    {k.revoked_at ? (
                      <span class="badge badge-muted">
                        Revoked <Time iso={k.revoked_at} />
                      </span>
                    ) : (
                      <span class="badge badge-ok">Active</span>
                    )}
                  </td>
                  <td class="actions">
                    {k.revoked_at ? null : (
                      <button
                        type="button"
                        class="btn btn-danger-ghost btn-sm"
                        onClick={() => setRevoking(k)}
                        aria-label={`Revoke API key ${k.name} (${k.prefix})`}
                      >
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}

      <ConfirmDialog
        open={revoking !== undefined}
        title="Revoke this API key?"
        confirmLabel="Revoke key"
        onClose={() => setRevoking(undefined)}
        onConfirm={async () => {
          if (!revoking) return;
          await api.revokeKey(app.id, revoking.id);
          keys.reload();
        }}
      >
        <p>
          <strong>{revoking?.name}</strong> (<code>{revoking?.prefix}_…</code>) stops working at
          once: every backend still using it gets <code>invalid_access_token</code>. This cannot be
          undone.
        </p>
      </ConfirmDialog>
    </>
  );
}
