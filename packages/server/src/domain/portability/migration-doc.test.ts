import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../errors.js';
import type { Credential, User } from '../types.js';
import { SOURCES } from './converters/index.js';
import { toPortableUser } from './export-passkeys.js';

/** docs/migration.md promises a format and a set of checks; these tests keep it honest. */
const doc = readFileSync(new URL('../../../../../docs/migration.md', import.meta.url), 'utf8');

/** The backticked names in the first column of the table that follows `heading`. */
function fieldsOfTable(heading: string): string[] {
  const rest = doc.slice(doc.indexOf(heading));
  const rows = rest.split('\n').filter((l) => l.startsWith('| `'));
  const table = rest.slice(0, rest.indexOf('\n\n', rest.indexOf('| ---')));
  return rows
    .filter((r) => table.includes(r))
    .flatMap((r) => [...r.split('|')[1]!.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]!));
}

const user: User = {
  id: 'usr_1',
  appId: 'app_1',
  externalId: 'u',
  webauthnUserId: 'aA',
  status: 'active',
  createdAt: 0,
  updatedAt: 0,
  lastLoginAt: null,
  loginCount: 0,
};
const credential: Credential = {
  id: 'dev_1',
  appId: 'app_1',
  userId: 'usr_1',
  credentialId: 'aQ',
  publicKey: 'pQ',
  alg: -7,
  signCount: 0,
  transports: [],
  aaguid: '00000000-0000-0000-0000-000000000000',
  backupEligible: false,
  backedUp: false,
  attestationFormat: 'none',
  friendlyName: 'Passkey',
  createdAt: 0,
  updatedAt: 0,
  lastUsedAt: null,
  usageCount: 0,
};

describe('docs/migration.md', () => {
  it('documents exactly the fields of a user line that export writes', () => {
    const exported = Object.keys(toPortableUser(user, []));
    expect(fieldsOfTable('User line:').sort()).toEqual(exported.sort());
  });

  it('documents exactly the credential fields export writes, plus the two other key forms import reads', () => {
    const exported = Object.keys(toPortableUser(user, [credential]).credentials![0]!);
    expect(fieldsOfTable('Credential:').sort()).toEqual(
      [...exported, 'public_key_spki', 'public_key_jwk'].sort(),
    );
  });

  it('names every --from source, and only error codes that exist', () => {
    for (const s of SOURCES) expect(doc).toContain(`\`${s}\``);
    const checks = doc.slice(doc.indexOf('### What import checks'), doc.indexOf('### Converters'));
    const codes = [...checks.matchAll(/`([a-z]+(?:_[a-z]+)+)`/g)]
      .map((m) => m[1]!)
      .filter((c) => !['external_id', 'user_handle'].includes(c));
    expect(codes.length).toBeGreaterThan(3);
    for (const c of codes) expect(Object.keys(ERROR_CODES)).toContain(c);
  });
});
