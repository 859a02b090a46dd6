import type { ComponentChildren } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import { api } from './api.js';
import { AppsContext } from './apps-context.js';
import { ErrorAlert, Loading } from './components/alert.js';
import { ConfirmDialog } from './components/confirm-dialog.js';
import { Icon, type IconName } from './components/icons.js';
import { Logo } from './components/logo.js';
import { PageHeader } from './components/page-header.js';
import { ApiKeysPage } from './pages/api-keys.js';
import { AppSettingsPage } from './pages/app-settings.js';
import { AppsPage } from './pages/apps.js';
import { AuditPage } from './pages/audit.js';
import { EventsPage } from './pages/events.js';
import { NewAppPage } from './pages/new-app.js';
import { UserPage } from './pages/user.js';
import { UsersPage } from './pages/users.js';
import { WebhooksPage } from './pages/webhooks.js';
import { Link, match, useLocation } from './router.js';
import { useAsync } from './use-async.js';

const SECTIONS: { path: string; label: string; icon: IconName }[] = [
  { path: '', label: 'Settings', icon: 'settings' },
  { path: '/keys', label: 'API keys', icon: 'key' },
  { path: '/users', label: 'Users', icon: 'users' },
  { path: '/events', label: 'Events', icon: 'activity' },
  { path: '/webhooks', label: 'Webhooks', icon: 'code' },
];

/** The signed-in console: sidebar (apps and the current app's sections) and the page. */
export function Shell({
  idleMinutes,
  onSignOut,
  onSignOutEverywhere,
}: {
  idleMinutes: number;
  onSignOut: () => Promise<void>;
  /** Ends every console session on the server, this one included. */
  onSignOutEverywhere: () => Promise<void>;
}) {
  const location = useLocation();
  const apps = useAsync(api.listApps, []);
  const appsState = useMemo(
    () => ({ apps: apps.data ?? [], reload: apps.reload }),
    [apps.data, apps.reload],
  );
  const [signingOut, setSigningOut] = useState(false);
  const [endingAll, setEndingAll] = useState(false);

  const inApp =
    match('/apps/:appId', location.path) ??
    match('/apps/:appId/:section', location.path) ??
    match('/apps/:appId/:section/:id', location.path);
  const appId = inApp && inApp.appId !== 'new' ? inApp.appId : undefined;
  const app = appId ? appsState.apps.find((a) => a.id === appId) : undefined;
  const section = inApp?.section ? `/${inApp.section}` : '';

  let page: ComponentChildren;
  let m: Record<string, string> | null;
  if (!apps.data) page = apps.error ? <ErrorAlert error={apps.error} /> : <Loading />;
  else if (location.path === '/') page = <AppsPage />;
  else if (location.path === '/apps/new') page = <NewAppPage />;
  else if (location.path === '/audit') page = <AuditPage location={location} />;
  else if (appId && !app) {
    page = (
      <>
        <PageHeader title="App not found" crumbs={[{ label: 'Apps', href: '/' }]} />
        <p>
          There is no app with the id <code>{appId}</code> on this server.
        </p>
      </>
    );
  } else if (app && match('/apps/:appId', location.path)) page = <AppSettingsPage app={app} />;
  else if (app && match('/apps/:appId/keys', location.path)) page = <ApiKeysPage app={app} />;
  else if (app && match('/apps/:appId/users', location.path))
    page = <UsersPage app={app} location={location} />;
  else if (app && (m = match('/apps/:appId/users/:userId', location.path)))
    page = <UserPage app={app} userId={m.userId!} />;
  else if (app && match('/apps/:appId/events', location.path))
    page = <EventsPage app={app} location={location} />;
  else if (app && match('/apps/:appId/webhooks', location.path)) page = <WebhooksPage app={app} />;
  else {
    page = (
      <>
        <PageHeader title="Page not found" />
        <p>
          Nothing lives at this address. <Link href="/">Go to the apps</Link>.
        </p>
      </>
    );
  }

  return (
    <AppsContext.Provider value={appsState}>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <div class="layout">
        <aside class="sidebar">
          <Link href="/" class="brand">
            <Logo />
            <span>
              passkeyd <span class="brand-sub">console</span>
            </span>
          </Link>
          <nav aria-label="Console">
            <Link
              href="/"
              class="nav-link"
              aria-current={location.path === '/' ? 'page' : undefined}
            >
              <Icon name="apps" />
              All apps
            </Link>
            <Link
              href="/audit"
              class="nav-link"
              aria-current={location.path === '/audit' ? 'page' : undefined}
            >
              <Icon name="activity" />
              Audit
            </Link>
            {appsState.apps.length > 0 ? <p class="nav-heading">Apps</p> : null}
            <ul class="nav-apps">
              {appsState.apps.map((a) => (
                <li key={a.id}>
                  <Link
                    href={`/apps/${encodeURIComponent(a.id)}`}
                    class={`nav-app${a.id === appId ? ' nav-app-open' : ''}`}
                    aria-current={a.id === appId && section === '' ? 'page' : undefined}
                  >
                    <span class="app-initial" aria-hidden="true">
                      {a.name.slice(0, 1).toUpperCase()}
                    </span>
                    <span class="nav-app-name">{a.name}</span>
                  </Link>
                  {a.id === appId ? (
                    <ul class="nav-sections" aria-label={`${a.name} sections`}>
                      {SECTIONS.map((s) => (
                        <li key={s.path}>
                          <Link
                            href={`/apps/${encodeURIComponent(a.id)}${s.path}`}
                            class="nav-link nav-sub"
                            aria-current={
                              location.path === `/apps/${encodeURIComponent(a.id)}${s.path}`
                                ? 'page'
                                : section === s.path
                                  ? 'true'
                                  : undefined
                            }
                          >
                            <Icon name={s.icon} size={16} />
                            {s.label}
                          </Link>
                        </li>
                      ))}
                    </ul>
                  ) : null}
                </li>
              ))}
            </ul>
          </nav>
          <div class="sidebar-foot">
            <p class="small">
              Signed in as operator. The session ends after {idleMinutes} idle minutes.
            </p>
            <button
              type="button"
              class="btn btn-sidebar"
              disabled={signingOut}
              onClick={async () => {
                setSigningOut(true);
                try {
                  await onSignOut();
                } finally {
                  setSigningOut(false);
                }
              }}
            >
              <Icon name="logout" size={16} />
              Sign out
            </button>
            <button
              type="button"
              class="btn btn-sidebar"
              disabled={signingOut}
              onClick={() => setEndingAll(true)}
            >
              <Icon name="logout" size={16} />
              End all sessions
            </button>
          </div>
        </aside>
        <main id="main" class="main" tabIndex={-1}>
          <div class="content">{page}</div>
        </main>
      </div>
      <ConfirmDialog
        open={endingAll}
        title="Sign out everywhere?"
        confirmLabel="End every session"
        onClose={() => setEndingAll(false)}
        onConfirm={onSignOutEverywhere}
      >
        <p>
          Every console session on this server ends at once, in every browser, this one included.
          Use it when a cookie may have been copied or after removing an admin token. API calls with
          an admin token are not affected.
        </p>
      </ConfirmDialog>
    </AppsContext.Provider>
  );
}
