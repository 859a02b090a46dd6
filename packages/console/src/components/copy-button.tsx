import { useEffect, useState } from 'preact/hooks';
import { Icon } from './icons.js';

async function copy(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // No async clipboard (plain http on a non-localhost name is not a secure context):
    // the old way still works from a click.
    const area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.className = 'offscreen';
    document.body.append(area);
    area.select();
    const ok = document.execCommand('copy');
    area.remove();
    return ok;
  }
}

/** `label` names what is copied, for screen readers ("Copy API key"). */
export function CopyButton({
  text,
  label,
  compact = false,
}: {
  text: string;
  label: string;
  compact?: boolean;
}) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  useEffect(() => {
    if (state === 'idle') return;
    const t = setTimeout(() => setState('idle'), 2000);
    return () => clearTimeout(t);
  }, [state]);
  return (
    <>
      <button
        type="button"
        class={compact ? 'btn btn-ghost btn-sm' : 'btn btn-secondary btn-sm'}
        aria-label={label}
        onClick={async () => setState((await copy(text)) ? 'copied' : 'failed')}
      >
        <Icon name={state === 'copied' ? 'check' : 'copy'} size={16} />
        <span aria-hidden="true">
          {state === 'copied' ? 'Copied' : state === 'failed' ? 'Copy failed' : 'Copy'}
        </span>
      </button>
      <span class="visually-hidden" aria-live="polite">
        {state === 'copied'
          ? 'Copied to the clipboard'
          : state === 'failed'
            ? 'Could not copy; select the text and copy it by hand'
            : ''}
      </span>
    </>
  );
}
