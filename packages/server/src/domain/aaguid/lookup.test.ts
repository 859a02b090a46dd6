import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { lookupAuthenticator } from './lookup.js';

const shipped = JSON.parse(readFileSync(new URL('./aaguids.json', import.meta.url), 'utf8')) as {
  sources: { source: string; licence: string; licence_text?: string }[];
  authenticators: Record<string, { name: string; icon_light?: string; icon_dark?: string }>;
};

describe('lookupAuthenticator', () => {
  it('names the passkey providers people recognise from their AAGUIDs', () => {
    expect(lookupAuthenticator('ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4')?.name).toBe(
      'Google Password Manager',
    );
    expect(lookupAuthenticator('fbfc3007-154e-4ecc-8c0b-6e020557d7bd')?.name).toMatch(
      /^(Apple Passwords|iCloud Keychain)$/,
    );
    expect(lookupAuthenticator('bada5566-a7aa-401f-bd96-45619a55120d')?.name).toBe('1Password');
  });

  it('matches AAGUIDs case-insensitively', () => {
    expect(lookupAuthenticator('EA9B8D66-4D01-1D21-3CE4-B6B48CB575D4')?.name).toBe(
      'Google Password Manager',
    );
  });

  it('names nothing for the all-zero AAGUID of attestation "none", or for unknown ones', () => {
    expect(lookupAuthenticator('00000000-0000-0000-0000-000000000000')).toBeUndefined();
    expect(lookupAuthenticator('')).toBeUndefined();
    expect(lookupAuthenticator('12345678-1234-1234-1234-123456789abc')).toBeUndefined();
  });

  it('ships a table that names its sources and their licences, with lowercase AAGUID keys', () => {
    expect(shipped.sources.length).toBeGreaterThan(0);
    for (const s of shipped.sources) {
      expect(s.licence).not.toBe('');
      // MIT wants its notice in every copy; the data file carries it.
      if (s.licence === 'MIT')
        expect(s.licence_text).toMatch(/^MIT License[\s\S]*Permission is hereby granted/);
    }
    const keys = Object.keys(shipped.authenticators);
    expect(keys.length).toBeGreaterThan(100);
    for (const k of keys)
      expect(k).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });
});
