import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api.js';
import { ErrorAlert } from './alert.js';

/**
 * A modal question before something that cannot be undone. The native <dialog> traps focus,
 * closes on Escape and returns focus to the button that opened it.
 */
export function ConfirmDialog(props: {
  open: boolean;
  title: string;
  children: ComponentChildren;
  confirmLabel: string;
  onConfirm: () => Promise<void>;
  onClose: () => void;
  /** Keeps the confirm button off, e.g. until the operator has typed the name of what goes. */
  confirmDisabled?: boolean;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (props.open && !d.open) {
      setError(undefined);
      d.showModal();
    } else if (!props.open && d.open) d.close();
  }, [props.open]);

  return (
    <dialog ref={ref} class="dialog" aria-labelledby="confirm-title" onClose={props.onClose}>
      <form
        method="dialog"
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          try {
            await props.onConfirm();
            props.onClose();
          } catch (err) {
            setError(err instanceof ApiError ? err : new ApiError(0, 'unexpected', String(err)));
          } finally {
            setBusy(false);
          }
        }}
      >
        <h2 id="confirm-title">{props.title}</h2>
        <div class="dialog-body">{props.children}</div>
        <ErrorAlert error={error} />
        <div class="dialog-actions">
          <button type="button" class="btn btn-secondary" autofocus onClick={props.onClose}>
            Cancel
          </button>
          <button
            type="submit"
            class="btn btn-danger"
            disabled={busy || props.confirmDisabled === true}
          >
            {busy ? 'Working…' : props.confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}
