import {
  canRegisterPasskey,
  clearMessage,
  flex,
  messageFor,
  postJson,
  setBusy,
  showMessage,
} from './common.js';

const addButton = document.getElementById('add-passkey');

if (await canRegisterPasskey()) addButton.hidden = false;

addButton.addEventListener('click', async () => {
  clearMessage();
  setBusy(addButton, true);
  try {
    const { transactionId } = await postJson('/account/passkeys');
    // `any`: the user may be adding a security key or a phone, not only this device.
    const nonce = await flex.passkey.register(transactionId, { authenticatorAttachment: 'any' });
    await postJson('/account/passkeys/verify', { nonce });
    location.reload();
  } catch (err) {
    showMessage(messageFor(err, 'create'));
    setBusy(addButton, false);
  }
});

for (const item of document.querySelectorAll('.passkey')) {
  const deviceId = item.dataset.deviceId;
  const name = item.querySelector('.passkey-name');

  item.querySelector('form.rename').addEventListener('submit', async (event) => {
    event.preventDefault();
    clearMessage();
    try {
      const { friendlyName } = await postJson(
        `/account/passkeys/${encodeURIComponent(deviceId)}/rename`,
        {
          name: event.target.elements.name.value,
        },
      );
      name.textContent = friendlyName;
      showMessage(`Renamed to “${friendlyName}”.`, 'success');
    } catch (err) {
      showMessage(messageFor(err, 'create'));
    }
  });

  item.querySelector('button.revoke').addEventListener('click', async (event) => {
    if (!confirm(`Revoke “${name.textContent}”? It will no longer sign you in.`)) return;
    clearMessage();
    setBusy(event.target, true);
    try {
      await postJson(`/account/passkeys/${encodeURIComponent(deviceId)}/revoke`);
      location.reload();
    } catch (err) {
      showMessage(messageFor(err, 'create'));
      setBusy(event.target, false);
    }
  });
}

document.getElementById('sign-out').addEventListener('click', async () => {
  try {
    const { redirect } = await postJson('/sign-out');
    location.assign(redirect);
  } catch (err) {
    showMessage(messageFor(err, 'create'));
  }
});
