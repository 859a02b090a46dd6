#!/usr/bin/env node
// Drives the whole Passkey Flex flow against a running passkeyd, printing each step:
// register transaction → register start → (software authenticator) → register finish → verify
// nonce → authenticate transaction → start → finish → verify nonce → discoverable sign-in.
//
// Usage: npm run demo:flow [-- --base-url URL --app-id ID --api-key KEY --origin ORIGIN]
// Without flags it reads the demo app that `npm start` created in .data/demo-app.json.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CeremonyClient } from '@passkeyd/server/testing';
import { TestAuthenticator } from '@passkeyd/test-authenticator';

const { values } = parseArgs({
  options: {
    'base-url': { type: 'string' },
    'app-id': { type: 'string' },
    'api-key': { type: 'string' },
    origin: { type: 'string' },
    help: { type: 'boolean' },
  },
});
if (values.help) {
  console.log(
    'Usage: npm run demo:flow -- [--base-url http://localhost:8787] [--app-id APP] [--api-key KEY] [--origin http://localhost:3000]',
  );
  process.exit(0);
}

let demo = {};
try {
  demo = JSON.parse(readFileSync(new URL('../.data/demo-app.json', import.meta.url), 'utf8'));
} catch {
  // flags must then name the app
}
const baseUrl = values['base-url'] ?? demo.baseUrl ?? 'http://localhost:8787';
const appId = values['app-id'] ?? demo.appId ?? demo.app_id;
const apiKey = values['api-key'] ?? demo.apiKey ?? demo.api_key;
const origin = values.origin ?? demo.origin ?? 'http://localhost:3000';
if (!appId || !apiKey) {
  console.error(
    'No app: run `npm start` once (it creates .data/demo-app.json) or pass --app-id and --api-key.',
  );
  process.exit(2);
}

const client = new CeremonyClient(baseUrl, appId, apiKey, origin);
const device = new TestAuthenticator();
const externalId = `demo-user-${Date.now()}`;
const step = (n, what, detail) =>
  console.log(`${String(n).padStart(2)}. ${what.padEnd(44)} ${detail}`);
const must = (r, what) => {
  if (r.status >= 300) {
    console.error(`${what} failed: HTTP ${r.status} ${JSON.stringify(r.body)}`);
    process.exit(1);
  }
  return r.body;
};

console.log(`passkeyd ${baseUrl}  app ${appId}  origin ${origin}\n`);
const regTx = await client.createRegisterTransaction(externalId, `${externalId}@example.com`);
step(1, 'backend: create register transaction', regTx);
const regStart = await client.startRegistration(regTx);
step(2, 'browser: register start → challenge', `handshake ${regStart.handshake.id}`);
const credential = device.createCredential(regStart.handshake.challenge.publicKey, { origin });
step(3, 'authenticator: create passkey (ES256)', `credential ${credential.id}`);
const regNonce = must(
  await client.finishRegistration(regStart.handshake.id, credential, regTx),
  'register finish',
).nonce;
step(4, 'browser: register finish → nonce', `${regNonce.slice(0, 12)}…`);
step(
  5,
  'backend: verify nonce → external id',
  must(await client.verifyNonce(regNonce), 'verify').external_id,
);

const authTx = await client.createAuthenticateTransaction(externalId);
step(6, 'backend: create authenticate transaction', authTx);
const authStart = await client.startAuthentication(authTx);
step(
  7,
  'browser: authenticate start → challenge',
  `allowCredentials ${authStart.handshake.challenge.publicKey.allowCredentials.length}`,
);
const assertion = device.getAssertion(authStart.handshake.challenge.publicKey, { origin });
const authNonce = must(
  await client.finishAuthentication(authStart.handshake.id, assertion, authTx),
  'authenticate finish',
).nonce;
step(8, 'browser: sign the challenge, finish → nonce', `${authNonce.slice(0, 12)}…`);
step(
  9,
  'backend: verify nonce → external id',
  must(await client.verifyNonce(authNonce), 'verify').external_id,
);

const discStart = await client.startAuthentication();
const discNonce = must(
  await client.finishAuthentication(
    discStart.handshake.id,
    device.getAssertion(discStart.handshake.challenge.publicKey, { origin }),
  ),
  'discoverable finish',
).nonce;
step(10, 'browser: discoverable sign-in (no transaction)', `${discNonce.slice(0, 12)}…`);
step(
  11,
  'backend: verify nonce → external id',
  must(await client.verifyNonce(discNonce), 'verify').external_id,
);
const replay = await client.verifyNonce(discNonce);
step(12, 'backend: verify the same nonce again', `HTTP ${replay.status} ${replay.body.code}`);
