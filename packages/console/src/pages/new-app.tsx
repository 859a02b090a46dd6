import { useState } from 'preact/hooks';
import { api, type AdminApp } from '../api.js';
import { useApps } from '../apps-context.js';
import { AppSettingsForm } from '../components/app-settings-form.js';
import { PageHeader } from '../components/page-header.js';
import { SecretOnce } from '../components/secret-once.js';
import { navigate } from '../router.js';

export function NewAppPage() {
  const { reload } = useApps();
  const [created, setCreated] = useState<{ app: AdminApp; secret: string }>();
  if (created) {
    return (
      <>
        <PageHeader
          title={`${created.app.name} is ready`}
          crumbs={[{ label: 'Apps', href: '/' }]}
          description="Your backend authenticates to passkeyd with this app's API key."
        />
        <SecretOnce
          title="The app's first API key"
          secret={created.secret}
          onDone={() => navigate(`/apps/${encodeURIComponent(created.app.id)}`)}
        />
      </>
    );
  }
  return (
    <>
      <PageHeader
        title="New app"
        crumbs={[{ label: 'Apps', href: '/' }]}
        description="An app is one relying party: the site (RP ID) its passkeys belong to, and the pages allowed to use them."
      />
      <div class="card card-pad">
        <AppSettingsForm
          submitLabel="Create app"
          onSubmit={async (settings) => {
            const r = await api.createApp(settings);
            reload();
            setCreated({ app: r.app, secret: r.api_key });
          }}
        />
      </div>
    </>
  );
}
