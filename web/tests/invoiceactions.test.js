import assert from 'node:assert/strict';
import { test } from 'node:test';
import { actionError, creditNoteForm, creditNoteLines, creditNotePath, creditRoom, draftPath, editableLines, isDraft, owed, reminderLines, remindPath, remindState, sendPath } from '../lib/invoiceactions.js';
import { checkLines } from '../lib/quotes.js';

const NOW = Date.parse('2026-12-07T10:00:00Z');
const invoice = (extra = {}) => ({ id: 'inv-1', status: 'en_retard', total: 17000, credited: 0, paid: 0, amount_due: 17000, reminders: [], credit_notes: [], ...extra });

test('reminders are listed with their kind and Douala day', () => {
  const inv = invoice({ reminders: [
    { id: 'r1', kind: 'automatique', kind_label: 'Relance automatique', sent_at: '2026-12-01T23:30:00Z' },
    { id: 'r2', kind: 'manuelle', sent_at: '2026-12-05T08:00:00Z' },
  ] });
  assert.deepEqual(reminderLines(inv, NOW), ['Relance automatique · 2 déc.', 'Relance manuelle · 5 déc.']);
  assert.deepEqual(reminderLines({}, NOW), []);
});

test('Relancer: refused once paid or within 24 h of the last reminder', () => {
  assert.equal(remindState(invoice(), NOW).allowed, true);
  assert.equal(remindState(invoice({ status: 'payee', amount_due: 0 }), NOW).allowed, false);
  assert.match(remindState(invoice({ amount_due: 0, status: 'partielle' }), NOW).reason, /réglée/);
  const recent = invoice({ reminders: [{ sent_at: '2026-12-06T11:00:00Z' }] });
  assert.deepEqual(remindState(recent, NOW), { allowed: false, reason: 'Client déjà relancé il y a moins de 24 h.' });
  const older = invoice({ reminders: [{ sent_at: '2026-12-06T10:00:00Z' }] });
  assert.equal(remindState(older, NOW).allowed, true, 'exactly 24 h later is allowed');
});

test('what is owed subtracts the credit notes', () => {
  assert.equal(owed({ total: 17000, credited: 2000, paid: 5000 }), 10000);
  assert.equal(owed({ total: 17000, credited: 2000, paid: 16000 }), 0);
  assert.equal(owed({ amount_due: 300 }), 300);
  assert.equal(creditRoom({ total: 17000, credited: 2000 }), 15000);
});

test('credit note form: whole francs > 0, at most what is left to credit, a reason', () => {
  const inv = invoice({ credited: 2000 });
  assert.deepEqual(creditNoteForm(inv, '1 500', ' Joint fourni ').body, { amount: 1500, reason: 'Joint fourni' });
  assert.deepEqual(creditNoteForm(inv, '15\u202F000', 'Geste').body, { amount: 15000, reason: 'Geste' });
  assert.match(creditNoteForm(inv, '15001', 'Geste').error, /au plus 15\u202F000\u00A0FCFA/);
  assert.match(creditNoteForm(inv, '0', 'Geste').error, /plus grand que 0/);
  assert.match(creditNoteForm(inv, '12,5', 'Geste').error, /entier/);
  assert.match(creditNoteForm(inv, '-3', 'Geste').error, /entier/);
  assert.match(creditNoteForm(inv, '100', '   ').error, /motif/);
  assert.match(creditNoteForm(inv, '100', 'x'.repeat(501)).error, /500/);
});

test('credit notes are listed with number, amount and reason', () => {
  assert.deepEqual(creditNoteLines(invoice({ credit_notes: [{ number: 'A-2026-0001', amount: 1500, reason: 'Geste' }] })), ['A-2026-0001 · 1\u202F500\u00A0FCFA · Geste']);
});

test('paths and refusals', () => {
  assert.equal(remindPath('a/b'), '/provider/finance/invoices/a%2Fb/remind');
  assert.equal(creditNotePath('x'), '/provider/finance/invoices/x/credit-notes');
  assert.equal(actionError({ code: 'reminder_too_soon' }), 'Client déjà relancé il y a moins de 24 h.');
  assert.equal(actionError({ code: 'credit_exceeds_invoice', message: 'Avoir trop élevé : au plus 1 FCFA' }), 'Avoir trop élevé : au plus 1 FCFA');
  assert.equal(actionError(null), 'Action impossible pour le moment.');
});

test('a draft invoice: no reminder, no credit note, its lines editable as typed text, its own paths', () => {
  const draft = { id: 'f 1', status: 'brouillon', total: 17_000, paid: 0, lines: [{ kind: 'main_oeuvre', label: 'Fuite', quantity: 1, unit_price: 15_000 }, { kind: 'deplacement', label: 'Déplacement', quantity: 1, unit_price: 2_000 }] };
  assert.equal(isDraft(draft), true);
  assert.equal(isDraft({ status: 'envoyee' }), false);
  assert.deepEqual(remindState(draft, Date.now()), { allowed: false, reason: 'Facture en brouillon : envoyez-la d’abord au client.' });
  assert.equal(creditRoom(draft), 0);
  assert.deepEqual(editableLines(draft)[0], { kind: 'main_oeuvre', label: 'Fuite', quantity: '1', unit_price: '15000' });
  assert.deepEqual(checkLines(editableLines(draft), { one: 'Une facture', of: 'de la facture' }).lines.map((l) => l.unit_price), [15_000, 2_000]);
  assert.equal(checkLines([{ kind: 'main_oeuvre', label: 'x', quantity: '1', unit_price: '0' }], { one: 'Une facture', of: 'de la facture' }).error, 'Total de la facture : de 1 à 50 000 000 FCFA.');
  assert.equal(draftPath('f 1'), '/provider/finance/invoices/f%201');
  assert.equal(sendPath('f 1'), '/provider/finance/invoices/f%201/send');
  assert.equal(actionError({ code: 'invoice_sent' }), 'Facture déjà envoyée : elle ne se modifie plus (faites un avoir).');
});
