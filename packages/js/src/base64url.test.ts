import { describe, expect, it } from 'vitest';
import { decodeBase64url, encodeBase64url } from './base64url.js';

const bytes = (...values: number[]) => new Uint8Array(values);

describe('encodeBase64url', () => {
  it('emits the URL-safe alphabet without padding', () => {
    expect(encodeBase64url(bytes(0xfb, 0xff, 0xbf))).toBe('-_-_');
    expect(encodeBase64url(bytes(0xff))).toBe('_w');
  });

  it('encodes an ArrayBuffer and a view onto part of a buffer', () => {
    const buffer = bytes(1, 2, 3, 4).buffer;
    expect(encodeBase64url(buffer)).toBe('AQIDBA');
    expect(encodeBase64url(new Uint8Array(buffer, 1, 2))).toBe('AgM');
  });

  it('encodes an absent value as the empty string, as passage-flex-js sends a null userHandle', () => {
    expect(encodeBase64url(null)).toBe('');
    expect(encodeBase64url(undefined)).toBe('');
  });
});

describe('decodeBase64url', () => {
  it('round-trips every byte value', () => {
    const all = new Uint8Array(256).map((_, i) => i);
    expect(decodeBase64url(encodeBase64url(all))).toEqual(all);
  });

  it('accepts standard base64, with or without padding, as passage-flex-js did', () => {
    expect(decodeBase64url('+/+/')).toEqual(bytes(0xfb, 0xff, 0xbf));
    expect(decodeBase64url('/w==')).toEqual(bytes(0xff));
    expect(decodeBase64url('_w=')).toEqual(bytes(0xff));
  });

  it('rejects characters outside both alphabets and impossible lengths', () => {
    expect(() => decodeBase64url('abc$')).toThrow(TypeError);
    expect(() => decodeBase64url('abcde')).toThrow(TypeError);
    expect(() => decodeBase64url(undefined as unknown as string)).toThrow(TypeError);
  });
});
