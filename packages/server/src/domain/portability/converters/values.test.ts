import { describe, expect, it } from 'vitest';
import { bool, bytes, int, list, time, utf8Bytes } from './values.js';

const b64u = (hex: string) => Buffer.from(hex, 'hex').toString('base64url');

describe('coercing exported columns', () => {
  it('reads bytes as databases and JSON print them', () => {
    expect(bytes('\\xa501ff')).toBe(b64u('a501ff'));
    expect(bytes('0xA501FF')).toBe(b64u('a501ff'));
    expect(bytes("X'a501ff'")).toBe(b64u('a501ff'));
    expect(bytes('pQH/')).toBe(b64u('a501ff'));
    expect(bytes('pQH_')).toBe(b64u('a501ff'));
    expect(bytes([165, 1, 255])).toBe(b64u('a501ff'));
    expect(bytes({ type: 'Buffer', data: [165, 1, 255] })).toBe(b64u('a501ff'));
    expect(bytes({ 0: 165, 1: 1, 2: 255 })).toBe(b64u('a501ff'));
    expect(bytes('')).toBeUndefined();
    // Unreadable input is passed on for the record parser to name.
    expect(bytes('not base64!')).toBe('not base64!');
    expect(bytes([1, 300])).toEqual([1, 300]);
  });

  it('reads times from ISO text, PostgreSQL text, Go nanoseconds and epoch numbers; "never" is absent', () => {
    expect(time('2025-01-31T12:00:00Z')).toBe('2025-01-31T12:00:00.000Z');
    expect(time('2025-01-31 12:00:00.123456+00')).toBe('2025-01-31T12:00:00.123Z');
    expect(time('2025-01-31 13:00:00+0100')).toBe('2025-01-31T12:00:00.000Z');
    expect(time('2025-01-31 12:00:00')).toBe('2025-01-31T12:00:00.000Z');
    expect(time('2025-01-31T12:00:00.123456789Z')).toBe('2025-01-31T12:00:00.123Z');
    expect(time(1738324800)).toBe('2025-01-31T12:00:00.000Z');
    expect(time('1738324800000')).toBe('2025-01-31T12:00:00.000Z');
    expect(time('0001-01-01T00:00:00Z')).toBeUndefined();
    expect(time('yesterday')).toBe('yesterday');
  });

  it('reads booleans, integers and transport lists in their usual spellings', () => {
    expect([
      bool('t'),
      bool('f'),
      bool(1),
      bool('TRUE'),
      bool('no'),
      bool(''),
      bool('maybe'),
    ]).toEqual([true, false, true, true, false, undefined, 'maybe']);
    expect([int('42'), int(7), int(''), int('4.5')]).toEqual([42, 7, undefined, '4.5']);
    expect(list('internal,hybrid')).toEqual(['internal', 'hybrid']);
    expect(list('{usb,nfc}')).toEqual(['usb', 'nfc']);
    expect(list('["ble"]')).toEqual(['ble']);
    // A CSV field of brackets is not parsed as JSON (a million levels hold JSON.parse 0.3 s).
    const brackets = `${'['.repeat(500_000)}${']'.repeat(500_000)}`;
    expect(list(brackets)).toBe(brackets);
    expect(list(['usb'])).toEqual(['usb']);
  });

  it('turns a user id into the handle bytes of services that used it as the handle', () => {
    expect(Buffer.from(utf8Bytes('user-42'), 'base64url').toString('utf8')).toBe('user-42');
  });
});
