// The invoice's reminders and credit notes on the Finances screen: the reminders sent, "Relancer" (a WhatsApp
// reminder of what is left to pay), the credit notes and "Faire un avoir". Online actions: the hub answers at once.
import { actionError, creditNoteForm, creditNoteLines, creditNotePath, creditRoom, reminderLines, remindPath, remindState } from '/lib/invoiceactions.js';
import { formatXAF } from '/lib/format.js';
import { field } from '/lib/ui.js';

const key = () => (globalThis.crypto?.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`);

/**
 * The block under an invoice of the list.
 * @param {object} ctx  the screen's context (h, api, toast)
 * @param {object} inv  the invoice as `GET /provider/finance/invoices` lists it
 * @param {() => void} reload  reloads the invoices after an action
 */
export function invoiceActions(ctx, inv, reload) {
  const { h } = ctx;
  const now = Date.now();
  const state = remindState(inv, now);
  const lines = [...reminderLines(inv, now), ...creditNoteLines(inv).map((line) => `Avoir ${line}`)];
  const send = async (button, path, body, done) => {
    button.disabled = true;
    try {
      await ctx.api.request('POST', path, { body, idempotencyKey: key() });
      ctx.toast(done);
      reload();
    } catch (error) {
      ctx.toast(actionError(error));
      button.disabled = false;
    }
  };
  const remind = h('button', {
    class: 'btn ghost', type: 'button', disabled: !state.allowed, title: state.reason ?? '',
    'aria-label': `Relancer le client pour la facture ${inv.number ?? ''}`,
    onclick: (event) => send(event.currentTarget, remindPath(inv.id), {}, 'Relance envoyée au client par WhatsApp.'),
  }, 'Relancer');
  const amount = h('input', { name: 'amount', inputmode: 'numeric', autocomplete: 'off', placeholder: `Au plus ${formatXAF(creditRoom(inv))}` });
  const reason = h('input', { name: 'reason', maxlength: 500, autocomplete: 'off', placeholder: 'Ex. : geste commercial' });
  const error = h('p', { class: 'error', role: 'alert' });
  const form = h('form', {
    novalidate: true,
    onsubmit: (event) => {
      event.preventDefault();
      const checked = creditNoteForm(inv, amount.value, reason.value);
      error.textContent = checked.error ?? '';
      if (checked.body) send(event.currentTarget.querySelector('button'), creditNotePath(inv.id), checked.body, 'Avoir enregistré.');
    },
  },
  field('Montant de l’avoir (FCFA)', amount), field('Motif', reason), error,
  h('button', { class: 'btn', type: 'submit' }, 'Enregistrer l’avoir'));
  return h('div', { class: 'fin-invoice-actions' },
    lines.length ? h('ul', { class: 'list muted' }, lines.map((text) => h('li', { text }))) : null,
    state.reason && inv.status !== 'payee' && inv.status !== 'surpayee' ? h('p', { class: 'muted', text: state.reason }) : null,
    h('div', { class: 'actions' }, remind),
    creditRoom(inv) > 0 ? h('details', {}, h('summary', { text: 'Faire un avoir' }), form) : null);
}
