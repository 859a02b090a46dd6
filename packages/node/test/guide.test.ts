import { randomUUID } from 'node:crypto';
import { startTestServer } from '@passkeyd/server/testing';
import { TestAuthenticator } from '@passkeyd/test-authenticator';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { authenticateInBrowser, ORIGIN, registerInBrowser, RP_ID } from './flow.js';

// The backend code from Passage's Passkey Flex guides, as shown in README.md, run end to end:
// only the import and `baseUrl` differ from Passage's text. A software authenticator plays the
// browser and a Map plays the app's database.
import { PassageFlex } from '@passkeyd/node';

let server: Awaited<ReturnType<typeof startTestServer>>;

beforeAll(async () => {
  server = await startTestServer({ origins: [ORIGIN], rpId: RP_ID });
  process.env.PASSAGE_APP_ID = server.appId;
  process.env.PASSAGE_API_KEY = server.apiKey;
  process.env.PASSKEYD_URL = server.baseUrl;
});

afterAll(async () => {
  await server?.close();
});

interface AppUser {
  email: string;
  passageExternalId: string;
}
const db = new Map<string, AppUser>();
const User = {
  create: async (user: AppUser) => (db.set(user.email, user), user),
  find: async ({ email }: { email: string }) => db.get(email)!,
  findByPassageExternalId: async (id: string) =>
    [...db.values()].find((u) => u.passageExternalId === id),
};

it("runs the guide's register, authenticate and verify code unchanged", async () => {
  const passage = new PassageFlex({
    appId: process.env.PASSAGE_APP_ID!,
    apiKey: process.env.PASSAGE_API_KEY!,
    baseUrl: process.env.PASSKEYD_URL!,
  });

  // POST /passkey/register
  const registerRoute = async (req: { body: { email: string } }) => {
    const user = await User.create({
      email: req.body.email,
      passageExternalId: randomUUID(),
    });
    const transactionID = await passage.createRegisterTransaction({
      externalId: user.passageExternalId,
      passkeyDisplayName: user.email,
    });
    return { transactionID };
  };

  // POST /user/authenticate-with-passkey
  const authenticateRoute = async (req: { body: { email: string } }) => {
    const user = await User.find({ email: req.body.email });
    const transactionID = await passage.createAuthenticateTransaction({
      externalId: user.passageExternalId,
    });
    return { transactionID };
  };

  // POST /passkey/verify
  const verifyRoute = async (req: { body: { nonce: string } }) => {
    const externalId: string = await passage.verifyNonce(req.body.nonce);
    return User.findByPassageExternalId(externalId);
  };

  const browser = new TestAuthenticator();
  const email = 'jane@example.com';

  const { transactionID: registerTx } = await registerRoute({ body: { email } });
  const registerNonce = await registerInBrowser(server, server.appId, browser, registerTx);
  await expect(verifyRoute({ body: { nonce: registerNonce } })).resolves.toMatchObject({ email });

  const { transactionID: loginTx } = await authenticateRoute({ body: { email } });
  const loginNonce = await authenticateInBrowser(server, server.appId, browser, loginTx);
  await expect(verifyRoute({ body: { nonce: loginNonce } })).resolves.toMatchObject({ email });

  // The 1.x form from the Node SDK page of the same docs.
  const { transactionID: againTx } = await authenticateRoute({ body: { email } });
  const againNonce = await authenticateInBrowser(server, server.appId, browser, againTx);
  const externalId: string = await passage.auth.verifyNonce(againNonce);
  expect(externalId).toBe(db.get(email)!.passageExternalId);
});
