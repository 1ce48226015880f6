import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  STATUS_LABELS, canCreateQuote, checkLines, checkValidity, emptyLine, kindLabel, lineTotal, quoteActionOf, quoteActions, quoteAnswers,
  quoteHistory, quoteRequest, quoteTotal, shownStatus, statusDisplay, templateLines, templateTitle, withOutbox,
} from '../lib/quotes.js';
import { formatDate, formatXAF } from '../lib/format.js';

const line = (label, quantity, unit_price, kind = 'main_oeuvre') => ({ kind, label, quantity, unit_price });
const PATH = '/provider/requests/r1';
const NOW = Date.parse('2026-12-07T12:00:00Z');
const quote = (fields = {}) => ({
  id: 'q1', request_id: 'r1', number: 'D-2026-0001', status: 'brouillon', status_label: 'Brouillon (pas encore envoyé)', total: 15000,
  total_label: '15 000 FCFA', lines: [], created_at: '2026-12-07T10:00:00Z', valid_until: '2026-12-22T10:00:00Z', sent_at: null,
  decided_at: null, decided_by_name: null, public_url: 'https://x/c/t', invoice_id: null, ...fields,
});

test('typed lines are trimmed, read as whole numbers, and blank lines left out', () => {
  const checked = checkLines([line('  Remplacement   du joint ', ' 2 ', '7 500'), emptyLine(), line('Déplacement', '1', '2000 F', 'deplacement')]);
  assert.deepEqual(checked.lines, [
    { kind: 'main_oeuvre', label: 'Remplacement du joint', quantity: 2, unit_price: 7500 },
    { kind: 'deplacement', label: 'Déplacement', quantity: 1, unit_price: 2000 },
  ]);
  assert.equal(quoteTotal(checked.lines), 17000);
  assert.equal(checkLines([line('Pièce offerte', 1, 0, 'materiel'), line('Main d’œuvre', 1, 1)]).lines[0].unit_price, 0);
});

test('the hub’s bounds are checked on the phone, with the line named in French', () => {
  assert.match(checkLines([]).error, /au moins une ligne/);
  assert.match(checkLines([emptyLine(), emptyLine()]).error, /au moins une ligne/);
  assert.match(checkLines(Array.from({ length: 31 }, (_, i) => line('L' + i, 1, 1))).error, /au plus 30 lignes/);
  assert.equal(checkLines(Array.from({ length: 30 }, (_, i) => line('L' + i, 1, 1))).lines.length, 30);
  assert.match(checkLines([line('Joint', 1, 100, 'fourniture')]).error, /^Ligne 1 : choisissez/);
  assert.match(checkLines([line('Joint', 1, 100), line('', 1, 100)]).error, /^Ligne 2 : libellé de 1 à 120 caractères/);
  assert.match(checkLines([line('x'.repeat(121), 1, 100)]).error, /libellé/);
  assert.equal(checkLines([line('é'.repeat(120), 1, 100)]).lines[0].label.length, 120);
  assert.match(checkLines([line('Tab\u0007', 1, 100)]).error, /libellé/);
  for (const quantity of ['0', '1001', '1,5', '1.5', 'deux', '']) assert.match(checkLines([line('Joint', quantity, 100)]).error, /quantité entière de 1 à 1 000/, quantity);
  assert.equal(checkLines([line('Joint', '1000', 100)]).lines[0].quantity, 1000);
  for (const price of ['', '-5', '10 000 001', 'abc', '12,5']) assert.match(checkLines([line('Joint', 1, price)]).error, /prix unitaire entier de 0 à 10 000 000 FCFA/, price);
  assert.match(checkLines([line('Gratuit', 1, 0)]).error, /Total du devis : de 1 à 50 000 000 FCFA/);
  assert.match(checkLines([line('A', 1000, 10_000_000), line('B', 1, 1)]).error, /Total du devis/);
  assert.equal(quoteTotal(checkLines(Array.from({ length: 5 }, () => line('A', 1, 10_000_000))).lines), 50_000_000);
});

test('the live total counts what is typed so far, and nothing for a half-typed line', () => {
  assert.equal(lineTotal(line('A', '3', '1 500')), 4500);
  assert.equal(lineTotal(line('A', '3', '')), 0);
  assert.equal(lineTotal(line('A', 'x', '100')), 0);
  assert.equal(quoteTotal([line('A', '2', '1000'), line('B', '', '5'), line('C', '1', '250')]), 2250);
  assert.equal(quoteTotal(undefined), 0);
});

test('the validity is 15 days unless typed, 1 to 90', () => {
  assert.deepEqual(checkValidity(''), { days: 15 });
  assert.deepEqual(checkValidity(' 30 '), { days: 30 });
  for (const days of ['0', '91', '2,5', 'abc']) assert.match(checkValidity(days).error, /Validité : de 1 à 90 jours/, days);
  assert.deepEqual(quoteRequest({ lines: [line('Joint', 1, 500)], validDays: '' }).body, { lines: [{ kind: 'main_oeuvre', label: 'Joint', quantity: 1, unit_price: 500 }], valid_days: 15 });
  assert.equal(quoteRequest({ lines: [line('Joint', 1, 500)], validDays: '7', templateId: 't1' }).body.template_id, 't1');
  assert.match(quoteRequest({ lines: [line('Joint', 1, 500)], validDays: '100' }).error, /Validité/);
  assert.match(quoteRequest({ lines: [], validDays: '100' }).error, /au moins une ligne/);
});

test('a template fills the form with its lines; an empty one leaves one line to type', () => {
  const template = { id: 't1', title: 'Fuite sous évier', service: 'Plomberie', own: false, lines: [{ kind: 'main_oeuvre', label: 'Réparation fuite', quantity: 1, unit_price: 10000 }, { kind: 'bizarre', label: 'Joint', quantity: 2, unit_price: 500 }] };
  assert.deepEqual(templateLines(template), [
    { kind: 'main_oeuvre', label: 'Réparation fuite', quantity: '1', unit_price: '10000' },
    { kind: 'main_oeuvre', label: 'Joint', quantity: '2', unit_price: '500' },
  ]);
  assert.equal(quoteTotal(templateLines(template)), 11000);
  assert.deepEqual(checkLines(templateLines(template)).lines[1], { kind: 'main_oeuvre', label: 'Joint', quantity: 2, unit_price: 500 });
  assert.deepEqual(templateLines({ lines: [] }), [emptyLine()]);
  assert.equal(templateTitle(template), 'Fuite sous évier — Plomberie');
  assert.equal(templateTitle({ ...template, own: true }), 'Fuite sous évier — Plomberie (mon modèle)');
  assert.equal(kindLabel('deplacement'), 'Déplacement');
});

test('a sent quote past its validity reads expired, even from a copy kept offline', () => {
  assert.equal(shownStatus(quote({ status: 'envoye', valid_until: '2026-12-07T11:59:00Z' }), NOW), 'expire');
  assert.equal(shownStatus(quote({ status: 'envoye' }), NOW), 'envoye');
  assert.equal(shownStatus(quote({ status: 'accepte', valid_until: '2026-12-01T00:00:00Z' }), NOW), 'accepte');
  const expired = statusDisplay(quote({ status: 'envoye', status_label: 'Envoyé, en attente de réponse', valid_until: '2026-12-01T00:00:00Z' }), NOW);
  assert.deepEqual(expired, { code: 'expire', label: 'Expiré sans réponse', tone: 'off' });
  assert.deepEqual(statusDisplay(quote({ status: 'accepte', status_label: 'Accepté par le client' }), NOW), { code: 'accepte', label: 'Accepté par le client', tone: 'sent' });
  assert.equal(statusDisplay(quote({ status: 'refuse', status_label: undefined }), NOW).label, STATUS_LABELS.refuse);
});

test('the history says when it was sent, who accepted or refused it and when, until when it is valid', () => {
  const sent = quoteHistory(quote({ status: 'envoye', sent_at: '2026-12-07T09:00:00Z' }), formatDate, NOW);
  assert.deepEqual(sent, ['Envoyé au client le lundi 7 décembre 2026', 'Valable jusqu’au mardi 22 décembre 2026']);
  const accepted = quoteHistory(quote({ status: 'accepte', sent_at: '2026-12-07T09:00:00Z', decided_at: '2026-12-08T09:00:00Z', decided_by_name: 'Jean Kouam' }), formatDate, NOW);
  assert.deepEqual(accepted, ['Envoyé au client le lundi 7 décembre 2026', 'Accepté par Jean Kouam le mardi 8 décembre 2026']);
  assert.equal(quoteHistory(quote({ status: 'refuse', decided_at: '2026-12-08T09:00:00Z' }), formatDate, NOW)[0], 'Refusé par le client le mardi 8 décembre 2026');
  assert.deepEqual(quoteHistory(quote({ status: 'envoye', valid_until: '2026-12-01T10:00:00Z' }), formatDate, NOW), ['Expiré le mardi 1er décembre 2026']);
  assert.ok(quoteHistory(quote({ status: 'accepte', invoice_id: 'i1' }), formatDate, NOW).includes('Facturé'));
});

test('which buttons a quote offers at the mission’s status', () => {
  const at = (status, fields, extra = {}) => quoteActions(quote(fields), { missionStatus: status, now: NOW, ...extra });
  assert.deepEqual(at('arrive', {}), ['send', 'pdf']);
  assert.deepEqual(at('arrive', { status: 'envoye' }), ['resend', 'pdf']);
  assert.deepEqual(at('arrive', { status: 'envoye', valid_until: '2026-12-01T00:00:00Z' }), ['pdf']);
  assert.deepEqual(at('diagnostic', { status: 'accepte' }), ['pdf']);
  assert.deepEqual(at('reparation', { status: 'accepte' }), ['invoice', 'pdf']);
  assert.deepEqual(at('terminee', { status: 'accepte' }), ['invoice', 'pdf']);
  assert.deepEqual(at('terminee', { status: 'accepte' }, { invoiced: true }), ['pdf']);
  assert.deepEqual(at('terminee', { status: 'accepte', invoice_id: 'i1' }), ['pdf']);
  assert.deepEqual(at('reparation', { status: 'refuse' }), ['pdf']);
  assert.deepEqual(at('arrive', { pending: 'send' }), ['pdf']);
  assert.deepEqual(quoteActions({ status: 'local' }, { missionStatus: 'arrive' }), []);
  for (const status of ['acceptee', 'arrive', 'diagnostic', 'reparation']) assert.equal(canCreateQuote(status), true, status);
  for (const status of ['nouvelle', 'terminee', 'annulee', 'declinee', 'expiree', '']) assert.equal(canCreateQuote(status), false, status);
  assert.equal(canCreateQuote('reparation', true), false);
});

test('the outbox: a quote made offline shows at once, a waiting send marks its quote, refusals come back', () => {
  const body = { lines: [{ kind: 'main_oeuvre', label: 'Joint', quantity: 2, unit_price: 2500 }], valid_days: 15 };
  const items = [
    { seq: 1, method: 'POST', path: PATH + '/quotes', body, state: 'pending', createdAt: NOW },
    { seq: 2, method: 'POST', path: '/provider/quotes/q1/send', state: 'pending' },
    { seq: 3, method: 'POST', path: '/provider/quotes/q2/invoice', state: 'refused', reason: 'Devis non accepté' },
    { seq: 4, method: 'POST', path: '/provider/requests/other/quotes', body, state: 'pending' },
    { seq: 5, method: 'POST', path: '/provider/quotes/elsewhere/send', state: 'refused' },
    { seq: 6, method: 'POST', path: PATH + '/materials', state: 'pending' },
  ];
  const { quotes, refused } = withOutbox([quote(), quote({ id: 'q2', status: 'accepte' })], items, PATH, formatXAF);
  assert.deepEqual(quotes.map((q) => [q.id, q.status, q.pending ?? null]), [['local-1', 'local', 'create'], ['q1', 'brouillon', 'send'], ['q2', 'accepte', null]]);
  assert.equal(quotes[0].total, 5000);
  assert.equal(quotes[0].lines[0].kind_label, 'Main d’œuvre');
  assert.deepEqual(refused.map((item) => item.seq), [3]);
  assert.deepEqual(statusDisplay(quotes[0], NOW).label, 'En attente d’envoi au hub');
});

test('a send the hub took shows the quote sent before the list is read again; never undoes a later decision', () => {
  const items = [{ seq: 1, method: 'POST', path: '/provider/quotes/q1/send', state: 'sent', doneAt: NOW }, { seq: 2, method: 'POST', path: '/provider/quotes/q2/send', state: 'sent', doneAt: NOW }];
  const { quotes } = withOutbox([quote(), quote({ id: 'q2', status: 'accepte' })], items, PATH, formatXAF);
  assert.deepEqual(quotes.map((q) => q.status), ['envoye', 'accepte']);
  assert.equal(quotes[0].sent_at, new Date(NOW).toISOString());
  assert.deepEqual(quoteActions(quotes[0], { missionStatus: 'arrive', now: NOW }), ['resend', 'pdf']);
  const invoiced = withOutbox([quote({ status: 'accepte' })], [{ seq: 1, method: 'POST', path: '/provider/quotes/q1/invoice', state: 'sent' }], PATH, formatXAF);
  assert.deepEqual(quoteActions(invoiced.quotes[0], { missionStatus: 'terminee', now: NOW }), ['pdf']);
});

test('the hub’s answers about quotes are counted once each', () => {
  const seen = new Set();
  const items = [
    { seq: 1, method: 'POST', path: PATH + '/quotes', state: 'sent' },
    { seq: 2, method: 'POST', path: '/provider/quotes/q1/send', state: 'sent' },
    { seq: 3, method: 'POST', path: '/provider/quotes/q1/invoice', state: 'refused' },
    { seq: 4, method: 'POST', path: '/provider/quotes/q1/invoice', state: 'pending' },
    { seq: 5, method: 'PUT', path: PATH + '/update-status', state: 'sent' },
  ];
  assert.deepEqual(quoteAnswers(items, PATH, seen), { created: 1, sent: 1, invoiced: 0, refused: 1 });
  assert.deepEqual(quoteAnswers(items, PATH, seen), { created: 0, sent: 0, invoiced: 0, refused: 0 });
  items[3].state = 'sent';
  assert.deepEqual(quoteAnswers(items, PATH, seen), { created: 0, sent: 0, invoiced: 1, refused: 0 });
  assert.deepEqual(quoteActionOf('/provider/quotes/a%20b/send'), { id: 'a b', action: 'send' });
  assert.equal(quoteActionOf('/provider/quotes/q1/pdf'), null);
  assert.equal(quoteActionOf('/provider/quotes/%E0/send'), null);
});
