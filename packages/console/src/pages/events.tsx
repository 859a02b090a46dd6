import { useEffect, useState } from 'preact/hooks';
import { api, type AdminApp } from '../api.js';
import { ActivityChart, totals } from '../components/activity-chart.js';
import { ErrorAlert, Loading } from '../components/alert.js';
import { EventTable } from '../components/event-list.js';
import { appCrumbs, PageHeader } from '../components/page-header.js';
import { Pager } from '../components/pager.js';
import { EVENT_LABELS } from '../format.js';
import { navigate, type Location } from '../router.js';
import { useAsync } from '../use-async.js';
import { FilterActions, TimeWindowFields, SelectField } from '../components/filter-fields.js';

const LIMIT = 25;

/** datetime-local inputs speak local wall time without a zone; the API speaks ISO instants. */
const toLocalInput = (iso: string | null) => {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};
const fromLocalInput = (v: string) => (v ? new Date(v).toISOString() : '');

function Activity({ app }: { app: AdminApp }) {
  const [range, setRange] = useState<'hours' | 'days'>('hours');
  const activity = useAsync(() => api.activity(app.id), [app.id]);
  const series = activity.data?.[range];
  const sum = series ? totals(series.buckets) : undefined;
  const caption = range === 'hours' ? 'Last 24 hours, per hour' : 'Last 30 days, per day';
  return (
    <section class="card card-pad" aria-labelledby="activity-title">
      <div class="card-title-row">
        <h2 id="activity-title">Activity</h2>
        <div class="segmented" role="group" aria-label="Period">
          <button type="button" aria-pressed={range === 'hours'} onClick={() => setRange('hours')}>
            24 hours
          </button>
          <button type="button" aria-pressed={range === 'days'} onClick={() => setRange('days')}>
            30 days
          </button>
        </div>
      </div>
      <ErrorAlert error={activity.error} />
      {sum && series ? (
        <>
          <dl class="stat-tiles">
            <div class="tile series-reg-border">
              <dt>Registrations</dt>
              <dd>{sum.registrations.toLocaleString()}</dd>
            </div>
            <div class="tile series-in-border">
              <dt>Sign-ins</dt>
              <dd>{sum.sign_ins.toLocaleString()}</dd>
            </div>
            <div class="tile series-fail-border">
              <dt>Failed sign-ins</dt>
              <dd>{sum.failed_sign_ins.toLocaleString()}</dd>
            </div>
          </dl>
          <ActivityChart
            buckets={series.buckets}
            unit={range === 'hours' ? 'hour' : 'day'}
            caption={caption}
          />
        </>
      ) : (
        <Loading />
      )}
    </section>
  );
}

export function EventsPage({ app, location }: { app: AdminApp; location: Location }) {
  const q = location.query;
  const filters = {
    type: q.get('type') ?? '',
    external_id: q.get('external_id') ?? '',
    user_id: q.get('user_id') ?? '',
    from: q.get('from') ?? '',
    to: q.get('to') ?? '',
  };
  const page = Math.max(1, Number(q.get('page')) || 1);
  const key = JSON.stringify([filters, page]);
  const [draft, setDraft] = useState({
    type: filters.type,
    user: filters.external_id,
    from: toLocalInput(filters.from),
    to: toLocalInput(filters.to),
  });
  useEffect(
    () =>
      setDraft({
        type: filters.type,
        user: filters.external_id,
        from: toLocalInput(filters.from),
        to: toLocalInput(filters.to),
      }),
    [key],
  );

  const events = useAsync(
    () =>
      api.listEvents(app.id, {
        ...(filters.type ? { type: [filters.type] } : {}),
        ...(filters.user_id
          ? { user_id: filters.user_id }
          : filters.external_id
            ? { external_id: filters.external_id }
            : {}),
        ...(filters.from ? { from: filters.from } : {}),
        ...(filters.to ? { to: filters.to } : {}),
        page,
        limit: LIMIT,
      }),
    [app.id, key],
  );
  const base = `/apps/${encodeURIComponent(app.id)}/events`;
  const go = (f: Partial<typeof filters>, p = 1) => {
    const next = new URLSearchParams();
    for (const [k, v] of Object.entries({ ...filters, ...f })) if (v) next.set(k, v);
    if (p > 1) next.set('page', String(p));
    navigate(`${base}${next.size ? `?${next}` : ''}`);
  };
  const filtered = Object.values(filters).some(Boolean);

  return (
    <>
      <PageHeader
        title="Events"
        crumbs={appCrumbs(app)}
        description="Registrations, sign-ins (and failed ones), renames, revocations and deletions, newest first."
      />
      <Activity app={app} />

      <form
        class="card card-pad filters"
        aria-label="Filter events"
        onSubmit={(e) => {
          e.preventDefault();
          go({
            type: draft.type,
            external_id: draft.user.trim(),
            user_id: draft.user.trim() ? '' : filters.user_id,
            from: fromLocalInput(draft.from),
            to: fromLocalInput(draft.to),
          });
        }}
      >
        <SelectField
          id="filter-type"
          label="Type"
          value={draft.type}
          allLabel="All types"
          options={Object.entries(EVENT_LABELS)}
          onChange={(type) => setDraft({ ...draft, type })}
        />
        <div class="field">
          <label for="filter-user">User (external id)</label>
          <input
            id="filter-user"
            spellcheck={false}
            autoCapitalize="off"
            placeholder={filters.user_id ? `User ${filters.user_id}` : 'Exact external id'}
            value={draft.user}
            onInput={(e) => setDraft({ ...draft, user: e.currentTarget.value })}
          />
        </div>
        <TimeWindowFields
          idPrefix="filter"
          from={draft.from}
          to={draft.to}
          onFrom={(from) => setDraft({ ...draft, from })}
          onTo={(to) => setDraft({ ...draft, to })}
        />
        <FilterActions filtered={filtered} onClear={() => navigate(base)} />
      </form>

      <ErrorAlert error={events.error} />
      {events.loading && !events.data ? <Loading /> : null}
      {events.data ? (
        <section class="card table-wrap" aria-label="Event list" aria-busy={events.loading}>
          {events.data.items.length === 0 ? (
            <p class="empty-inline muted">
              {filtered ? 'No events match these filters.' : 'No events yet.'}
            </p>
          ) : (
            <EventTable events={events.data.items} appId={app.id} caption="Events" />
          )}
          <Pager
            page={events.data.page}
            limit={events.data.limit}
            total={events.data.total}
            noun="events"
            onPage={(p) => go({}, p)}
          />
        </section>
      ) : null}
    </>
  );
}
