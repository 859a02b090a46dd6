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
