import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestAuthenticator } from '@passkeyd/test-authenticator';
import {
  createScratchDatabase,
  describeWithPostgres,
  probePostgres,
  type ScratchDatabase,
} from '../storage/scratch-postgres.js';
import { CeremonyClient, startTestServer, type TestServer } from '../testing/index.js';

/**
 * Issue 14 items 1 and 2 over HTTP, on both engines and both sign-in verifiers: an Android app's
 * origin (Credential Manager's `android:apk-key-hash:…`) and a related origin (WebAuthn L3 §5.11)
 * are accepted in clientDataJSON; only web origins get CORS; /.well-known/webauthn lists the
 * related origins for the RP ID's host.
 *
 * The test authenticator checks the RP ID against the page's origin as a browser does, so the
 * ceremonies run on the app's web origin and `tamper.origin` writes the origin that Credential
 * Manager (after Digital Asset Links) or the browser (after the well-known check) would sign.
 */
const WEB = 'http://localhost:3000';
// SHA-256 of a signing certificate, as keytool prints it, in base64url (docs/mobile.md).
const APK_HASH = Buffer.from(
  'B4:2C:3A:19:EE:E8:DF:BC:B8:06:7B:77:77:80:F7:40:03:61:33:C8:0C:5B:3F:DA:DD:A0:84:01:40:93:EB:E1'
    .split(':')
    .map((h) => parseInt(h, 16)),
).toString('base64url');
const ANDROID = `android:apk-key-hash:${APK_HASH}`;
const OTHER_ANDROID = `android:apk-key-hash:${Buffer.alloc(32, 7).toString('base64url')}`;
const RELATED = 'https://example.co.uk';
const code = (r: { body: unknown }) => (r.body as { code: string }).code;

function suite(databaseUrl: () => string | undefined, env: Record<string, string> = {}) {
  let server: TestServer;
  let client: CeremonyClient;
  let appId: string;

  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.baseUrl}/v1/admin${path}`, {
      method,
      headers: {
        authorization: `Bearer ${server.adminToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as any };
  };

  beforeAll(async () => {
    const url = databaseUrl();
    server = await startTestServer({
      origins: [WEB],
      env: { PASSKEYD_AUTH_FAILURE_LIMIT: '0', ...env },
      ...(url ? { databaseUrl: url } : {}),
    });
    const created = await admin('POST', '/apps', {
      name: 'Shop with apps',
      rp_id: 'localhost',
      origins: [WEB, ANDROID],
      related_origins: [RELATED],
    });
    expect(created.status).toBe(201);
    expect(created.body.app).toMatchObject({
      origins: [WEB, ANDROID],
      related_origins: [RELATED],
      warnings: [],
    });
    appId = created.body.app.id;
    client = new CeremonyClient(server.baseUrl, appId, created.body.api_key, WEB);
  });
  afterAll(() => server.close());

  describe('an Android app origin', () => {
    it('registers and signs in with clientDataJSON.origin android:apk-key-hash:…', async () => {
      const phone = new TestAuthenticator();
      const reg = await client.register(phone, 'android-user', { tamper: { origin: ANDROID } });
      expect(reg.status).toBe(200);
      expect((await client.verifyNonce(reg.body.nonce)).body).toMatchObject({
        external_id: 'android-user',
      });
      const signIn = await client.authenticate(phone, 'android-user', {
        tamper: { origin: ANDROID },
      });
      expect(signIn.status).toBe(200);
      expect((await client.verifyNonce(signIn.body.nonce)).body).toMatchObject({
        external_id: 'android-user',
      });
    });

    it('refuses an app signed with another certificate (origin_mismatch)', async () => {
      const phone = new TestAuthenticator();
      const reg = await client.register(phone, 'other-apk', { tamper: { origin: OTHER_ANDROID } });
      expect([reg.status, code(reg)]).toEqual([401, 'origin_mismatch']);
      expect((await client.register(phone, 'other-apk')).status).toBe(200);
      const signIn = await client.authenticate(phone, 'other-apk', {
        tamper: { origin: OTHER_ANDROID },
      });
      expect([signIn.status, code(signIn)]).toEqual([401, 'origin_mismatch']);
    });

    it('is never a top origin: a frame under it is refused', async () => {
      const phone = new TestAuthenticator();
      expect((await client.register(phone, 'framed')).status).toBe(200);
      const r = await client.authenticate(phone, 'framed', {
        tamper: { clientData: { crossOrigin: true, topOrigin: ANDROID } },
      });
      expect([r.status, code(r)]).toEqual([401, 'origin_mismatch']);
    });

    it('is never echoed in CORS, on a preflight or a request', async () => {
      const path = `/v1/apps/${appId}/authenticate/transactions/webauthn/start`;
      const preflight = await fetch(`${server.baseUrl}${path}`, {
        method: 'OPTIONS',
        headers: { origin: ANDROID, 'access-control-request-method': 'POST' },
      });
      expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
      expect(preflight.headers.get('access-control-allow-methods')).toBeNull();
      const post = await client.request('POST', path.slice(3), {
        body: {},
        headers: { origin: ANDROID },
      });
      expect(post.status).toBe(200);
      expect(post.headers.get('access-control-allow-origin')).toBeNull();
    });
  });

  describe('a related origin (WebAuthn L3 §5.11)', () => {
    it('signs in with clientDataJSON.origin on another domain', async () => {
      const device = new TestAuthenticator();
      expect((await client.register(device, 'related-user')).status).toBe(200);
      const r = await client.authenticate(device, 'related-user', { tamper: { origin: RELATED } });
      expect(r.status).toBe(200);
      expect((await client.verifyNonce(r.body.nonce)).body).toMatchObject({
        external_id: 'related-user',
      });
    });

    it('registers from a related origin', async () => {
      const r = await client.register(new TestAuthenticator(), 'related-reg', {
        tamper: { origin: RELATED },
      });
      expect(r.status).toBe(200);
    });

    it('refuses an origin on another domain that is not listed', async () => {
      const device = new TestAuthenticator();
      expect((await client.register(device, 'unlisted')).status).toBe(200);
      const r = await client.authenticate(device, 'unlisted', {
        tamper: { origin: 'https://example.de' },
      });
      expect([r.status, code(r)]).toEqual([401, 'origin_mismatch']);
    });

    it('is echoed in CORS', async () => {
      const path = `/v1/apps/${appId}/authenticate/transactions/webauthn/start`;
      const preflight = await fetch(`${server.baseUrl}${path}`, {
        method: 'OPTIONS',
        headers: { origin: RELATED, 'access-control-request-method': 'POST' },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe(RELATED);
      const post = await client.request('POST', path.slice(3), {
        body: {},
        headers: { origin: RELATED },
      });
      expect(post.headers.get('access-control-allow-origin')).toBe(RELATED);
      const foreign = await client.request('POST', path.slice(3), {
        body: {},
        headers: { origin: 'https://example.de' },
      });
      expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    });
  });

  describe('GET /.well-known/webauthn', () => {
    /** fetch() cannot set Host; the RP ID is the request's host, so use node:http. */
    const get = (host: string, headers: Record<string, string> = {}) =>
      new Promise<{ status: number; type: string | undefined; body: any }>((resolve, reject) => {
        const req = httpRequest(
          `${server.server.url}/.well-known/webauthn`,
          { headers: { host, ...headers } },
          (res) => {
            let text = '';
            res.on('data', (c: Buffer) => (text += c.toString()));
            res.on('end', () =>
              resolve({
                status: res.statusCode ?? 0,
                type: res.headers['content-type'],
                body: JSON.parse(text),
              }),
            );
          },
        );
        req.on('error', reject);
        req.end();
      });

    it('lists the related origins of the apps whose RP ID is the host', async () => {
      const r = await get('localhost:3000');
      expect(r.status).toBe(200);
      expect(r.type).toMatch(/^application\/json/);
      expect(r.body).toEqual({ origins: [RELATED] });
    });

    it('matches the host case-insensitively and without the root dot', async () => {
      const r = await get('LocalHost.');
      expect([r.status, r.body]).toEqual([200, { origins: [RELATED] }]);
    });

    it('answers 404 not_found for a host that is no app’s RP ID', async () => {
      const r = await get('shop.example');
      expect([r.status, r.body.code]).toEqual([404, 'not_found']);
      expect(r.type).toMatch(/^application\/json/);
    });

    it('ignores X-Forwarded-Host unless the proxy is trusted', async () => {
      const r = await get('shop.example', { 'x-forwarded-host': 'localhost' });
      expect(r.status).toBe(404);
    });

    it('is what the admin API gives for the app, with the Android and Apple files', async () => {
      const r = await admin('GET', `/apps/${appId}/well-known?android_package=com.example.shop`);
      expect(r.status).toBe(200);
      expect(r.body).toEqual({
        webauthn: { origins: [RELATED] },
        assetlinks: [
          {
            relation: ['delegate_permission/common.get_login_creds'],
            target: {
              namespace: 'android_app',
              package_name: 'com.example.shop',
              sha256_cert_fingerprints: [
                'B4:2C:3A:19:EE:E8:DF:BC:B8:06:7B:77:77:80:F7:40:03:61:33:C8:0C:5B:3F:DA:DD:A0:84:01:40:93:EB:E1',
              ],
            },
          },
        ],
        apple_app_site_association: {
          webcredentials: { apps: ['TEAMID.REPLACE.WITH.BUNDLE.ID'] },
        },
        warnings: [],
      });
      const bad = await admin('GET', `/apps/${appId}/well-known?apple_app_id=com.example.shop`);
      expect([bad.status, bad.body.code]).toEqual([400, 'invalid_request']);
      expect(bad.body.error).toContain('apple_app_id');
    });
  });

  describe('validation', () => {
    const base = { name: 'Bad', rp_id: 'localhost' };
    it.each([
      ['a hash one character short', `android:apk-key-hash:${APK_HASH.slice(1)}`],
      ['a hash one character long', `android:apk-key-hash:${APK_HASH}A`],
      ['a padded hash', `android:apk-key-hash:${APK_HASH}=`],
      ['standard base64', `android:apk-key-hash:${APK_HASH.slice(0, 42)}+`],
      ['the colon-hex fingerprint', 'android:apk-key-hash:B4:2C:3A:19'],
      // 32 bytes leave the last character's 2 low bits zero; `F` sets one: no device sends it.
      ['a non-canonical last character', `android:apk-key-hash:${APK_HASH.slice(0, 42)}F`],
      ['an empty hash', 'android:apk-key-hash:'],
    ])('refuses an Android origin with %s (400 invalid_request on origins)', async (_n, origin) => {
      const r = await admin('POST', '/apps', { ...base, origins: [WEB, origin] });
      expect([r.status, r.body.code]).toEqual([400, 'invalid_request']);
      expect(r.body.error).toContain('43-character unpadded base64url SHA-256');
    });

    it.each([
      ['a foreign origin in origins', { origins: [WEB, RELATED] }, 'belongs in related_origins'],
      [
        'an origin on the RP ID in related_origins',
        { origins: [WEB], related_origins: ['https://a.localhost'] },
        'list it in origins instead',
      ],
      [
        'plain http in related_origins',
        { origins: [WEB], related_origins: ['http://example.co.uk'] },
        'must use https',
      ],
      [
        'an Android origin in related_origins',
        { origins: [WEB], related_origins: [ANDROID] },
        'must be an https web origin',
      ],
      [
        'a path in related_origins',
        { origins: [WEB], related_origins: ['https://example.co.uk/x'] },
        'must not have a path',
      ],
    ])('refuses %s', async (_n, over, message) => {
      const r = await admin('POST', '/apps', { ...base, ...over });
      expect([r.status, r.body.code]).toEqual([400, 'invalid_request']);
      expect(r.body.error).toContain(message);
    });

    it('warns, without refusing, past 5 registrable-domain labels', async () => {
      const five = [
        'https://a.co.uk',
        'https://www.a.de',
        'https://b.com',
        'https://c.net',
        'https://d.org',
        'https://e.io',
      ];
      const r = await admin('PATCH', `/apps/${appId}`, { related_origins: five });
      expect(r.status).toBe(200);
      // a.co.uk and a.de share the label "a": 5 labels, no warning.
      expect(r.body.app.warnings).toEqual([]);
      const six = await admin('PATCH', `/apps/${appId}`, {
        related_origins: [...five, 'https://f.example'],
      });
      expect(six.status).toBe(200);
      expect(six.body.app.warnings).toHaveLength(1);
      expect(six.body.app.warnings[0]).toContain('https://f.example');
      const wk = await admin('GET', `/apps/${appId}/well-known`);
      expect(wk.body.warnings).toEqual(six.body.app.warnings);
      const restored = await admin('PATCH', `/apps/${appId}`, { related_origins: [RELATED] });
      expect(restored.body.app.warnings).toEqual([]);
    });
  });
}

describe('SQLite', () => suite(() => undefined));
describe('SQLite, PASSKEYD_VERIFIER=simplewebauthn', () =>
  suite(() => undefined, { PASSKEYD_VERIFIER: 'simplewebauthn' }));

const probe = await probePostgres(process.env);
describeWithPostgres(probe, process.env, 'PostgreSQL', (adminUrl) => {
  let db: ScratchDatabase | undefined;
  beforeAll(async () => {
    db = await createScratchDatabase(adminUrl, 'mobile');
  });
  afterAll(async () => db?.drop());
  suite(() => db?.url);
});
