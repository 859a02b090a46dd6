import { Router } from 'express';
import type { AppDeps } from '../deps.js';
import { AppError } from '../errors.js';
import { readNonce, readPasskeyName } from '../http/read-body.js';
import { currentUser, endSession, requireUser } from '../http/session-cookie.js';
import { accountPage } from '../views/account-page.js';

/** The signed-in user's passkeys, managed through passkeyd's management API. */
export function accountRoutes(deps: AppDeps): Router {
  const router = Router();

  router.get('/account', async (_req, res) => {
    const user = currentUser(res);
    if (!user) return res.redirect('/sign-in');
    const devices = await deps.passage.getDevices(user.externalId);
    // The page shows the user's email and passkeys: no copy may stay in the browser's cache,
    // where the back button would show it to the next person at a shared computer.
    res.set('Cache-Control', 'no-store');
    res.type('html').send(accountPage(deps, user, devices));
  });

  // Another passkey for the same user: the same register transaction, for the signed-in user.
  router.post('/account/passkeys', async (_req, res) => {
    const user = requireUser(res);
    const transactionId = await deps.passage.createRegisterTransaction({
      externalId: user.externalId,
      passkeyDisplayName: user.email,
    });
    res.json({ transactionId });
  });

  router.post('/account/passkeys/verify', async (req, res) => {
    const user = requireUser(res);
    const externalId = await deps.passage.verifyNonce(readNonce(req));
    if (externalId !== user.externalId) throw new AppError('passkey_for_other_account');
    res.json({ ok: true });
  });

  router.post('/account/passkeys/:deviceId/rename', async (req, res) => {
    const user = requireUser(res);
    const name = readPasskeyName(req);
    // passkeyd answers device_not_found for a passkey of another user: no ownership check needed here.
    const device = await deps.passage.user.renameDevice(
      user.externalId,
      req.params.deviceId!,
      name,
    );
    res.json({ friendlyName: device.friendlyName });
  });

  router.post('/account/passkeys/:deviceId/revoke', async (req, res) => {
    const user = requireUser(res);
    const deviceId = req.params.deviceId!;
    const devices = await deps.passage.getDevices(user.externalId);
    if (!devices.some((d) => d.id === deviceId)) throw new AppError('passkey_not_found');
    if (devices.length === 1) throw new AppError('last_passkey');
    await deps.passage.revokeDevice(user.externalId, deviceId);
    res.json({ ok: true });
  });

  router.post('/sign-out', (req, res) => {
    endSession(deps, req, res);
    res.json({ redirect: '/sign-in' });
  });

  return router;
}
