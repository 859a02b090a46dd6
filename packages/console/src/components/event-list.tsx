import type { AdminEvent } from '../api.js';
import { EVENT_LABELS } from '../format.js';
import { Link } from '../router.js';
import { Time } from './time.js';

const TONE: Record<string, string> = {
  passkey_register: 'ok',
  passkey_register_refused: 'bad',
  passkey_login: 'info',
  passkey_login_failed: 'bad',
  counter_regression: 'bad',
  backup_eligibility_changed: 'bad',
  passkey_revoke: 'warn',
  user_delete: 'warn',
};

export function EventBadge({ type }: { type: string }) {
  return (
    <span class={`event-badge tone-${TONE[type] ?? 'neutral'}`}>{EVENT_LABELS[type] ?? type}</span>
  );
}

/** Events as a table; `appId` turns user ids into links. */
export function EventTable({
  events,
  appId,
  showUser = true,
  caption,
}: {
  events: AdminEvent[];
  appId: string;
  showUser?: boolean;
  caption: string;
}) {
  return (
    <table class="table">
      <caption class="visually-hidden">{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Event</th>
          {showUser ? <th scope="col">User</th> : null}
          <th scope="col">When</th>
          <th scope="col">Detail</th>
          <th scope="col">Client</th>
        </tr>
      </thead>
      <tbody>
        {events.map((e) => (
          <tr key={e.id}>
            <td>
              <EventBadge type={e.type} />
            </td>
            {showUser ? (
              <td>
                {e.user_id && e.external_id ? (
                  <Link
                    href={`/apps/${encodeURIComponent(appId)}/users/${encodeURIComponent(e.user_id)}`}
                    class="mono"
                  >
                    {e.external_id}
                  </Link>
                ) : e.user_id ? (
                  <span class="muted mono small" title="This user has been deleted">
                    {e.user_id} (deleted)
                  </span>
                ) : (
                  <span class="muted">Unknown</span>
                )}
              </td>
            ) : null}
            <td>
              <Time iso={e.created_at} />
            </td>
            <td>
              {e.detail ? <code class="small">{e.detail}</code> : <span class="muted">—</span>}
            </td>
            <td class="client">
              <span class="mono small">{e.ip_addr ?? '—'}</span>
              {e.user_agent ? (
                <span class="muted small ua" title={e.user_agent}>
                  {e.user_agent}
                </span>
              ) : null}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
