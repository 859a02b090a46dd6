import {
  clearMessage,
  flex,
  isPasskeydError,
  messageFor,
  postJson,
  setBusy,
  showMessage,
} from './common.js';

const form = document.getElementById('sign-in-form');
const button = document.getElementById('sign-in');

async function finishSignIn(nonce) {
  // Our backend verifies the nonce (verifyNonce → external ID) and starts its own session.
  const { redirect } = await postJson('/passkey/login', { nonce });
  location.assign(redirect);
}

// Guide: passkey autofill on the email field. No transaction: the user is whoever owns the
// passkey picked from the suggestions. The promise stays pending until then.
async function offerAutofill() {
  if (!(await flex.passkey.canUseConditionalMediation())) return;
  try {
    await finishSignIn(await flex.passkey.authenticate({ isConditionalMediation: true }));
  } catch (err) {
    // Starting the button's ceremony cancels autofill; that is not a failure.
    if (isPasskeydError(err, 'aborted')) return;
    showMessage(messageFor(err, 'get'));
  }
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearMessage();
  setBusy(button, true);
  const email = form.elements.email.value.trim();
  try {
    let nonce;
    if (email) {
      // Guide: an authenticate transaction for this user, so only their passkeys are offered.
      const { transactionId } = await postJson('/passkey/authenticate', { email });
      nonce = await flex.passkey.authenticate({ transactionId });
    } else {
      // No email: any passkey this device has for the site.
      nonce = await flex.passkey.authenticate();
    }
    await finishSignIn(nonce);
  } catch (err) {
    showMessage(messageFor(err, 'get'));
    setBusy(button, false);
    offerAutofill();
  }
});

offerAutofill();
