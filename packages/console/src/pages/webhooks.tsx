import { useState } from 'preact/hooks';
import { ApiError, type AdminApp } from '../api.js';
import { ErrorAlert, Loading } from '../components/alert.js';
import { ConfirmDialog } from '../components/confirm-dialog.js';
import { Icon } from '../components/icons.js';
import { appCrumbs, PageHeader } from '../components/page-header.js';
import { SecretOnce } from '../components/secret-once.js';
import { Time } from '../components/time.js';
import { useAsync } from '../use-async.js';
import {
  EVENT_TYPE_GROUPS,
  webhooksApi,
  type WebhookDelivery,
  type WebhookEndpoint,
} from '../webhooks-api.js';

const asApiError = (err: unknown) =>
  err instanceof ApiError ? err : new ApiError(0, 'unexpected', String(err));

/** An app's webhook endpoints and their recent deliveries (docs/webhooks.md). */
export function WebhooksPage({ app }: { app: AdminApp }) {
  const endpoints = useAsync(() => webhooksApi.list(app.id), [app.id]);
  const [secret, setSecret] = useState<{ title: string; value: string; note?: string }>();
  const [confirm, setConfirm] = useState<{
    kind: 'delete' | 'rotate';
    endpoint: WebhookEndpoint;
  }>();

  return (
    <>
      <PageHeader
        title="Webhooks"
        crumbs={appCrumbs(app)}
        description="passkeyd POSTs a signed JSON message (Standard Webhooks) to these URLs when something happens in this app: passkeys registered or revoked, failed sign-ins, admin changes. Delivery is at least once; receivers de-duplicate by the webhook-id header."
      />

      {secret ? (
        <WebhookSecret {...secret} onDone={() => setSecret(undefined)} />
      ) : (
        <AddEndpointForm
          appId={app.id}
          onCreated={(e) => {
            setSecret({ title: `Signing secret for ${e.url}`, value: e.secret });
            endpoints.reload();
          }}
        />
      )}

      {endpoints.loading && !endpoints.data ? <Loading /> : null}
      <ErrorAlert error={endpoints.error} />
      {endpoints.data?.length === 0 ? (
        <p class="muted">No endpoints yet: add one above to start receiving events.</p>
      ) : null}
      {endpoints.data?.map((e) => (
        <EndpointCard
          key={e.id}
          appId={app.id}
          endpoint={e}
          onChanged={endpoints.reload}
          onDelete={() => setConfirm({ kind: 'delete', endpoint: e })}
          onRotate={() => setConfirm({ kind: 'rotate', endpoint: e })}
        />
      ))}

      {/* One dialog for both questions: ConfirmDialog names itself by a fixed element id. */}
      <ConfirmDialog
        open={confirm !== undefined}
        title={confirm?.kind === 'rotate' ? 'Rotate the signing secret?' : 'Delete this endpoint?'}
        confirmLabel={confirm?.kind === 'rotate' ? 'Rotate secret' : 'Delete endpoint'}
        onClose={() => setConfirm(undefined)}
        onConfirm={async () => {
          if (!confirm) return;
          const e = confirm.endpoint;
          if (confirm.kind === 'delete') {
            await webhooksApi.remove(app.id, e.id);
          } else {
            const r = await webhooksApi.rotateSecret(app.id, e.id, 24);
            setSecret({
              title: `New signing secret for ${e.url}`,
              value: r.secret,
              note: r.previous_secret_expires_at
                ? `The old secret keeps signing beside it until ${new Date(r.previous_secret_expires_at).toLocaleString()}: deploy the new one to your receiver before then.`
                : undefined,
            });
          }
          endpoints.reload();
        }}
      >
        {confirm?.kind === 'rotate' ? (
          <p>
            A new secret is made and shown once. For 24 hours deliveries carry signatures with both
            the old and the new secret, so your receiver can switch without missing any.
          </p>
        ) : (
          <p>
            <strong>{confirm?.endpoint.url}</strong> stops receiving events at once, and its pending
            deliveries are dropped. This cannot be undone.
          </p>
        )}
      </ConfirmDialog>
    </>
  );
}

/** A signing secret, shown this once (passkeyd keeps it to sign, but never shows it again). */
function WebhookSecret({
  title,
  value,
  note,
  onDone,
}: {
  title: string;
  value: string;
  note?: string | undefined;
  onDone: () => void;
}) {
  return (
    <SecretOnce
      title={title}
      secret={value}
      onDone={onDone}
      copyLabel="Copy signing secret"
      testId="webhook-secret"
    >
      <p>
        Your receiver verifies each delivery with it (for example{' '}
        <code>new Webhook(secret).verify(body, headers)</code> from the standardwebhooks package).{' '}
        <strong>It will not be shown again.</strong>
      </p>
      {note ? <p>{note}</p> : null}
    </SecretOnce>
  );
}

/** Checkboxes of the public event types; none checked means every app-scoped type. */
function EventTypePicker({
  idPrefix,
  value,
  onChange,
}: {
  idPrefix: string;
  value: string[];
  onChange: (types: string[]) => void;
}) {
  return (
    <fieldset class="webhook-events">
      <legend>Events</legend>
      <p class="help">
        None chosen: every event of this app (instance-wide ones only when chosen).
      </p>
      {EVENT_TYPE_GROUPS.map((g) => (
        <div key={g.label} class="webhook-event-group">
          <p class="label">{g.label}</p>
          {g.types.map((t) => (
            <label key={t} for={`${idPrefix}-${t}`}>
              <input
                id={`${idPrefix}-${t}`}
                type="checkbox"
                checked={value.includes(t)}
                onChange={(e) =>
                  onChange(e.currentTarget.checked ? [...value, t] : value.filter((x) => x !== t))
                }
              />{' '}
              <code>{t}</code>
            </label>
          ))}
        </div>
      ))}
    </fieldset>
  );
}

function AddEndpointForm({
  appId,
  onCreated,
}: {
  appId: string;
  onCreated: (e: WebhookEndpoint & { secret: string }) => void;
}) {
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [types, setTypes] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  return (
    <form
      class="card card-pad form"
      aria-labelledby="add-webhook-title"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setError(undefined);
        try {
          const created = await webhooksApi.create(appId, {
            url: url.trim(),
            event_types: types,
            ...(description.trim() ? { description: description.trim() } : {}),
          });
          setUrl('');
          setDescription('');
          setTypes([]);
          onCreated(created);
        } catch (err) {
          setError(asApiError(err));
        } finally {
          setBusy(false);
        }
      }}
    >
      <h2 id="add-webhook-title" class="card-title">
        Add an endpoint
      </h2>
      <div class="field">
        <label for="webhook-url">URL</label>
        <input
          id="webhook-url"
          type="url"
          required
          maxLength={2048}
          placeholder="https://api.example.com/passkeyd-webhooks"
          value={url}
          onInput={(e) => setUrl(e.currentTarget.value)}
        />
      </div>
      <div class="field">
        <label for="webhook-description">Description (optional)</label>
        <input
          id="webhook-description"
          maxLength={500}
          value={description}
          onInput={(e) => setDescription(e.currentTarget.value)}
        />
      </div>
      <details>
        <summary>Choose events ({types.length === 0 ? 'all' : types.length})</summary>
        <EventTypePicker idPrefix="new" value={types} onChange={setTypes} />
      </details>
      <ErrorAlert error={error} />
      <div class="form-actions">
        <button type="submit" class="btn btn-primary" disabled={busy}>
          <Icon name="plus" size={16} />
          {busy ? 'Adding…' : 'Add endpoint'}
        </button>
      </div>
    </form>
  );
}

function EndpointCard({
  appId,
  endpoint: e,
  onChanged,
  onDelete,
  onRotate,
}: {
  appId: string;
  endpoint: WebhookEndpoint;
  onChanged: () => void;
  onDelete: () => void;
  onRotate: () => void;
}) {
  const deliveries = useAsync(() => webhooksApi.deliveries(appId, e.id), [appId, e.id]);
  const [editing, setEditing] = useState<string[]>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  const [notice, setNotice] = useState<string>();
  const act = async (what: () => Promise<unknown>, done?: string) => {
    setBusy(true);
    setError(undefined);
    setNotice(undefined);
    try {
      await what();
      if (done) setNotice(done);
    } catch (err) {
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  };
  const titleId = `endpoint-${e.id}`;

  return (
    <section class="card card-pad webhook-endpoint" aria-labelledby={titleId} data-endpoint={e.id}>
      <div class="card-title-row">
        <h2 id={titleId} class="card-title">
          <code>{e.url}</code>
        </h2>
        {e.enabled ? (
          <span class="badge badge-ok">Enabled</span>
        ) : (
          <span class="badge tone-warn">
            Disabled{e.disabled_reason ? `: ${e.disabled_reason}` : ''}
          </span>
        )}
      </div>
      {e.description ? <p>{e.description}</p> : null}
      <p class="muted">
        Events: {e.event_types.length === 0 ? 'all of this app' : e.event_types.join(', ')}
        {/* Only while the grace period lasts: after it the old secret signs nothing. */}
        {e.previous_secret_expires_at && Date.parse(e.previous_secret_expires_at) > Date.now() ? (
          <>
            {' '}
            · previous secret valid until <Time iso={e.previous_secret_expires_at} />
          </>
        ) : null}
      </p>
      <div class="webhook-actions">
        <button
          type="button"
          class="btn btn-secondary btn-sm"
          disabled={busy}
          onClick={() =>
            act(async () => {
              await webhooksApi.test(appId, e.id);
              deliveries.reload();
            }, 'Test delivery queued.')
          }
        >
          Send test
        </button>
        <button
          type="button"
          class="btn btn-secondary btn-sm"
          disabled={busy}
          onClick={() =>
            act(async () => {
              await webhooksApi.update(appId, e.id, { enabled: !e.enabled });
              onChanged();
            })
          }
        >
          {e.enabled ? 'Disable' : 'Enable'}
        </button>
        <button
          type="button"
          class="btn btn-secondary btn-sm"
          disabled={busy}
          aria-expanded={editing !== undefined}
          onClick={() => setEditing(editing ? undefined : e.event_types)}
        >
          Edit events
        </button>
        <button type="button" class="btn btn-secondary btn-sm" onClick={onRotate}>
          Rotate secret
        </button>
        <button
          type="button"
          class="btn btn-danger-ghost btn-sm"
          onClick={onDelete}
          aria-label={`Delete endpoint ${e.url}`}
        >
          Delete
        </button>
      </div>
      {editing ? (
        <form
          class="form"
          onSubmit={(ev) => {
            ev.preventDefault();
            void act(async () => {
              await webhooksApi.update(appId, e.id, { event_types: editing });
              setEditing(undefined);
              onChanged();
            }, 'Events saved.');
          }}
        >
          <EventTypePicker idPrefix={e.id} value={editing} onChange={setEditing} />
          <div class="form-actions">
            <button type="submit" class="btn btn-primary btn-sm" disabled={busy}>
              Save events
            </button>
          </div>
        </form>
      ) : null}
      <ErrorAlert error={error} />
      {notice ? (
        <p class="muted" role="status">
          {notice}
        </p>
      ) : null}

      <h3 class="label">
        Recent deliveries{' '}
        {deliveries.data ? <span class="count">{deliveries.data.total}</span> : null}
      </h3>
      <ErrorAlert error={deliveries.error} />
      {deliveries.data && deliveries.data.deliveries.length === 0 ? (
        <p class="muted">None yet.</p>
      ) : null}
      {deliveries.data && deliveries.data.deliveries.length > 0 ? (
        <div class="table-wrap">
          <table class="table">
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">Status</th>
                <th scope="col">Response</th>
                <th scope="col">Latency</th>
                <th scope="col">Attempts</th>
                <th scope="col">Created</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {deliveries.data.deliveries.map((d) => (
                <DeliveryRow
                  key={d.id}
                  d={d}
                  onRedeliver={() =>
                    act(async () => {
                      await webhooksApi.redeliver(appId, d.id);
                      deliveries.reload();
                    }, 'Delivery queued again.')
                  }
                  busy={busy}
                />
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <button type="button" class="btn btn-ghost btn-sm" onClick={deliveries.reload}>
        Refresh deliveries
      </button>
    </section>
  );
}

const STATUS_TONE: Record<WebhookDelivery['status'], string> = {
  pending: 'badge badge-info',
  delivered: 'badge badge-ok',
  failed: 'badge tone-bad',
};

function DeliveryRow({
  d,
  onRedeliver,
  busy,
}: {
  d: WebhookDelivery;
  onRedeliver: () => void;
  busy: boolean;
}) {
  return (
    <tr data-delivery={d.id}>
      <th scope="row">
        <code>{d.event_type}</code>
      </th>
      <td>
        <span class={STATUS_TONE[d.status]} data-testid="delivery-status">
          {d.status}
        </span>
      </td>
      <td title={d.last_error ?? d.last_response_excerpt ?? undefined}>
        {d.last_status_code ?? (d.last_error ? 'error' : '-')}
      </td>
      <td>{d.last_latency_ms === null ? '-' : `${d.last_latency_ms} ms`}</td>
      <td data-testid="delivery-attempts">{d.attempts}</td>
      <td>
        <Time iso={d.created_at} />
      </td>
      <td class="actions">
        <button
          type="button"
          class="btn btn-secondary btn-sm"
          disabled={busy}
          onClick={onRedeliver}
          aria-label={`Redeliver ${d.event_type} delivery ${d.id}`}
        >
          Redeliver
        </button>
      </td>
    </tr>
  );
}
