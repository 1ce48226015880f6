// The invoice's actions on the Finances screen: the reminders sent (relances) with the "Relancer" button, and the
// credit notes (avoirs) with their form. Pure logic; the screen draws it.
import { formatXAF } from './format.js';
import { shortDate } from './finance.js';

/** No reminder within this long of the previous one (the hub refuses with `reminder_too_soon`). */
export const REMINDER_GAP_MS = 24 * 3600 * 1000;

/** "Relance automatique · 5 déc." for each reminder, oldest first. */
export function reminderLines(invoice, now = Date.now()) {
  return (invoice?.reminders ?? []).map((r) => {
    const kind = r.kind_label ?? (r.kind === 'manuelle' ? 'Relance manuelle' : 'Relance automatique');
    return `${kind} · ${shortDate(r.sent_at, now)}`;
  });
}

/** What is still owed: `amount_due` when the hub gave it, else total − credited − paid (never negative). */
export function owed(invoice) {
  if (Number.isFinite(invoice?.amount_due)) return Math.max(0, invoice.amount_due);
  return Math.max(0, (Number(invoice?.total) || 0) - (Number(invoice?.credited) || 0) - (Number(invoice?.paid) || 0));
}

/** Whether "Relancer" may be pressed now: {allowed, reason} (the reason says why not, in French). */
export function remindState(invoice, now = Date.now()) {
  if (isDraft(invoice)) return { allowed: false, reason: 'Facture en brouillon : envoyez-la d’abord au client.' };
  if (invoice?.status === 'payee' || invoice?.status === 'surpayee' || owed(invoice) <= 0) {
    return { allowed: false, reason: 'Facture réglée : pas de relance.' };
  }
  const last = (invoice?.reminders ?? []).map((r) => Date.parse(r.sent_at)).filter(Number.isFinite).reduce((a, b) => Math.max(a, b), -Infinity);
  if (now - last < REMINDER_GAP_MS) return { allowed: false, reason: 'Client déjà relancé il y a moins de 24 h.' };
  return { allowed: true, reason: null };
}

/** The most a new credit note may take off the invoice: total − credit notes already made. */
export function creditRoom(invoice) {
  if (isDraft(invoice)) return 0; // a draft is edited, not credited
  return Math.max(0, (Number(invoice?.total) || 0) - (Number(invoice?.credited) || 0));
}

/**
 * Checks the credit note form: {body: {amount, reason}} or {error} in French. `amountText` accepts spaces between
 * thousands ("1 500").
 */
export function creditNoteForm(invoice, amountText, reasonText) {
  const digits = String(amountText ?? '').replace(/[\s\u00A0\u202F]/g, '');
  const amount = /^\d+$/.test(digits) ? Number(digits) : NaN;
  if (!(amount > 0)) return { error: 'Montant de l’avoir : un nombre entier de francs, plus grand que 0.' };
  const room = creditRoom(invoice);
  if (amount > room) return { error: `Avoir trop élevé : au plus ${formatXAF(room)}.` };
  const reason = String(reasonText ?? '').trim();
  if (!reason) return { error: 'Indiquez le motif de l’avoir.' };
  if (reason.length > 500) return { error: 'Motif trop long : 500 caractères au plus.' };
  return { body: { amount, reason } };
}

/** "A-2026-0001 · 1 500 FCFA · Joint fourni par le client" for each credit note. */
export function creditNoteLines(invoice) {
  return (invoice?.credit_notes ?? []).map((c) => [c.number, formatXAF(c.amount), c.reason].filter(Boolean).join(' · '));
}

/** Whether the invoice is a draft: made, not sent to the client yet (editable; no reminder, no credit note). */
export function isDraft(invoice) {
  return invoice?.status === 'brouillon';
}

/** A draft's lines as the line editor types them (numbers as text). */
export function editableLines(invoice) {
  return (invoice?.lines ?? []).map((line) => ({ kind: line.kind, label: line.label ?? '', quantity: String(line.quantity ?? 1), unit_price: String(line.unit_price ?? '') }));
}

export const draftPath = (invoiceId) => `/provider/finance/invoices/${encodeURIComponent(invoiceId)}`;
export const sendPath = (invoiceId) => `/provider/finance/invoices/${encodeURIComponent(invoiceId)}/send`;
export const remindPath = (invoiceId) => `/provider/finance/invoices/${encodeURIComponent(invoiceId)}/remind`;
export const creditNotePath = (invoiceId) => `/provider/finance/invoices/${encodeURIComponent(invoiceId)}/credit-notes`;

/** The refusals of the two routes, in words for a toast. */
export function actionError(error) {
  switch (error?.code) {
    case 'invoice_paid': return 'Facture déjà réglée : pas de relance.';
    case 'reminder_too_soon': return 'Client déjà relancé il y a moins de 24 h.';
    case 'credit_exceeds_invoice': return error.message ?? 'Avoir trop élevé.';
    case 'invoice_draft': return 'Facture en brouillon : envoyez-la d’abord au client.';
    case 'invoice_sent': return 'Facture déjà envoyée : elle ne se modifie plus (faites un avoir).';
    default: return error?.message ?? 'Action impossible pour le moment.';
  }
}
