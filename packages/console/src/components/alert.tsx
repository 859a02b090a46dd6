import type { ComponentChildren } from 'preact';
import type { ApiError } from '../api.js';
import { Icon } from './icons.js';

/** An error the operator must see: announced at once (role="alert"). */
export function ErrorAlert({
  error,
  children,
}: {
  error?: ApiError | undefined;
  children?: ComponentChildren;
}) {
  if (!error && !children) return null;
  return (
    <div class="alert alert-error" role="alert">
      <Icon name="alert" />
      <div>
        {children ?? error?.message}
        {error && error.code && !children ? <span class="alert-code"> ({error.code})</span> : null}
      </div>
    </div>
  );
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p class="loading" role="status">
      <span class="spinner" aria-hidden="true" />
      {label}
    </p>
  );
}
