import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage } from '../storage/open-storage.js';
import type { KyselyStorage } from '../storage/kysely/kysely-storage.js';
import {
  createMdsBlob,
  createMdsSigner,
  createTestRoot,
  type TestCa,
} from '../testing/attestation-fixtures.js';
import { isPasskeydError } from '../domain/errors.js';
import { FIDO_MDS_ROOTS } from '../domain/attestation/fido-mds-root.js';
import { importMdsBlob } from '../domain/attestation/import-mds-blob.js';

const AAGUID = '4c0c2b5e-8b0f-4a57-9ad2-3a3bd5b1c2d4';
const clock = { now: () => 1_764_547_200_000 };

let dir: string;
let storage: KyselyStorage;
let mdsRoot: TestCa;
let signer: TestCa;
let vendor: TestCa;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'passkeyd-mds-'));
  storage = await openStorage({ databaseUrl: `sqlite:${join(dir, 'p.db')}` });
  mdsRoot = await createTestRoot('Test MDS root');
  signer = await createMdsSigner(mdsRoot);
  vendor = await createTestRoot('Test vendor root');
});
afterAll(async () => {
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
});

const entry = {
  aaguid: AAGUID,
  description: 'Test Key',
  roots: [] as TestCa[],
  statuses: ['FIDO_CERTIFIED_L1'],
};
const importWith = (jwt: string, roots: readonly string[] = [mdsRoot.pem]) =>
  importMdsBlob(jwt, { storage, clock, rootCertificates: roots });

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (isPasskeydError(e)) return e.code;
    throw e;
  }
  throw new Error('expected the import to be refused');
}

describe('mds import', () => {
  it('should store the FIDO2 entries of a BLOB signed by a chain to the root', async () => {
    const jwt = await createMdsBlob(signer, { no: 10, entries: [{ ...entry, roots: [vendor] }] });
    const result = await importWith(jwt);
    expect(result).toMatchObject({ no: 10, entries: 1, replaced: undefined });
    const stored = await storage.mds.current();
    expect(stored?.entries).toEqual([
      {
        aaguid: AAGUID,
        description: 'Test Key',
        statusReports: [{ status: 'FIDO_CERTIFIED_L1', effectiveDate: '2025-01-01' }],
        attestationRootCertificates: [vendor.base64],
        attestationTypes: ['basic_full'],
      },
    ]);
  });

  it('should refuse a BLOB whose signature does not verify', async () => {
    const jwt = await createMdsBlob(signer, { no: 11, entries: [entry] });
    const [h, p, s] = jwt.split('.') as [string, string, string];
    // Same header (x5c) and signature, other payload: the signature no longer covers it.
    const forged = `${h}.${Buffer.from(Buffer.from(p, 'base64url').toString().replace('"no":11', '"no":12')).toString('base64url')}.${s}`;
    expect(await refusal(importWith(forged))).toBe('invalid_mds_blob');
    const sig = Buffer.from(s, 'base64url');
    sig.writeUInt8(sig.readUInt8(10) ^ 1, 10);
    expect(await refusal(importWith(`${h}.${p}.${sig.toString('base64url')}`))).toBe(
      'invalid_mds_blob',
    );
    expect(await storage.mds.currentNo()).toBe(10);
  });

  it('should refuse a BLOB signed under another root (the real FIDO roots by default)', async () => {
    const otherRoot = await createTestRoot('Rogue MDS root');
    const rogue = await createMdsBlob(await createMdsSigner(otherRoot), {
      no: 20,
      entries: [entry],
    });
    expect(await refusal(importWith(rogue))).toBe('invalid_mds_blob');
    const ours = await createMdsBlob(signer, { no: 21, entries: [entry] });
    expect(await refusal(importWith(ours, FIDO_MDS_ROOTS))).toBe('invalid_mds_blob');
    expect(await storage.mds.currentNo()).toBe(10);
  });

  it('should refuse a BLOB that is not newer than the stored one (MDS3 §3.2)', async () => {
    const same = await createMdsBlob(signer, { no: 10, entries: [entry] });
    expect(await refusal(importWith(same))).toBe('invalid_mds_blob');
    const newer = await createMdsBlob(signer, { no: 12, entries: [] });
    expect(await importWith(newer)).toMatchObject({ no: 12, entries: 0, replaced: 10 });
    expect((await storage.mds.current())?.entries).toEqual([]);
  });

  it('should refuse what is not a JWT', async () => {
    expect(await refusal(importWith('not a blob'))).toBe('invalid_mds_blob');
    expect(await refusal(importWith('a.b.c'))).toBe('invalid_mds_blob');
  });
});
