import * as x509 from '@peculiar/x509';
import { createHash, webcrypto } from 'node:crypto';

/**
 * A throwaway certificate authority and one server certificate for made-up host names
 * (`rp.test`, `shop.test`), generated at test time so that nothing secret or expiring is
 * committed. `.test` is reserved (RFC 2606), so no real host can answer for these names.
 *
 * Chromium trusts the certificate through `--ignore-certificate-errors-spki-list`, which pins the
 * leaf's public key, rather than `--ignore-certificate-errors`: with the pin the connection counts
 * as valid TLS (no certificate error on the page), and any other certificate still fails, so a
 * misrouted request cannot pass by accident.
 */

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[1]);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const HOUR = 3_600_000;

export interface LocalTls {
  /** PEM private key and certificate chain (leaf, then CA) for node:https `createServer`. */
  key: string;
  cert: string;
  /** The CA's certificate, PEM (for clients that verify, e.g. Node's `fetch` with a custom agent). */
  ca: string;
  /** base64(SHA-256(SubjectPublicKeyInfo DER)) of the leaf, as Chromium's SPKI pin flag takes it. */
  spkiSha256: string;
  /** Chromium flag trusting this certificate (and only it). */
  chromiumFlag: string;
}

async function keyPair(): Promise<webcrypto.CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALG, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
}

/** A CA and a leaf certificate valid for every name in `hosts`, for a few hours. */
export async function createLocalTls(hosts: readonly string[]): Promise<LocalTls> {
  const notBefore = new Date(Date.now() - HOUR);
  const notAfter = new Date(Date.now() + 24 * HOUR);
  const caKeys = await keyPair();
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=passkeyd e2e throwaway CA',
    notBefore,
    notAfter,
    signingAlgorithm: ALG,
    keys: caKeys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true),
    ],
  });
  const leafKeys = await keyPair();
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: '02',
    subject: `CN=${hosts[0]}`,
    issuer: ca.subject,
    notBefore,
    notAfter,
    signingAlgorithm: ALG,
    publicKey: leafKeys.publicKey,
    signingKey: caKeys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(
        hosts.map((value) => ({ type: 'dns' as const, value })),
      ),
    ],
  });
  const spki = Buffer.from(await webcrypto.subtle.exportKey('spki', leafKeys.publicKey));
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', leafKeys.privateKey));
  const spkiSha256 = createHash('sha256').update(spki).digest('base64');
  return {
    key: `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END PRIVATE KEY-----\n`,
    cert: `${leaf.toString('pem')}\n${ca.toString('pem')}\n`,
    ca: ca.toString('pem'),
    spkiSha256,
    chromiumFlag: `--ignore-certificate-errors-spki-list=${spkiSha256}`,
  };
}
