import { decodeBase64Any, toBase64Url } from '../../encoding.js';

/**
 * Coercions for what other systems' exports look like: the same column arrives as JSON, as
 * `psql` or `sqlite3` text, or from a spreadsheet. Each returns undefined for "absent" and
 * leaves judging the value to the record parser, which reports it with its line.
 */

/** Field of a row under the first of several names it is known by. */
export function pick(row: Record<string, unknown>, ...names: string[]): unknown {
  for (const n of names) {
    const v = row[n];
    if (v !== undefined && v !== null && v !== '') return v;
  }
  return undefined;
}

/**
 * Bytes from base64/base64url, hex (`\x…` as PostgreSQL prints bytea, `0x…`, or X'…' from
 * SQLite), a JSON array of numbers, Node's Buffer JSON ({type: 'Buffer', data}) or a serialised
 * Uint8Array ({"0": …, "1": …}). Returned as base64url; unreadable input is returned as given
 * so the record parser names the field.
 */
export function bytes(value: unknown): unknown {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') {
    const s = value.trim();
    const hex = /^(?:\\x|0x)([0-9a-fA-F]*)$/.exec(s) ?? /^[xX]'([0-9a-fA-F]*)'$/.exec(s);
    if (hex && hex[1]!.length % 2 === 0) return toBase64Url(Buffer.from(hex[1]!, 'hex'));
    const b = decodeBase64Any(s);
    return b ? toBase64Url(b) : value;
  }
  const arr = Array.isArray(value)
    ? value
    : typeof value === 'object' &&
        (value as { type?: unknown }).type === 'Buffer' &&
        Array.isArray((value as { data?: unknown }).data)
      ? (value as { data: unknown[] }).data
      : typeof value === 'object'
        ? Object.keys(value as object).every((k) => /^\d+$/.test(k))
          ? Object.keys(value as object)
              .sort((a, b) => Number(a) - Number(b))
              .map((k) => (value as Record<string, unknown>)[k])
          : undefined
        : undefined;
  if (arr && arr.every((n) => Number.isInteger(n) && (n as number) >= 0 && (n as number) < 256)) {
    return toBase64Url(Uint8Array.from(arr as number[]));
  }
  return value;
}

/** Base64url of a string's UTF-8 bytes (a user handle that was the user id's text). */
export function utf8Bytes(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

/** true/false from JSON, `psql` (t/f), SQLite (1/0) or spreadsheets (TRUE/yes). */
export function bool(value: unknown): unknown {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'boolean') return value;
  const s = String(value).trim().toLowerCase();
  if (['true', 't', '1', 'yes', 'y'].includes(s)) return true;
  if (['false', 'f', '0', 'no', 'n'].includes(s)) return false;
  return value;
}

/** Integers from JSON numbers or text (counters may arrive as bigint text). */
export function int(value: unknown): unknown {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'number') return value;
  const s = String(value).trim();
  return /^\d+$/.test(s) ? Number(s) : value;
}

/**
 * RFC 3339 from ISO text, PostgreSQL's `2025-01-31 12:00:00.123+00`, Go's nanosecond times, or
 * epoch seconds/milliseconds. Text without a zone is taken as UTC (databases store UTC). Times
 * at or before the epoch are "never" and come back absent.
 */
export function time(value: unknown): unknown {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'number' || /^\d{9,13}$/.test(String(value).trim())) {
    const n = Number(value);
    return n <= 0 ? undefined : new Date(n < 1e11 ? n * 1000 : n).toISOString();
  }
  if (typeof value !== 'string') return value;
  const m =
    /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(\.\d+)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i.exec(
      value.trim(),
    );
  if (!m) return value;
  const frac = m[3] ? m[3].slice(0, 4) : '';
  let zone = (m[4] ?? 'Z').toUpperCase();
  if (/^[+-]\d{2}$/.test(zone)) zone += ':00';
  else if (/^[+-]\d{4}$/.test(zone)) zone = `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const ms = Date.parse(`${m[1]}T${m[2]}${frac}${zone}`);
  // Go's zero time (0001-01-01) and the epoch are how some systems write "never".
  if (ms <= 0) return undefined;
  return Number.isFinite(ms) ? new Date(ms).toISOString() : value;
}

const MAX_LIST_CHARS = 4096;

/** Transports from a JSON array, a CSV string ("internal,hybrid") or a PostgreSQL array ({usb,nfc}). */
export function list(value: unknown): unknown {
  if (value === undefined || value === null || value === '') return undefined;
  if (Array.isArray(value)) return value;
  if (typeof value !== 'string') return value;
  const s = value.trim();
  // A list of transports is a few dozen characters; a CSV field of a megabyte of brackets would
  // hold JSON.parse (and the server) for a tenth of a second. Left as text, it is refused later.
  if (s.length > MAX_LIST_CHARS) return value;
  if (s.startsWith('[')) {
    try {
      return JSON.parse(s) as unknown;
    } catch {
      return value;
    }
  }
  return s
    .replace(/^\{|\}$/g, '')
    .split(',')
    .map((t) => t.trim().replace(/^"|"$/g, ''))
    .filter(Boolean);
}
