// Mobile money collections on the mission screen: what the provider sees of the latest one, and the checks made
// before the request leaves the phone. Pure functions (node --test).

export const OPERATORS = [
  { code: 'mtn_momo', label: 'MTN MoMo' },
  { code: 'orange_money', label: 'Orange Money' },
];

/** The latest collection of an invoice (collections come newest first), or null. */
export function latestCollection(invoice) {
  const list = invoice?.collections;
  return Array.isArray(list) && list.length ? list[0] : null;
}

/** Whether a collection of the invoice is still waiting for the client: no second one may start. */
export function isCollecting(invoice) {
  return latestCollection(invoice)?.status === 'pending';
}

/**
 * The line the mission screen shows for the latest collection: `{ tone, text }` with tone `pending`, `sent` (paid) or
 * `error`; null when there is none. `formatXAF` labels amounts.
 */
export function collectionLine(invoice, formatXAF) {
  const c = latestCollection(invoice);
  if (!c) return null;
  const amount = c.amount_label || formatXAF(c.amount ?? 0);
  const operator = c.method_label || OPERATORS.find((o) => o.code === c.method)?.label || 'Mobile Money';
  if (c.status === 'pending') {
    return { tone: 'pending', text: `${operator} : demande de ${amount} envoyée au ${displayPhone(c.payer_phone)}. En attente de validation par le client…` };
  }
  if (c.status === 'successful') {
    const ref = c.operator_transaction_id ? ` (transaction ${c.operator_transaction_id})` : '';
    return { tone: 'sent', text: `${operator} : ${amount} reçus${ref}.` };
  }
  return { tone: 'error', text: `${operator} : paiement échoué. ${c.failure_label || 'Raison inconnue'}.` };
}

/** "+237 6 77 00 01 56" for "+237677000156"; anything else as given. */
export function displayPhone(e164) {
  const m = /^\+237(\d)(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(e164 ?? '');
  return m ? `+237 ${m.slice(1).join(' ')}` : e164 ?? '';
}

/**
 * Checks the collection form: `{ body }` to send, or `{ error }` in French. `phone` is what was typed (any usual
 * Cameroonian form), `amount` the francs typed, `remaining` what is left to pay.
 */
export function collectionRequest({ method, phone, amount, remaining }) {
  if (!OPERATORS.some((o) => o.code === method)) return { error: 'Choisissez MTN MoMo ou Orange Money.' };
  const compact = String(phone ?? '').replace(/[\s.\-()]/g, '');
  let national = null;
  if (/^6\d{8}$/.test(compact)) national = compact;
  else if (/^\+?237(6\d{8})$/.test(compact)) national = compact.replace(/^\+?237/, '');
  else if (/^00237(6\d{8})$/.test(compact)) national = compact.slice(5);
  if (!national) return { error: 'Numéro mobile camerounais attendu, par ex. 6 77 00 01 56.' };
  if (!Number.isInteger(amount) || amount < 1) return { error: 'Indiquez le montant à encaisser en FCFA.' };
  if (remaining > 0 && amount > remaining) return { error: 'Le montant dépasse le reste à payer.' };
  return { body: { method, payer_phone: '+237' + national, amount } };
}

/** The invoice shown at once after a collection is started offline: a pending one in front of the others. */
export function withPendingCollection(invoice, body, formatXAF) {
  if (!invoice) return invoice;
  const operator = OPERATORS.find((o) => o.code === body.method)?.label ?? '';
  const pending = {
    id: 'local', method: body.method, method_label: operator, payer_phone: body.payer_phone, amount: body.amount,
    amount_label: formatXAF(body.amount), status: 'pending', status_label: 'En attente de validation par le client',
  };
  return { ...invoice, collections: [pending, ...(invoice.collections ?? [])] };
}
