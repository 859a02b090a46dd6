import { useEffect, useRef } from 'preact/hooks';
import { CopyButton } from './copy-button.js';
import { Icon } from './icons.js';

/**
 * A new API key, shown this once: passkeyd keeps only its hash. The panel takes focus so a
 * screen reader reads the warning first.
 */
export function SecretOnce({
  secret,
  title,
  onDone,
}: {
  secret: string;
  title: string;
  onDone: () => void;
}) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <div class="secret-once" ref={ref} tabIndex={-1} role="region" aria-labelledby="secret-title">
      <div class="secret-head">
        <Icon name="key" size={20} />
        <h2 id="secret-title">{title}</h2>
      </div>
      <p>
        Copy it now and store it in your backend's secrets.{' '}
        <strong>It will not be shown again</strong>: passkeyd keeps only a hash of it.
      </p>
      <div class="secret-value">
        <code data-testid="new-secret">{secret}</code>
        <CopyButton text={secret} label="Copy API key" />
      </div>
      <button type="button" class="btn btn-secondary" onClick={onDone}>
        I have stored it
      </button>
    </div>
  );
}
