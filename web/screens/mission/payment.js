// The payment: the request to the client (labour, travel, the materials; sent by WhatsApp with the ways to pay, or kept
// as a draft invoice to edit and send later) and, once invoiced, the payments received (cash or mobile money with its
// reference) until the invoice is paid.
import { h, icon } from '/lib/dom.js';
import { field, openDialog, place } from '/lib/ui.js';
import { formatXAF } from '/lib/format.js';
import { canRequestPayment } from '/lib/mission.js';
import { STATUS, afterPayment, isClosed, isPaid, pendingInvoice } from '/lib/transitions.js';
import { francs } from '/screens/mission/materials.js';
import { OPERATORS, collectionLine, collectionRequest, displayPhone, isCollecting, withPendingCollection } from '/lib/collections.js';
import { draftPath, editableLines, isDraft, sendPath } from '/lib/invoiceactions.js';
import { checkLines, kindLabel } from '/lib/quotes.js';
import { createLinesEditor } from '/screens/mission/lines.js';

const METHODS = [
  { code: 'cash', label: 'Espèces' },
  { code: 'mtn_momo', label: 'MTN Mobile Money' },
  { code: 'orange_money', label: 'Orange Money' },
];

/** The payment section of mission `m`: `view(status)`. The form is made once (typed amounts survive a re-render). */
export function createPayment(m) {
  let payMaterialsTotal = 0;
  const payLabour = h('input', { name: 'labour', inputmode: 'numeric', required: true, autocomplete: 'off', placeholder: 'Ex. : 15 000', dataset: { focusKey: 'labour' } });
  const payTravel = h('input', { name: 'travel', inputmode: 'numeric', autocomplete: 'off', placeholder: '0' });
  const payNote = h('textarea', { name: 'note', maxlength: 500, rows: 2 });
  const payMaterials = h('span', { text: formatXAF(0) });
  const payTotal = h('strong', { text: formatXAF(0) });
  const payError = h('p', { class: 'error', role: 'alert' });
  const updatePayTotal = () => {
    payMaterials.textContent = formatXAF(payMaterialsTotal);
    payTotal.textContent = formatXAF((francs(payLabour.value) || 0) + (francs(payTravel.value) || 0) + payMaterialsTotal);
  };
  payLabour.addEventListener('input', updatePayTotal);
  payTravel.addEventListener('input', updatePayTotal);
  const payForm = h(
    'form',
    {
      novalidate: true,
      onsubmit: (event) => {
        event.preventDefault();
        m.guard('payment-request', () => requestPayment(true));
      },
    },
    h('p', { class: 'muted', text: 'Le client reçoit le montant détaillé par WhatsApp, avec les moyens de paiement.' }),
    field('Main d’œuvre (FCFA)', payLabour),
    field('Déplacement (FCFA)', payTravel),
    h('p', { class: 'total' }, h('span', { text: 'Matériel' }), payMaterials),
    h('p', { class: 'total grand' }, h('span', { text: 'Total à payer' }), payTotal),
    field('Message au client (facultatif)', payNote),
    payError,
    h('button', { class: 'btn success wide', type: 'submit', dataset: { busy: 'payment-request' } }, icon('send'), 'Envoyer la demande de paiement'),
    h('button', { class: 'btn ghost wide', type: 'button', dataset: { busy: 'payment-request' }, onclick: () => m.guard('payment-request', () => requestPayment(false)) }, 'Enregistrer en brouillon'),
  );
  /** Actions on /provider/finance/invoices/… (not under the request's path), with the request's copy and rollback. */
  const actOnInvoice = m.actOutside;
  const paySection = h('section', { class: 'card', 'aria-labelledby': 'pay-title' });
  const payTitle = h('h2', { id: 'pay-title', text: 'Paiement' });

  function view(status) {
    const { detail } = m;
    const invoice = detail.invoice;
    const section = (...children) => place(paySection, payTitle, children);
    if (invoice && isDraft(invoice)) return section(...draftView(invoice));
    if (invoice) {
      const paid = isPaid(invoice);
      return section(
        h(
          'dl',
          { class: 'invoice' },
          h('dt', { text: 'Facture' }),
          h('dd', { text: invoice.number || 'en attente du hub' }),
          h('dt', { text: 'Montant' }),
          h('dd', { text: invoice.total_label || formatXAF(invoice.total) }),
          h('dt', { text: 'Statut' }),
          h('dd', {}, h('span', { class: 'badge ' + (paid ? 'sent' : 'pending'), text: invoice.status_label || invoice.status })),
          h('dt', { text: 'Déjà reçu' }),
          h('dd', { text: invoice.paid_label || formatXAF(invoice.paid ?? 0) }),
        ),
        collectionNote(invoice),
        !paid && !isCollecting(invoice) && invoice.id !== 'local'
          ? h('button', { class: 'btn primary wide', type: 'button', dataset: { focusKey: 'collect', busy: 'collection' }, onclick: () => startCollection(invoice) }, icon('send'), 'Encaisser par Mobile Money')
          : null,
        !paid ? h('button', { class: 'btn success wide', type: 'button', dataset: { focusKey: 'paid', busy: 'payment' }, onclick: () => recordPayment(invoice) }, icon('wallet'), 'Paiement reçu') : h('p', { class: 'done-note' }, icon('check'), 'Mission payée.'),
      );
    }
    if (!canRequestPayment(detail)) {
      if (isClosed(status) || status === STATUS.nouvelle) return null;
      return section(h('p', { class: 'muted', text: 'La demande de paiement sera possible à l’étape « Réparation ».' }));
    }
    payMaterialsTotal = detail.materials_total ?? 0;
    updatePayTotal();
    return section(payForm);
  }

  /** A draft invoice: its lines and total, "Modifier" and "Envoyer au client"; nothing has reached the client yet. */
  function draftView(invoice) {
    return [
      h(
        'dl',
        { class: 'invoice' },
        h('dt', { text: 'Facture' }),
        h('dd', {}, h('span', { class: 'badge pending', text: 'Brouillon' }), ' pas encore envoyée'),
        h('dt', { text: 'Montant' }),
        h('dd', { text: invoice.total_label || formatXAF(invoice.total) }),
      ),
      (invoice.lines ?? []).length
        ? h('ul', { class: 'quote-lines' }, invoice.lines.map((line) => h('li', { text: `${kindLabel(line.kind)} · ${line.label} · ${line.quantity} × ${formatXAF(line.unit_price)}` })))
        : null,
      h('p', { class: 'muted', text: 'Le numéro de facture est attribué à l’envoi. Une fois envoyée, elle ne se modifie plus (un avoir la corrige).' }),
      h('button', { class: 'btn success wide', type: 'button', dataset: { focusKey: 'invoice-send', busy: 'invoice-send' }, onclick: () => sendDraft(invoice) }, icon('send'), 'Envoyer au client'),
      h('button', { class: 'btn ghost wide', type: 'button', dataset: { focusKey: 'invoice-edit', busy: 'invoice-edit' }, onclick: () => editDraft(invoice) }, 'Modifier la facture'),
    ];
  }

  function editDraft(invoice) {
    if (m.dialogs.size) return;
    const editor = createLinesEditor(editableLines(invoice), 'Total de la facture');
    m.track(
      openDialog({
        title: 'Modifier la facture',
        submitLabel: 'Enregistrer',
        submitClass: 'success',
        body: editor.elements,
        submit: () =>
          m.guard('invoice-edit', async () => {
            const checked = checkLines(editor.rows(), { one: 'Une facture', of: 'de la facture' });
            if (checked.error) return checked.error;
            const total = checked.lines.reduce((sum, line) => sum + line.quantity * line.unit_price, 0);
            await actOnInvoice({
              change: (r, kind) => (kind === 'detail' && r.invoice ? { ...r, invoice: { ...r.invoice, lines: checked.lines, total, total_label: formatXAF(total) } } : r),
              method: 'PUT',
              suffix: draftPath(invoice.id),
              body: { lines: checked.lines },
              label: 'Facture modifiée',
            });
            m.ctx.toast('Brouillon de facture enregistré.');
            return null;
          }),
      }),
    );
  }

  function sendDraft(invoice) {
    if (m.dialogs.size) return;
    const note = h('textarea', { name: 'note', maxlength: 500, rows: 2 });
    m.track(
      openDialog({
        title: 'Envoyer la facture',
        submitLabel: 'Envoyer au client',
        submitClass: 'success',
        body: [
          h('p', { class: 'muted', text: `Le client reçoit par WhatsApp le montant de ${invoice.total_label || formatXAF(invoice.total)}, le lien pour payer et la facture en PDF.` }),
          field('Message au client (facultatif)', note),
        ],
        submit: () =>
          m.guard('invoice-send', async () => {
            const body = note.value.trim() ? { note: note.value.trim() } : {};
            await actOnInvoice({
              change: (r, kind) => (kind === 'detail' && r.invoice ? { ...r, invoice: { ...r.invoice, status: 'local', status_label: 'En attente d’envoi' } } : r),
              method: 'POST',
              suffix: sendPath(invoice.id),
              body,
              label: 'Envoi de la facture',
            });
            m.ctx.toast('Facture envoyée au client.');
            return null;
          }),
      }),
    );
  }

  async function requestPayment(send) {
    const l = francs(payLabour.value);
    const t = payTravel.value.trim() ? francs(payTravel.value) : 0;
    if (!Number.isInteger(l) || l < 1 || l > 10_000_000) return (payError.textContent = 'Main d’œuvre : montant entier de 1 à 10 000 000 FCFA.');
    if (!Number.isInteger(t) || t > 1_000_000) return (payError.textContent = 'Déplacement : montant entier de 0 à 1 000 000 FCFA.');
    payError.textContent = '';
    const sum = l + t + payMaterialsTotal;
    const body = { labour: l, travel: t };
    if (payNote.value.trim()) body.note = payNote.value.trim();
    if (!send) body.send = false;
    const shown = send ? pendingInvoice(sum, formatXAF) : { ...pendingInvoice(sum, formatXAF), status: 'brouillon', status_label: 'Brouillon', lines: [] };
    await m.act({
      change: (r, kind) => (kind === 'detail' ? { ...r, invoice: shown } : r),
      method: 'POST',
      suffix: '/payment-request',
      body,
      label: 'Demande de paiement',
    });
    m.ctx.toast(send ? 'Demande de paiement envoyée au client.' : 'Facture enregistrée en brouillon : modifiez-la ou envoyez-la quand vous voulez.');
    return null;
  }

  /** The latest mobile money collection, in words: pending, received or failed with the operator's reason. */
  function collectionNote(invoice) {
    const line = collectionLine(invoice, formatXAF);
    if (!line) return null;
    return h('p', { class: 'collection ' + line.tone, role: 'status', 'aria-live': 'polite', text: line.text });
  }

  /** "Encaisser par Mobile Money": the client's operator asks them to approve the payment on their phone. */
  function startCollection(invoice) {
    if (m.dialogs.size) return;
    const remaining = Math.max(0, (invoice.total ?? 0) - (invoice.paid ?? 0));
    const phone = h('input', { name: 'payer_phone', inputmode: 'tel', required: true, autocomplete: 'off', value: displayPhone(m.detail.client?.phone_visible ? m.detail.client.phone : '') });
    const amount = h('input', { name: 'amount', inputmode: 'numeric', required: true, value: remaining ? String(remaining) : '', autocomplete: 'off' });
    const operators = h(
      'fieldset',
      {},
      h('legend', { text: 'Opérateur du client' }),
      OPERATORS.map((operator, index) => h('label', { class: 'radio' }, h('input', { type: 'radio', name: 'method', value: operator.code, checked: index === 0 }), h('span', { text: operator.label }))),
    );
    m.track(
      openDialog({
        title: 'Encaisser par Mobile Money',
        submitLabel: 'Envoyer la demande',
        submitClass: 'success',
        body: [
          h('p', { class: 'muted', text: 'Le client reçoit la demande de son opérateur sur son téléphone et la valide avec son code secret.' }),
          operators,
          field('Numéro du client', phone),
          field('Montant (FCFA)', amount),
        ],
        submit: async (form) => {
          const checked = collectionRequest({ method: form.elements.method.value, phone: phone.value, amount: francs(amount.value), remaining });
          if (checked.error) return checked.error;
          await m.act({
            change: (r, kind) => (kind === 'detail' && r.invoice ? { ...r, invoice: withPendingCollection(r.invoice, checked.body, formatXAF) } : r),
            method: 'POST',
            suffix: '/collections',
            body: checked.body,
            label: 'Encaissement Mobile Money',
          });
          m.ctx.toast('Demande envoyée : le client doit valider sur son téléphone.');
          return null;
        },
      }),
    );
  }

  function recordPayment(invoice) {
    if (m.dialogs.size) return; // a double tap opens one dialog
    const remaining = Math.max(0, (invoice.total ?? 0) - (invoice.paid ?? 0));
    const amount = h('input', { name: 'amount', inputmode: 'numeric', required: true, value: remaining ? String(remaining) : '', autocomplete: 'off' });
    const reference = h('input', { name: 'reference', maxlength: 100, autocomplete: 'off', placeholder: 'Ex. : MP240312.1234.A56789' });
    const referenceField = field('Référence de la transaction', reference);
    referenceField.hidden = true;
    const methods = h(
      'fieldset',
      {
        onchange: (event) => {
          referenceField.hidden = event.target.value === 'cash';
        },
      },
      h('legend', { text: 'Moyen de paiement' }),
      METHODS.map((method, index) => h('label', { class: 'radio' }, h('input', { type: 'radio', name: 'method', value: method.code, checked: index === 0 }), h('span', { text: method.label }))),
    );
    m.track(
      openDialog({
        title: 'Paiement reçu',
        submitLabel: 'Enregistrer',
        submitClass: 'success',
        body: [methods, field('Montant reçu (FCFA)', amount), referenceField],
        submit: async (form) => {
          const method = form.elements.method.value;
          const value = francs(amount.value);
          if (!Number.isInteger(value) || value < 1) return 'Indiquez le montant reçu en FCFA.';
          const ref = reference.value.trim();
          if (method !== 'cash' && !ref) return 'Indiquez la référence de la transaction Mobile Money.';
          const body = { method, amount: value };
          if (ref && method !== 'cash') body.reference = ref;
          await m.act({
            change: (r, kind) => (kind === 'detail' && r.invoice ? { ...r, invoice: afterPayment(r.invoice, value, formatXAF) } : r),
            method: 'POST',
            suffix: '/payments',
            body,
            label: 'Paiement reçu',
          });
          m.ctx.toast('Paiement enregistré.');
          return null;
        },
      }),
    );
  }

  return { view };
}
