import { useContext, useEffect, useState } from 'preact/hooks';
import { api, type AuditEntry, type AuditFilters } from '../api.js';
import { AppsContext } from '../apps-context.js';
import { ErrorAlert, Loading } from '../components/alert.js';
import { PageHeader } from '../components/page-header.js';
import { Pager } from '../components/pager.js';
import { Time } from '../components/time.js';
import { AUDIT_LABELS } from '../format.js';
import { Link, navigate, type Location } from '../router.js';
import { useAsync } from '../use-async.js';
import { FilterActions, TimeWindowFields, SelectField } from '../components/filter-fields.js';

const LIMIT = 25;
const FILTERS = ['app_id', 'type', 'actor', 'from', 'to'] as const;

/** datetime-local inputs speak local wall time without a zone; the API speaks ISO instants. */
const toLocalInput = (iso: string) => {
  const d = new Date(iso);
  if (!iso || Number.isNaN(d.getTime())) return '';
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};
const fromLocalInput = (v: string) => (v ? new Date(v).toISOString() : '');

/** What changed, compactly: the JSON the server kept (secrets were never in it). */
function Change({ value }: { value: unknown }) {
  if (value === null || value === undefined) return <span class="muted">—</span>;
  const text = JSON.stringify(value);
  return (
    <code class="audit-change" title={JSON.stringify(value, null, 2)}>
      {text.length > 120 ? `${text.slice(0, 119)}…` : text}
    </code>
  );
}

function AuditTable({
  entries,
  appName,
  onActor,
}: {
  entries: AuditEntry[];
  appName: (id: string) => string | undefined;
  onActor: (actor: string) => void;
}) {
  return (
    <table class="table">
      <caption class="visually-hidden">Audit trail</caption>
      <thead>
        <tr>
          <th scope="col">Action</th>
          <th scope="col">Actor</th>
          <th scope="col">App</th>
          <th scope="col">Target</th>
          <th scope="col">When, from</th>
          <th scope="col">Change</th>
        </tr>
      </thead>
      <tbody>
        {entries.map((e) => (
          <tr key={e.id}>
            <td>
              <span class="event-badge tone-neutral" title={e.type}>
                {AUDIT_LABELS[e.type] ?? e.type}
              </span>
            </td>
            <td>
              <button
                type="button"
                class="btn-link mono"
                title="Show only this actor"
                onClick={() => onActor(e.actor)}
              >
                {e.actor}
              </button>
            </td>
            <td>
              {e.app_id ? (
                appName(e.app_id) ? (
                  <Link href={`/apps/${encodeURIComponent(e.app_id)}`}>{appName(e.app_id)}</Link>
                ) : (
                  <span class="mono" title="This app no longer exists">
                    {e.app_id}
                  </span>
                )
              ) : (
                <span class="muted">Instance</span>
              )}
            </td>
            <td class="mono">{e.target ?? <span class="muted">—</span>}</td>
            <td>
              <Time iso={e.created_at} />
              {/* The client under the time, the user agent on hover: one column less. */}
              {e.ip_addr ? (
                <div class="muted small" title={e.user_agent ?? undefined}>
                  {e.ip_addr}
                </div>
              ) : null}
            </td>
            <td>
              <Change value={e.change} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Every admin action on this instance (docs/audit.md): who did what, from where, when. */
export function AuditPage({ location }: { location: Location }) {
  const { apps } = useContext(AppsContext);
  const q = location.query;
  const filters: Required<AuditFilters> = {
    app_id: q.get('app_id') ?? '',
    type: q.get('type') ?? '',
    actor: q.get('actor') ?? '',
    from: q.get('from') ?? '',
    to: q.get('to') ?? '',
  };
  const page = Math.max(1, Number(q.get('page')) || 1);
  const key = JSON.stringify([filters, page]);
  const draftOf = () => ({
    ...filters,
    from: toLocalInput(filters.from),
    to: toLocalInput(filters.to),
  });
  const [draft, setDraft] = useState(draftOf);
  useEffect(() => setDraft(draftOf()), [key]);

  const set = Object.fromEntries(FILTERS.filter((f) => filters[f]).map((f) => [f, filters[f]]));
  const entries = useAsync(() => api.listAudit({ ...set, page, limit: LIMIT }), [key]);
  const go = (f: Partial<AuditFilters>, p = 1) => {
    const next = new URLSearchParams();
    for (const [k, v] of Object.entries({ ...filters, ...f })) if (v) next.set(k, v);
    if (p > 1) next.set('page', String(p));
    navigate(`/audit${next.size ? `?${next}` : ''}`);
  };
  const filtered = Object.values(filters).some(Boolean);
  const appName = (id: string) => apps.find((a) => a.id === id)?.name;

  return (
    <>
      <PageHeader
        title="Audit"
        crumbs={[{ label: 'Apps', href: '/' }]}
        description="Every admin action on this instance, newest first: who (an admin token, a console session or the CLI, by a non-secret id), from where, and what changed."
      />
      <form
        class="card card-pad filters"
        aria-label="Filter the audit trail"
        onSubmit={(e) => {
          e.preventDefault();
          go({
            app_id: draft.app_id,
            type: draft.type,
            actor: draft.actor.trim(),
            from: fromLocalInput(draft.from),
            to: fromLocalInput(draft.to),
          });
        }}
      >
        <SelectField
          id="audit-app"
          label="App"
          value={draft.app_id}
          allLabel="All apps and the instance"
          options={apps.map((a) => [a.id, a.name])}
          onChange={(app_id) => setDraft({ ...draft, app_id })}
        />
        <SelectField
          id="audit-type"
          label="Action"
          value={draft.type}
          allLabel="All actions"
          options={Object.entries(AUDIT_LABELS)}
          onChange={(type) => setDraft({ ...draft, type })}
        />
        <div class="field">
          <label for="audit-actor">Actor</label>
          <input
            id="audit-actor"
            spellcheck={false}
            autoCapitalize="off"
            placeholder="token:…, console:…, cli:…"
            value={draft.actor}
            onInput={(e) => setDraft({ ...draft, actor: e.currentTarget.value })}
          />
        </div>
        <TimeWindowFields
          idPrefix="audit"
          from={draft.from}
          to={draft.to}
          onFrom={(from) => setDraft({ ...draft, from })}
          onTo={(to) => setDraft({ ...draft, to })}
        />
        <FilterActions filtered={filtered} onClear={() => navigate('/audit')}>
          <a class="btn btn-secondary" href={api.auditExportUrl(set)} download>
            Export NDJSON
          </a>
        </FilterActions>
      </form>

      <ErrorAlert error={entries.error} />
      {entries.loading && !entries.data ? <Loading /> : null}
      {entries.data ? (
        <section class="card table-wrap" aria-label="Audit entries" aria-busy={entries.loading}>
          {entries.data.items.length === 0 ? (
            <p class="empty-inline muted">
              {filtered ? 'No admin actions match these filters.' : 'No admin actions yet.'}
            </p>
          ) : (
            <AuditTable
              entries={entries.data.items}
              appName={appName}
              onActor={(actor) => go({ actor })}
            />
          )}
          <Pager
            page={entries.data.page}
            limit={entries.data.limit}
            total={entries.data.total}
            noun="entries"
            onPage={(p) => go({}, p)}
          />
        </section>
      ) : null}
    </>
  );
}
