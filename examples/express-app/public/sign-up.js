import {
  canRegisterPasskey,
  clearMessage,
  flex,
  messageFor,
  postJson,
  setBusy,
  showMessage,
} from './common.js';

const form = document.getElementById('sign-up-form');
const button = document.getElementById('create-passkey');

// Guide: show "Create passkey" only when this browser can create one.
if (await canRegisterPasskey()) button.hidden = false;
else document.getElementById('unsupported').hidden = false;

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearMessage();
  setBusy(button, true);
  try {
    // 1. Our backend creates the user and a register transaction for them.
    const { transactionId } = await postJson('/passkey/register', {
      email: form.elements.email.value,
    });
    // 2. The browser creates the passkey with passkeyd and gets a one-time nonce.
    const nonce = await flex.passkey.register(transactionId);
    // 3. Our backend verifies the nonce and starts its own session.
    const { redirect } = await postJson('/passkey/register/verify', { nonce });
    location.assign(redirect);
  } catch (err) {
    showMessage(messageFor(err, 'create'));
    setBusy(button, false);
  }
});
