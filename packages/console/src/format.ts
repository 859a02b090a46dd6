/** Dates as operators read them: local time, plus "3 minutes ago" for recent ones. */

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const full = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'long' });
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

export function formatDateTime(iso: string): string {
  return dateTime.format(new Date(iso));
}

export function formatFull(iso: string): string {
  return full.format(new Date(iso));
}

const STEPS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['second', 60],
  ['minute', 60],
  ['hour', 24],
  ['day', 30],
];

/** "just now", "5 minutes ago", "yesterday"; past a month, the date. */
export function formatRelative(iso: string, now = Date.now()): string {
  let value = (new Date(iso).getTime() - now) / 1000;
  if (Math.abs(value) < 45) return 'just now';
  for (const [unit, size] of STEPS) {
    if (Math.abs(value) < size) return relative.format(Math.round(value), unit);
    value /= size;
  }
  return formatDateTime(iso);
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`;
}

/** Event types in words. */
/** The audit trail's action types (docs/audit.md), in the order the filter lists them. */
export const AUDIT_LABELS: Record<string, string> = {
  'admin.app.created': 'App created',
  'admin.app.updated': 'App changed',
  'admin.app.deleted': 'App deleted',
  'admin.api_key.created': 'API key created',
  'admin.api_key.revoked': 'API key revoked',
  'admin.user.deleted': 'User deleted',
  'admin.passkey.revoked': 'Passkey revoked by an operator',
  'import.completed': 'Passkeys imported',
  'admin.console.signed_in': 'Console sign-in',
  'admin.console.signed_out': 'Console sign-out',
  'admin.console.sessions_ended': 'All console sessions ended',
  'admin.webhook.created': 'Webhook created',
  'admin.webhook.updated': 'Webhook changed',
  'admin.webhook.deleted': 'Webhook deleted',
  'admin.webhook.secret_rotated': 'Webhook secret rotated',
  'admin.webhook.redelivered': 'Webhook delivery retried',
  'webhook.endpoint_disabled': 'Webhook disabled after failures',
  'admin.mds.imported': 'FIDO metadata imported',
  'admin.settings.reloaded': 'Settings reloaded (SIGHUP)',
};

export const EVENT_LABELS: Record<string, string> = {
  passkey_register: 'Passkey registered',
  passkey_register_refused: 'Registration refused (authenticator policy)',
  passkey_login: 'Signed in',
  passkey_login_failed: 'Sign-in failed',
  counter_regression: 'Counter went backwards',
  backup_eligibility_changed: 'Backup eligibility changed',
  passkey_rename: 'Passkey renamed',
  passkey_revoke: 'Passkey revoked',
  user_delete: 'User deleted',
};
