import { useEffect, useState } from 'preact/hooks';
import { api, type AdminApp } from '../api.js';
import { ErrorAlert, Loading } from '../components/alert.js';
import { Icon } from '../components/icons.js';
import { appCrumbs, PageHeader } from '../components/page-header.js';
import { Pager } from '../components/pager.js';
import { Time } from '../components/time.js';
import { Link, navigate, type Location } from '../router.js';
import { useAsync } from '../use-async.js';

const LIMIT = 20;

export function UsersPage({ app, location }: { app: AdminApp; location: Location }) {
  const search = location.query.get('search') ?? '';
  const page = Math.max(1, Number(location.query.get('page')) || 1);
  const [draft, setDraft] = useState(search);
  useEffect(() => setDraft(search), [search]);
  const users = useAsync(
    () => api.listUsers(app.id, { search, page, limit: LIMIT }),
    [app.id, search, page],
  );
  const base = `/apps/${encodeURIComponent(app.id)}/users`;
  const go = (s: string, p: number) => {
    const q = new URLSearchParams();
    if (s) q.set('search', s);
    if (p > 1) q.set('page', String(p));
    navigate(`${base}${q.size ? `?${q}` : ''}`);
  };

  return (
    <>
      <PageHeader
        title="Users"
        crumbs={appCrumbs(app)}
        description="People who started registering a passkey with this app, by the external id your backend gave them."
      />
      <form
        class="card card-pad search-form"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          go(draft.trim(), 1);
        }}
      >
        <div class="field">
          <label for="user-search">External id contains</label>
          <div class="input-with-icon">
            <Icon name="search" size={16} />
            <input
              id="user-search"
              type="search"
              spellcheck={false}
              autoCapitalize="off"
              placeholder="e.g. alice@example.com or a user id"
              value={draft}
              onInput={(e) => setDraft(e.currentTarget.value)}
            />
          </div>
        </div>
        <button type="submit" class="btn btn-primary">
          Search
        </button>
        {search ? (
          <button type="button" class="btn btn-ghost" onClick={() => go('', 1)}>
            Clear
          </button>
        ) : null}
      </form>

      <ErrorAlert error={users.error} />
      {users.loading && !users.data ? <Loading /> : null}
      {users.data ? (
        <section class="card table-wrap" aria-label="Users" aria-busy={users.loading}>
          {users.data.items.length === 0 ? (
            <div class="empty empty-inline">
              <p>
                {search
                  ? `No user's external id contains “${search}”.`
                  : 'No users yet. They appear when your backend creates their first register transaction.'}
              </p>
            </div>
          ) : (
            <table class="table">
              <caption class="visually-hidden">
                {search ? `Users whose external id contains ${search}` : 'All users'}
              </caption>
              <thead>
                <tr>
                  <th scope="col">External id</th>
                  <th scope="col" class="num">
                    Passkeys
                  </th>
                  <th scope="col" class="num">
                    Sign-ins
                  </th>
                  <th scope="col">Last sign-in</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {users.data.items.map((u) => (
                  <tr key={u.id}>
                    <th scope="row">
                      <Link href={`${base}/${encodeURIComponent(u.id)}`} class="strong-link mono">
                        {u.external_id}
                      </Link>
                    </th>
                    <td class="num">
                      {u.passkey_count === 0 ? <span class="muted">0</span> : u.passkey_count}
                    </td>
                    <td class="num">{u.login_count}</td>
                    <td>
                      <Time iso={u.last_login_at} />
                    </td>
                    <td>
                      <Time iso={u.created_at} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <Pager
            page={users.data.page}
            limit={users.data.limit}
            total={users.data.total}
            noun="users"
            onPage={(p) => go(search, p)}
          />
        </section>
      ) : null}
    </>
  );
}
