import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { CopyButton } from './copy-button.js';
import { Icon } from './icons.js';

/**
 * A secret shown this once (a new API key, of which passkeyd keeps only a hash; a webhook
 * signing secret). The panel takes focus so a screen reader reads the warning first. `children`
 * replaces the API key's explanation.
 */
export function SecretOnce({
  secret,
  title,
  onDone,
  copyLabel = 'Copy API key',
  testId = 'new-secret',
  children,
}: {
  secret: string;
  title: string;
  onDone: () => void;
  copyLabel?: string;
  testId?: string;
  children?: ComponentChildren;
}) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <div class="secret-once" ref={ref} tabIndex={-1} role="region" aria-labelledby="secret-title">
      <div class="secret-head">
        <Icon name="key" size={20} />
        <h2 id="secret-title">{title}</h2>
      </div>
      {children ?? (
        <p>
          Copy it now and store it in your backend's secrets.{' '}
          <strong>It will not be shown again</strong>: passkeyd keeps only a hash of it.
        </p>
      )}
      <div class="secret-value">
        <code data-testid={testId}>{secret}</code>
        <CopyButton text={secret} label={copyLabel} />
      </div>
      <button type="button" class="btn btn-secondary" onClick={onDone}>
        I have stored it
      </button>
    </div>
  );
}
