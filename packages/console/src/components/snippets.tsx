import { useRef, useState } from 'preact/hooks';
import type { AdminApp } from '../api.js';
import { CopyButton } from './copy-button.js';

/** Copy-paste starting points for the two SDKs, filled in with this app and this server. */
function snippets(app: AdminApp, serverUrl: string) {
  const browser = `import { PassageFlex } from '@passkeyd/js';

const passkeys = new PassageFlex('${app.id}', { baseUrl: '${serverUrl}' });

// Register: \`transactionId\` comes from your backend (createRegisterTransaction).
const nonce = await passkeys.passkey.register(transactionId);

// Sign in: with a transaction from createAuthenticateTransaction, or none for a discoverable sign-in.
const signInNonce = await passkeys.passkey.authenticate({ transactionId });

// Send the nonce to your backend, which calls verifyNonce(nonce).`;

  const node = `import { PassageFlex } from '@passkeyd/node';

const passkeys = new PassageFlex({
  appId: '${app.id}',
  apiKey: process.env.PASSKEYD_API_KEY, // a key from "API keys"; never ship it to a browser
  baseUrl: '${serverUrl}',
});

const transactionId = await passkeys.createRegisterTransaction({
  externalId: user.id,           // your own, stable user id
  passkeyDisplayName: user.email,
});

// After the browser's register() or authenticate(): who proved their passkey?
const externalId = await passkeys.verifyNonce(nonce);`;

  const env = `# Your backend's environment
PASSKEYD_URL=${serverUrl}
PASSKEYD_APP_ID=${app.id}
PASSKEYD_API_KEY=pkd_...   # create one under "API keys"`;

  return [
    { id: 'browser', label: 'Browser', file: '@passkeyd/js', code: browser },
    { id: 'node', label: 'Node.js', file: '@passkeyd/node', code: node },
    { id: 'env', label: 'Environment', file: '.env', code: env },
  ];
}

/** Tabs with the WAI-ARIA keyboard pattern: arrows move between tabs, Tab goes into the panel. */
export function Snippets({ app }: { app: AdminApp }) {
  const items = snippets(app, window.location.origin);
  const [active, setActive] = useState(0);
  const tabs = useRef<(HTMLButtonElement | null)[]>([]);
  const select = (i: number) => {
    const n = (i + items.length) % items.length;
    setActive(n);
    tabs.current[n]?.focus();
  };
  const current = items[active]!;
  return (
    <section class="card snippets" aria-labelledby="snippets-title">
      <div class="card-head">
        <h2 id="snippets-title">Add passkeys to your app</h2>
        <p class="muted">
          Install with <code>npm install @passkeyd/js @passkeyd/node</code>. The values below are
          this app's.
        </p>
      </div>
      <div
        role="tablist"
        aria-label="SDK"
        class="tabs"
        onKeyDown={(e) => {
          if (e.key === 'ArrowRight') select(active + 1);
          else if (e.key === 'ArrowLeft') select(active - 1);
          else if (e.key === 'Home') select(0);
          else if (e.key === 'End') select(items.length - 1);
          else return;
          e.preventDefault();
        }}
      >
        {items.map((s, i) => (
          <button
            key={s.id}
            ref={(el) => {
              tabs.current[i] = el;
            }}
            type="button"
            role="tab"
            id={`tab-${s.id}`}
            aria-selected={i === active}
            aria-controls={`panel-${s.id}`}
            tabIndex={i === active ? 0 : -1}
            class="tab"
            onClick={() => setActive(i)}
          >
            {s.label}
          </button>
        ))}
      </div>
      <div
        role="tabpanel"
        id={`panel-${current.id}`}
        aria-labelledby={`tab-${current.id}`}
        class="code-panel"
      >
        <div class="code-head">
          <span class="mono small">{current.file}</span>
          <CopyButton text={current.code} label={`Copy the ${current.label} snippet`} compact />
        </div>
        <pre tabIndex={0} aria-label={`${current.label} snippet`}>
          <code>{current.code}</code>
        </pre>
      </div>
    </section>
  );
}
