import { Router } from 'express';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { AppDeps } from '../deps.js';
import { currentUser } from '../http/session-cookie.js';
import { signInPage } from '../views/sign-in-page.js';
import { signUpPage } from '../views/sign-up-page.js';

/**
 * The browser SDK's <script> build (global `Passkeyd`), straight from the installed
 * @passkeyd/js package, so the page always runs the SDK version this app depends on.
 */
const sdkDist = join(
  dirname(createRequire(import.meta.url).resolve('@passkeyd/js/package.json')),
  'dist',
);

export function pageRoutes(deps: AppDeps): Router {
  const router = Router();

  router.get('/', (_req, res) => res.redirect(currentUser(res) ? '/account' : '/sign-in'));

  router.get('/sign-up', (_req, res) => {
    if (currentUser(res)) return res.redirect('/account');
    res.type('html').send(signUpPage(deps));
  });

  router.get('/sign-in', (_req, res) => {
    if (currentUser(res)) return res.redirect('/account');
    res.type('html').send(signInPage(deps));
  });

  for (const file of ['index.global.js', 'index.global.js.map']) {
    router.get(`/vendor/passkeyd/${file}`, (_req, res) => res.sendFile(join(sdkDist, file)));
  }

  return router;
}
