import { useApps } from '../apps-context.js';
import { Icon } from '../components/icons.js';
import { PageHeader } from '../components/page-header.js';
import { Time } from '../components/time.js';
import { Link } from '../router.js';

export function AppsPage() {
  const { apps } = useApps();
  return (
    <>
      <PageHeader
        title="Apps"
        description="Each app has its own relying party (RP ID), allowed origins, API keys and users."
        actions={
          <Link href="/apps/new" class="btn btn-primary">
            <Icon name="plus" size={16} />
            New app
          </Link>
        }
      />
      {apps.length === 0 ? (
        <div class="empty">
          <Icon name="apps" size={32} />
          <h2>No apps yet</h2>
          <p>Create an app for each website or product whose users sign in with passkeys.</p>
          <Link href="/apps/new" class="btn btn-primary">
            Create your first app
          </Link>
        </div>
      ) : (
        <div class="card table-wrap">
          <table class="table">
            <caption class="visually-hidden">Apps</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">RP ID</th>
                <th scope="col">Allowed origins</th>
                <th scope="col">User verification</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {apps.map((a) => (
                <tr key={a.id}>
                  <th scope="row">
                    <Link href={`/apps/${encodeURIComponent(a.id)}`} class="strong-link">
                      {a.name}
                    </Link>
                    <div class="mono muted small nowrap">{a.id}</div>
                  </th>
                  <td class="mono">{a.rp_id}</td>
                  <td>
                    <ul class="plain-list">
                      {a.origins.map((o) => (
                        <li key={o} class="mono small">
                          {o}
                        </li>
                      ))}
                    </ul>
                  </td>
                  <td>
                    <span class="badge">{a.user_verification}</span>
                  </td>
                  <td>
                    <Time iso={a.created_at} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
