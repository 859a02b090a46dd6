import type { AppDeps } from '../deps.js';
import { html } from './html.js';
import { layout } from './layout.js';

/** For page loads that fail: the user-facing message only, never a stack trace. */
export function errorPage(deps: AppDeps, message: string): string {
  return layout(deps, {
    title: 'Something went wrong',
    script: 'common.js',
    body: html` <main class="card">
      <h1>Something went wrong</h1>
      <p class="message error" role="alert">${message}</p>
      <p class="switch"><a href="/">Back to the start</a></p>
    </main>`,
  });
}
