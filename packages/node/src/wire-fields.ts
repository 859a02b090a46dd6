/**
 * Thrown by readers when a 2xx body lacks what the SDK needs; the HTTP client turns it into a
 * PassageError with code `unexpected_response` and the request in the message.
 */
export class MalformedBodyError extends Error {
  override readonly name = 'MalformedBodyError';
}

export type WireObject = Record<string, unknown>;

export function object(value: unknown, what: string): WireObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new MalformedBodyError(`expected ${what} to be an object`);
  }
  return value as WireObject;
}

/** A field the SDK cannot do without. */
export function requiredString(source: WireObject, key: string, what: string): string {
  const value = source[key];
  if (typeof value !== 'string' || value === '') {
    throw new MalformedBodyError(`expected ${what}.${key} to be a non-empty string`);
  }
  return value;
}

export function array(source: WireObject, key: string, what: string): unknown[] {
  const value = source[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new MalformedBodyError(`expected ${what}.${key} to be an array`);
  return value;
}

// The readers below are lenient on purpose: a field the SDK only passes through should not make
// a whole call fail, so a missing or mistyped one gets a neutral value.

export function string(source: WireObject, key: string, fallback = ''): string {
  const value = source[key];
  return typeof value === 'string' ? value : fallback;
}

export function nullableString(source: WireObject, key: string): string | null {
  const value = source[key];
  return typeof value === 'string' ? value : null;
}

export function number(source: WireObject, key: string): number {
  const value = source[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

export function boolean(source: WireObject, key: string): boolean {
  return source[key] === true;
}

export function nullableBoolean(source: WireObject, key: string): boolean | null {
  const value = source[key];
  return typeof value === 'boolean' ? value : null;
}

export function strings(source: WireObject, key: string): string[] {
  const value = source[key];
  return Array.isArray(value)
    ? value.filter((item): item is string => typeof item === 'string')
    : [];
}

/** RFC 3339 string to Date; null/absent becomes the epoch, which is what Passage's SDK produced. */
export function date(source: WireObject, key: string): Date {
  const value = source[key];
  return typeof value === 'string' || typeof value === 'number' ? new Date(value) : new Date(0);
}
