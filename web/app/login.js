// The login screen: a phone number and the WhatsApp code, or an e-mail and a password (with a TOTP code when the
// account asks for one). A successful login hands the provider's pair to `claim` (whose data the phone holds), then
// `showApp`.
import { ApiError } from '/lib/api.js';
import { normalizePhone } from '/lib/format.js';
import { $, messageOf } from '/app/shell.js';

/** Shows one of the login forms ('phone-form', 'code-form', 'password-form') and focuses its first field. */
export function showLoginForm(id) {
  for (const form of document.querySelectorAll('#login form')) form.hidden = form.id !== id;
  const first = $(`#${id} input`);
  first?.focus();
}

function setBusy(form, busy, message = '') {
  for (const button of form.querySelectorAll('button')) button.disabled = busy;
  $('[data-error]', form).textContent = message;
}

/** Wires the login forms once. */
export function setUpLogin({ api, claim, showApp }) {
  let phone = '';

  $('#phone-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    phone = normalizePhone($('#phone').value);
    if (!phone) return setBusy(form, false, 'Entrez votre numéro de téléphone.');
    setBusy(form, true);
    try {
      const sent = await api.sendOtp(phone);
      setBusy(form, false);
      showLoginForm('code-form');
      const minutes = Math.round((sent?.expires_in ?? 300) / 60);
      $('#code-form [data-sent]').textContent = `Code envoyé sur WhatsApp au ${phone}. Il reste valable ${minutes} min.`;
      $('#code').value = '';
    } catch (error) {
      setBusy(form, false, messageOf(error));
    }
  });

  $('#code-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    const code = $('#code').value.replace(/\D/g, '');
    if (!code) return setBusy(form, false, 'Entrez le code reçu.');
    setBusy(form, true);
    try {
      await claim(await api.verifyOtp(phone, code));
      setBusy(form, false);
      showApp();
    } catch (error) {
      setBusy(form, false, messageOf(error));
    }
  });

  $('#password-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    const email = $('#email').value.trim();
    const password = $('#password').value;
    const totp = $('#totp').value.replace(/\D/g, '');
    if (!email || !password) return setBusy(form, false, 'Entrez votre e-mail et votre mot de passe.');
    setBusy(form, true);
    try {
      await claim(await api.login(email, password, totp || undefined));
      setBusy(form, false);
      showApp();
    } catch (error) {
      if (error instanceof ApiError && error.code === 'totp_required') {
        $('#totp-field').hidden = false;
        $('#totp').focus();
      }
      setBusy(form, false, messageOf(error));
    }
  });

  for (const button of document.querySelectorAll('[data-show-form]')) {
    button.addEventListener('click', () => showLoginForm(button.dataset.showForm));
  }
}
