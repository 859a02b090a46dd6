import { useState } from 'preact/hooks';
import { api, type AdminApp } from '../api.js';
import { useAsync } from '../use-async.js';
import { ErrorAlert, Loading } from './alert.js';
import { CopyButton } from './copy-button.js';

/**
 * The files to host on the app's RP ID for native apps and related origins (docs/mobile.md).
 * passkeyd stores neither the Android package nor the Apple app ID; typing them here only fills
 * the files, and the server validates them.
 */
export function WellKnownFiles({ app }: { app: AdminApp }) {
  // What is in each box (every keystroke) and what the files were asked for (on change: blur or
  // Enter). The box shows the first: a render while the files load, which re-applies `value`,
  // then keeps what is half-typed instead of putting back the last value asked for.
  const [androidDraft, setAndroidDraft] = useState('');
  const [appleDraft, setAppleDraft] = useState('');
  const [androidPackage, setAndroidPackage] = useState('');
  const [appleAppId, setAppleAppId] = useState('');
  const files = useAsync(
    () =>
      api.wellKnown(app.id, {
        android_package: androidPackage.trim(),
        apple_app_id: appleAppId.trim(),
      }),
    [app.id, app.updated_at, androidPackage, appleAppId],
  );
  const blocks = files.data
    ? [
        {
          id: 'webauthn',
          title: `https://${app.rp_id}/.well-known/webauthn`,
          note: 'Served by passkeyd when that path is routed to it; otherwise host this.',
          json: files.data.webauthn,
        },
        {
          id: 'assetlinks',
          title: `https://${app.rp_id}/.well-known/assetlinks.json`,
          note: 'One statement with every android:apk-key-hash: origin of the app.',
          json: files.data.assetlinks,
        },
        {
          id: 'aasa',
          title: `https://${app.rp_id}/.well-known/apple-app-site-association`,
          note: 'Merge the webcredentials entry into the file you host.',
          json: files.data.apple_app_site_association,
        },
      ]
    : [];
  return (
    <section class="card card-pad" aria-labelledby="well-known-title">
      <h2 id="well-known-title">Files for the RP ID&rsquo;s domain</h2>
      <div class="field-row">
        <div class="field">
          <label for="android-package">Android package name</label>
          <input
            id="android-package"
            spellcheck={false}
            autoCapitalize="off"
            placeholder="com.example.app"
            value={androidDraft}
            onInput={(e) => setAndroidDraft((e.target as HTMLInputElement).value)}
            onChange={(e) => setAndroidPackage((e.target as HTMLInputElement).value)}
          />
        </div>
        <div class="field">
          <label for="apple-app-id">Apple app ID</label>
          <input
            id="apple-app-id"
            spellcheck={false}
            autoCapitalize="off"
            placeholder="TEAMID.com.example.app"
            value={appleDraft}
            onInput={(e) => setAppleDraft((e.target as HTMLInputElement).value)}
            onChange={(e) => setAppleAppId((e.target as HTMLInputElement).value)}
          />
        </div>
      </div>
      {files.error ? <ErrorAlert error={files.error} /> : null}
      {files.loading && !files.data ? <Loading /> : null}
      {blocks.map((b) => {
        const text = JSON.stringify(b.json, null, 2);
        return (
          <div class="field" key={b.id}>
            <p class="label">{b.title}</p>
            <p class="help">{b.note}</p>
            <pre class="mono" aria-label={b.title}>
              {text}
            </pre>
            <CopyButton text={text} label={`Copy ${b.title}`} />
          </div>
        );
      })}
    </section>
  );
}
