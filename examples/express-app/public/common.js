// Shared by the pages: the browser SDK, calls to this app's backend, and the messages users see.
const { PassageFlex, canRegisterPasskey, isPasskeydError } = window.Passkeyd;

/** The guide's `new PassageFlex(appId)`, plus passkeyd's base URL (both rendered into <body>). */
export const flex = new PassageFlex(document.body.dataset.appId, {
  baseUrl: document.body.dataset.passkeydUrl,
});
export { canRegisterPasskey, isPasskeydError };

/** A failure reported by this app's backend; its message is already written for users. */
class AppRequestError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'AppRequestError';
    this.code = code;
  }
}

export async function postJson(path, body = {}) {
  let response;
  try {
    response = await fetch(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
  } catch {
    throw new AppRequestError(
      'network_error',
      'This site cannot be reached. Check your connection and try again.',
    );
  }
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new AppRequestError(
      data.error?.code ?? 'http_error',
      data.error?.message ?? 'Something went wrong. Please try again.',
    );
  }
  return data;
}

const EXPIRED = 'This passkey request expired before it was finished. Please try again.';

/** What an SDK error code means to the user; `ceremony` is 'create' or 'get'. */
const SDK_MESSAGES = {
  user_cancelled: {
    create: 'Passkey creation was cancelled. Nothing was saved; try again when you are ready.',
    get: 'Sign-in was cancelled, or this device has no passkey for this account.',
  },
  aborted: 'The passkey request was interrupted. Please try again.',
  credential_already_registered:
    'This device already has a passkey for this account. Use it to sign in, or add a passkey from another device.',
  credential_not_found:
    'This passkey is not registered here any more (it may have been revoked). Sign in with another passkey.',
  credential_not_allowed: 'That passkey belongs to a different account.',
  transaction_expired: EXPIRED,
  transaction_not_found: EXPIRED,
  transaction_consumed: EXPIRED,
  handshake_expired: EXPIRED,
  handshake_not_found: EXPIRED,
  handshake_consumed: EXPIRED,
  webauthn_unsupported:
    'This browser cannot use passkeys. Try a recent Chrome, Edge, Firefox or Safari.',
  insecure_context: 'Passkeys need a secure page: open this site over https (or http://localhost).',
  network_error: 'The passkey service cannot be reached. Check your connection and try again.',
  rate_limited: 'Too many attempts. Wait a minute, then try again.',
  origin_mismatch:
    "The passkey service does not accept this site's address (check the app's allowed origins).",
};

export function messageFor(err, ceremony) {
  if (err instanceof AppRequestError) return err.message;
  if (isPasskeydError(err)) {
    const message = SDK_MESSAGES[err.code];
    if (typeof message === 'string') return message;
    if (message) return message[ceremony];
  }
  console.error(err); // for the developer; the user gets the generic text
  return 'The passkey could not be used. Please try again.';
}

const messageBox = document.getElementById('message');

export function showMessage(text, kind = 'error') {
  messageBox.textContent = text;
  messageBox.className = `message ${kind}`;
  messageBox.hidden = false;
}

export function clearMessage() {
  messageBox.hidden = true;
  messageBox.textContent = '';
}

export function setBusy(button, busy) {
  button.disabled = busy;
  button.setAttribute('aria-busy', String(busy));
}
