import { useState } from 'preact/hooks';
import { api, type AdminApp } from '../api.js';
import { useApps } from '../apps-context.js';
import { AppSettingsForm } from '../components/app-settings-form.js';
import { CopyButton } from '../components/copy-button.js';
import { PageHeader } from '../components/page-header.js';
import { Snippets } from '../components/snippets.js';
import { Time } from '../components/time.js';
import { WellKnownFiles } from '../components/well-known-files.js';

export function AppSettingsPage({ app }: { app: AdminApp }) {
  const { reload } = useApps();
  const [saved, setSaved] = useState<string>();
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
    </>
  );
}
