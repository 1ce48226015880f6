import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collectionLine, collectionRequest, displayPhone, isCollecting, latestCollection, withPendingCollection } from '../lib/collections.js';
import { formatXAF } from '../lib/format.js';

const invoice = (collections) => ({ id: 'i', total: 17000, paid: 0, collections });

test('the latest collection is the first; pending blocks a second one', () => {
  assert.equal(latestCollection(invoice([])), null);
  assert.equal(latestCollection(undefined), null);
  assert.equal(isCollecting(invoice([{ status: 'pending' }, { status: 'failed' }])), true);
  assert.equal(isCollecting(invoice([{ status: 'failed' }, { status: 'pending' }])), false);
});

test('the line says who was asked how much, and what came of it, in French', () => {
  const pending = collectionLine(invoice([{ status: 'pending', method: 'mtn_momo', method_label: 'MTN MoMo', amount: 17000, payer_phone: '+237677000156' }]), formatXAF);
  assert.equal(pending.tone, 'pending');
  assert.match(pending.text, /^MTN MoMo : demande de 17\s000\sFCFA envoyée au \+237 6 77 00 01 56\. En attente de validation par le client…$/u);
  const paid = collectionLine(invoice([{ status: 'successful', method: 'orange_money', amount: 5000, operator_transaction_id: 'MP100000001' }]), formatXAF);
  assert.equal(paid.tone, 'sent');
  assert.match(paid.text, /^Orange Money : 5\s000\sFCFA reçus \(transaction MP100000001\)\.$/u);
  const failed = collectionLine(invoice([{ status: 'failed', method: 'mtn_momo', amount: 1, failure_label: 'Le client a refusé le paiement' }]), formatXAF);
  assert.deepEqual([failed.tone, failed.text.endsWith('Le client a refusé le paiement.')], ['error', true]);
  assert.equal(collectionLine(invoice([]), formatXAF), null);
});

test('the form accepts the usual ways of typing a Cameroonian mobile and refuses the rest', () => {
  for (const phone of ['677000156', '6 77 00 01 56', '+237 677 000 156', '237677000156', '00237677000156', '6.77.00.01.56']) {
    assert.deepEqual(collectionRequest({ method: 'mtn_momo', phone, amount: 100, remaining: 17000 }).body, { method: 'mtn_momo', payer_phone: '+237677000156', amount: 100 }, phone);
  }
  for (const phone of ['222334455', '+33612345678', '67700015', '', 'abc']) {
    assert.match(collectionRequest({ method: 'mtn_momo', phone, amount: 100, remaining: 17000 }).error, /Numéro mobile/, phone);
  }
  assert.match(collectionRequest({ method: 'wave', phone: '677000156', amount: 1, remaining: 1 }).error, /MTN MoMo ou Orange Money/);
  assert.match(collectionRequest({ method: 'orange_money', phone: '691112233', amount: 0, remaining: 10 }).error, /montant/);
  assert.match(collectionRequest({ method: 'orange_money', phone: '691112233', amount: 11, remaining: 10 }).error, /reste à payer/);
  assert.match(collectionRequest({ method: 'orange_money', phone: '691112233', amount: 1.5, remaining: 10 }).error, /montant/);
});

test('a collection started offline shows at once as pending, before the others', () => {
  const shown = withPendingCollection(invoice([{ status: 'failed' }]), { method: 'orange_money', payer_phone: '+237691112233', amount: 900 }, formatXAF);
  assert.equal(shown.collections.length, 2);
  assert.equal(isCollecting(shown), true);
  assert.equal(shown.collections[0].method_label, 'Orange Money');
  assert.equal(displayPhone('+33612345678'), '+33612345678');
});
