/**
 * A page can run one WebAuthn request at a time; a second one is rejected while the first is
 * pending. An autofill (conditional) request is pending for as long as the page shows the field,
 * so a button-triggered ceremony must abort it first, as passage-flex-js does (passage-wire §5.4).
 *
 * Unlike passage-flex-js, every ceremony gets its own AbortController, so a later autofill
 * request is not born aborted. The registry is module-wide because the limit is per page, not
 * per PassageFlex instance.
 */

export type CeremonyKind = 'modal' | 'autofill';

interface Pending {
  kind: CeremonyKind;
  controller: AbortController;
}

const pending = new Set<Pending>();

export interface CeremonyScope {
  signal: AbortSignal;
  end(): void;
}

/**
 * Starts a ceremony. A modal one (a button press) aborts everything pending, including an earlier
 * modal one the user double-clicked; an autofill one replaces only an earlier autofill request.
 * `external` is the app's own signal, if it passed one.
 */
export function beginCeremony(kind: CeremonyKind, external?: AbortSignal): CeremonyScope {
  for (const entry of pending) {
    if (kind === 'modal' || entry.kind === 'autofill') abortEntry(entry);
  }
  const entry: Pending = { kind, controller: new AbortController() };
  pending.add(entry);
  const onExternalAbort = () => entry.controller.abort(external?.reason);
  if (external?.aborted) onExternalAbort();
  else external?.addEventListener('abort', onExternalAbort, { once: true });
  return {
    signal: entry.controller.signal,
    end() {
      pending.delete(entry);
      external?.removeEventListener('abort', onExternalAbort);
    },
  };
}

/** Aborts a pending autofill request, if any. Returns whether there was one. */
export function abortAutofill(): boolean {
  let aborted = false;
  for (const entry of pending) {
    if (entry.kind === 'autofill') {
      abortEntry(entry);
      aborted = true;
    }
  }
  return aborted;
}

function abortEntry(entry: Pending): void {
  pending.delete(entry);
  entry.controller.abort(
    new DOMException('A newer passkey request replaced this one.', 'AbortError'),
  );
}
