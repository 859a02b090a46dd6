import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyAuthenticationResponse } from '@simplewebauthn/server';
import {
  TestAuthenticator,
  generateCredentialKey,
  type Alg,
  type AssertionTamper,
} from '@passkeyd/test-authenticator';
import { importCosePublicKey } from './cose-key.js';
import { verifyAssertion } from './verify-assertion.js';
import { toSimpleWebAuthnAssertion } from './simplewebauthn-assertion.js';
import type { RawCredentialResponse } from './webauthn-response.js';

const ORIGIN = 'https://app.example.com';
const RP_ID = 'example.com';
const CHALLENGE = Buffer.alloc(32, 0xab).toString('base64url');

interface Case {
  name: string;
  /** The spec's verdict; both verifiers must reach it. */
  ok?: true;
  /**
   * Why passkeyd refuses what SimpleWebAuthn accepts. Such a case is pinned both ways: the lean
   * verifier refuses it and SimpleWebAuthn accepts it, so the difference stays deliberate.
   */
  stricter?: string;
  tamper?: AssertionTamper;
  device?: ConstructorParameters<typeof TestAuthenticator>[0];
  requireUV?: boolean;
  storedCounter?: number;
  mangle?: (r: any) => any;
}

const CASES: Case[] = [
  { name: 'an honest assertion', ok: true },
  { name: 'an honest assertion with UV required', ok: true, requireUV: true },
  {
    name: 'an honest assertion from a counterless authenticator',
    ok: true,
    device: { counterStep: 0 },
  },
  { name: 'a wrong origin', tamper: { origin: 'https://evil.example' } },
  { name: 'a wrong challenge', tamper: { challenge: Buffer.alloc(32, 1).toString('base64url') } },
  { name: 'a registration type', tamper: { type: 'webauthn.create' } },
  { name: 'another RP ID', tamper: { rpId: 'evil.example' } },
  { name: 'no user presence', tamper: { clearUserPresent: true } },
  {
    name: 'no user verification when required',
    tamper: { clearUserVerified: true },
    requireUV: true,
  },
  {
    name: 'no user verification when preferred',
    ok: true,
    tamper: { clearUserVerified: true },
    requireUV: false,
  },
  { name: 'a flipped signature bit', tamper: { tamperSignature: true } },
  { name: 'a counter that went backwards', storedCounter: 50 },
  { name: 'a counter equal to the stored one', tamper: { signCount: 7 }, storedCounter: 7 },
  { name: 'a zero counter after a non-zero one', tamper: { signCount: 0 }, storedCounter: 3 },
  { name: 'truncated authenticator data', tamper: { truncateAuthenticatorData: true } },
  {
    name: 'backup state without eligibility',
    device: { backupEligible: false, backupState: true },
  },
  {
    name: 'a signature over other data',
    mangle: (r) => ({
      ...r,
      response: {
        ...r.response,
        authenticatorData: Buffer.concat([
          Buffer.from(r.response.authenticatorData, 'base64url'),
          Buffer.from([0]),
        ]).toString('base64url'),
      },
    }),
  },
  {
    name: 'a top origin outside a cross-origin frame',
    mangle: (r) => withClientData(r, (c) => ({ ...c, topOrigin: 'https://top.example' })),
  },
  {
    name: 'a cross-origin frame without top origin',
    mangle: (r) => withClientData(r, (c) => ({ ...c, crossOrigin: true })),
  },
  {
    name: 'a bad token binding status',
    mangle: (r) => withClientData(r, (c) => ({ ...c, tokenBinding: { status: 'bogus' } })),
  },
  // The same client-data properties, signed: only the one property differs from an honest
  // assertion, so a verifier that drops the check accepts it (the cases above break the signature
  // too, and would be refused anyway).
  {
    name: 'a signed top origin outside a cross-origin frame',
    tamper: { clientData: { topOrigin: 'https://top.example' } },
  },
  {
    name: 'a signed cross-origin frame under a foreign top origin',
    tamper: { clientData: { crossOrigin: true, topOrigin: 'https://top.example' } },
  },
  {
    name: 'a signed cross-origin frame under one of the app’s origins',
    ok: true,
    tamper: { clientData: { crossOrigin: true, topOrigin: ORIGIN } },
  },
  {
    name: 'a signed cross-origin frame without top origin',
    tamper: { clientData: { crossOrigin: true } },
    stricter:
      'SimpleWebAuthn skips the top-origin check when topOrigin is absent (for Safari); we cannot tell which page framed the ceremony, so we refuse it (webauthn-response.ts checkCrossOrigin)',
  },
  {
    name: 'a signed crossOrigin that is not a boolean',
    tamper: { clientData: { crossOrigin: 'false' } },
    stricter:
      'SimpleWebAuthn tests crossOrigin for truthiness, so "false" passes as a cross-origin frame without top origin; §5.8.1 makes it a boolean',
  },
  {
    name: 'a signed bad token binding status',
    tamper: { clientData: { tokenBinding: { status: 'bogus' } } },
  },
  {
    name: 'a signed token binding that is not an object',
    tamper: { clientData: { tokenBinding: 'present' } },
  },
  {
    name: 'a signed valid token binding',
    ok: true,
    tamper: { clientData: { tokenBinding: { status: 'supported' } } },
  },
  {
    name: 'clientDataJSON that is not JSON',
    mangle: (r) => ({
      ...r,
      response: { ...r.response, clientDataJSON: Buffer.from('nope').toString('base64url') },
    }),
  },
];

// Re-signing is impossible from outside, so client-data edits also break the signature; both
// verifiers must still agree (on "no"), which is what a differential test demands.
function withClientData(r: any, edit: (c: Record<string, unknown>) => Record<string, unknown>) {
  const c = JSON.parse(Buffer.from(r.response.clientDataJSON, 'base64url').toString());
  return {
    ...r,
    response: {
      ...r.response,
      clientDataJSON: Buffer.from(JSON.stringify(edit(c))).toString('base64url'),
    },
  };
}

const rsaKey = generateCredentialKey('RS256');

async function verdicts(alg: Alg, c: Case) {
  const device = new TestAuthenticator(c.device);
  device.createCredential(
    {
      challenge: CHALLENGE,
      rp: { id: RP_ID, name: 'x' },
      user: { id: 'dXNlcg', name: 'u', displayName: 'u' },
      pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
    },
    { origin: ORIGIN, alg, ...(alg === 'RS256' ? { key: rsaKey } : {}) },
  );
  const stored = device.credentials()[0]!;
  let response = device.getAssertion(
    { challenge: CHALLENGE, rpId: RP_ID },
    { origin: ORIGIN, ...(c.tamper ? { tamper: c.tamper } : {}) },
  ) as any;
  if (c.mangle) response = c.mangle(response);
  const publicKey = Buffer.from(stored.publicKeyCose).toString('base64url');
  const counter = c.storedCounter ?? 0;

  let lean: string;
  try {
    verifyAssertion(
      response as RawCredentialResponse,
      { ...importCosePublicKey(publicKey), signCount: counter },
      {
        challenge: CHALLENGE,
        origins: [ORIGIN],
        rpIdHash: createHash('sha256').update(RP_ID).digest(),
        requireUserVerification: c.requireUV ?? false,
      },
    );
    lean = 'accepted';
  } catch (e) {
    lean = `refused (${(e as { code?: string }).code ?? (e as Error).message})`;
  }
  let reference: string;
  try {
    const r = await verifyAuthenticationResponse({
      response: toSimpleWebAuthnAssertion(response),
      expectedChallenge: CHALLENGE,
      expectedOrigin: [ORIGIN],
      // The same expectation the lean verifier has: frames only under the app's own origins.
      expectedTopOrigin: [ORIGIN],
      expectedRPID: RP_ID,
      requireUserVerification: c.requireUV ?? false,
      credential: { id: stored.id, publicKey: new Uint8Array(stored.publicKeyCose), counter },
    });
    reference = r.verified ? 'accepted' : 'refused (verified: false)';
  } catch (e) {
    reference = `refused (${(e as Error).message})`;
  }
  return { lean, reference };
}

describe('the lean sign-in verifier agrees with SimpleWebAuthn’s verifyAuthenticationResponse', () => {
  for (const alg of ['ES256', 'EdDSA', 'RS256'] as const) {
    describe(alg, () => {
      it.each(CASES.map((c) => [c.name, c] as const))('on %s', async (_name, c) => {
        const { lean, reference } = await verdicts(alg, c);
        if (c.stricter) {
          expect({ lean, reference }).toMatchObject({
            lean: expect.stringMatching(/^refused/),
            reference: 'accepted',
          });
          return;
        }
        expect(lean.startsWith('accepted')).toBe(reference.startsWith('accepted'));
        // Pin the verdict too: otherwise "both refuse everything" would pass.
        expect(lean.startsWith('accepted')).toBe(c.ok === true);
      });
    });
  }
});
