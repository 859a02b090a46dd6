import { useState } from 'preact/hooks';
import { api, type AdminApp } from '../api.js';
import { useApps } from '../apps-context.js';
import { AppSettingsForm } from '../components/app-settings-form.js';
import { ConfirmDialog } from '../components/confirm-dialog.js';
import { CopyButton } from '../components/copy-button.js';
import { PageHeader } from '../components/page-header.js';
import { Snippets } from '../components/snippets.js';
import { Time } from '../components/time.js';
import { WellKnownFiles } from '../components/well-known-files.js';
import { navigate } from '../router.js';

export function AppSettingsPage({ app }: { app: AdminApp }) {
  const { reload } = useApps();
  const [saved, setSaved] = useState<string>();
  const [deleting, setDeleting] = useState(false);
  const [typed, setTyped] = useState('');
  return (
    <>
      <PageHeader
        title={app.name}
        crumbs={[{ label: 'Apps', href: '/' }]}
        description={
          <>
            Created <Time iso={app.created_at} />, last changed <Time iso={app.updated_at} />.
          </>
        }
      />
      <div class="app-id card card-pad">
        <div>
          <p class="label">App ID</p>
          <code class="mono">{app.id}</code>
        </div>
        <CopyButton text={app.id} label="Copy the app ID" />
      </div>
      {app.warnings.map((w) => (
        <div class="alert alert-warn" role="status" key={w}>
          <div>{w}</div>
        </div>
      ))}
      <Snippets app={app} />
      <section class="card card-pad" aria-labelledby="settings-title">
        <h2 id="settings-title">Settings</h2>
        <p class="status-line" role="status">
          {saved ? `Saved at ${saved}.` : ''}
        </p>
        <AppSettingsForm
          key={app.updated_at}
          app={app}
          submitLabel="Save changes"
          onSubmit={async (settings) => {
            await api.updateApp(app.id, settings);
            setSaved(new Date().toLocaleTimeString());
            reload();
          }}
        />
      </section>
      <WellKnownFiles app={app} />
      <section class="card card-pad" aria-labelledby="delete-title">
        <h2 id="delete-title">Delete this app</h2>
        <p>
          Deletes the app with its API keys, webhook endpoints, users, passkeys and events, for
          good. The audit trail keeps the record. Export its users and passkeys first if you may
          need them again.
        </p>
        <button
          type="button"
          class="btn btn-danger-ghost"
          onClick={() => {
            setTyped('');
            setDeleting(true);
          }}
        >
          Delete app…
        </button>
      </section>
      <ConfirmDialog
        open={deleting}
        title={`Delete ${app.name}?`}
        confirmLabel="Delete app"
        confirmDisabled={typed !== app.name}
        onClose={() => setDeleting(false)}
        onConfirm={async () => {
          if (typed !== app.name) return;
          await api.deleteApp(app.id);
          reload();
          navigate('/');
        }}
      >
        <p>
          Every backend using its API keys gets <code>invalid_access_token</code> at once, and its
          users can no longer sign in. This cannot be undone.
        </p>
        <div class="field">
          <label for="delete-app-name">Type the app's name, {app.name}, to confirm</label>
          <input
            id="delete-app-name"
            type="text"
            autocomplete="off"
            spellcheck={false}
            value={typed}
            onInput={(e) => setTyped((e.target as HTMLInputElement).value)}
          />
        </div>
      </ConfirmDialog>
    </>
  );
}
