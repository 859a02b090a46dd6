import { describe, expect, it } from 'vitest';
import {
  createSigner,
  createTestIntermediate,
  createTestRoot,
  type TestCa,
} from '../../testing/attestation-fixtures.js';
import type { Storage } from '../ports.js';
import type { App, MdsBlob } from '../types.js';
import { checkAuthenticatorPolicy } from './check-authenticator.js';

const AAGUID = '6a6b6c6d-1111-4222-8333-444444444444';

/** Only what the policy reads: the stored BLOB. */
function storageWith(blob: MdsBlob): Storage {
  return {
    mds: { currentNo: async () => blob.no, current: async () => blob },
  } as unknown as Storage;
}

const app = {
  aaguidPolicy: 'allow',
  aaguids: [AAGUID],
  requireFidoCertified: false,
} as unknown as App;

const der = (c: TestCa) => new Uint8Array(c.cert.rawData);

describe('checkAuthenticatorPolicy', () => {
  it('should accept an x5c that carries the BLOB’s root itself, as Android sends its path', async () => {
    const root = await createTestRoot('Root in the BLOB');
    const intermediate = await createTestIntermediate(root, 'Its intermediate');
    const leaf = await createSigner(intermediate, { subject: 'CN=leaf', chain: [intermediate] });
    const storage = storageWith({
      no: 1,
      entries: [
        {
          aaguid: AAGUID,
          description: 'phone',
          statusReports: [],
          attestationRootCertificates: [root.base64],
          attestationTypes: [],
        },
      ],
    } as unknown as MdsBlob);
    const x5c = [...leaf.x5c, der(root)] as Uint8Array<ArrayBuffer>[];
    expect(
      await checkAuthenticatorPolicy(app, { aaguid: AAGUID, fmt: 'android-key', x5c }, storage),
    ).toBeUndefined();
    // Carrying the root proves nothing by itself: a path to another root still fails.
    const other = await createTestRoot('Other root');
    const stranger = await createSigner(other, { subject: 'CN=stranger' });
    const forged = [...stranger.x5c, der(root)] as Uint8Array<ArrayBuffer>[];
    expect(
      await checkAuthenticatorPolicy(
        app,
        { aaguid: AAGUID, fmt: 'android-key', x5c: forged },
        storage,
      ),
    ).toBe('attestation_untrusted');
  });

  it('should refuse, not throw on, an x5c entry that is not a certificate', async () => {
    // A CBOR text string where a certificate belongs: the policy must not depend on
    // SimpleWebAuthn having parsed every entry before it.
    const x5c = ['not base64!'] as unknown as Uint8Array<ArrayBuffer>[];
    const storage = storageWith({
      no: 1,
      entries: [
        {
          aaguid: AAGUID,
          description: 'key',
          statusReports: [],
          attestationRootCertificates: [(await createTestRoot('Some root')).base64],
          attestationTypes: [],
        },
      ],
    } as unknown as MdsBlob);
    await expect(
      checkAuthenticatorPolicy(app, { aaguid: AAGUID, fmt: 'packed', x5c }, storage),
    ).resolves.toBe('attestation_untrusted');
  });
});
