import type { AppDeps } from '../deps.js';
import { html, type SafeHtml } from './html.js';

/**
 * The page shell. The browser SDK's settings travel as data attributes rather than an inline
 * script, so the Content-Security-Policy can forbid inline scripts altogether.
 */
export function layout(
  deps: AppDeps,
  page: { title: string; script: string; body: SafeHtml },
): string {
  return `<!doctype html>${html`
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${page.title} · Passkey Flex example</title>
        <link rel="stylesheet" href="/style.css" />
      </head>
      <body data-app-id="${deps.browser.appId}" data-passkeyd-url="${deps.browser.passkeydUrl}">
        <header class="top">
          <a class="brand" href="/">Passkey Flex example</a><span class="by">on passkeyd</span>
        </header>
        ${page.body}
        <script src="/vendor/passkeyd/index.global.js"></script>
        <script type="module" src="/${page.script}"></script>
      </body>
    </html>
  `}`;
}
