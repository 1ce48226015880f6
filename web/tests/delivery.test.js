import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DELIVERY_STATES, deliveryView, sortedMessages } from '../lib/delivery.js';

const out = (delivery_status, extra = {}) => ({ direction: 'out', channel: 'whatsapp', body: 'Bonjour', delivery_status, ...extra });

test('each outgoing state has its tick or icon and a French label (never colour alone)', () => {
  const seen = Object.fromEntries(DELIVERY_STATES.map((state) => {
    const v = deliveryView(out(state));
    return [state, [v.icon, v.tick, v.label, v.className]];
  }));
  assert.deepEqual(seen, {
    local: ['clock', null, 'En attente de réseau', 'msg-st local'],
    queued: ['clock', null, 'En file', 'msg-st queued'],
    sent: [null, '✓', 'Envoyé', 'msg-st sent'],
    delivered: [null, '✓✓', 'Remis', 'msg-st delivered'],
    read: [null, '✓✓', 'Lu', 'msg-st read'],
    failed: ['alert', null, 'Échec', 'msg-st failed'],
  });
  for (const state of DELIVERY_STATES) {
    const v = deliveryView(out(state));
    assert.equal(v.incoming, false);
    assert.equal(v.who, 'Vous');
    assert.ok(v.ariaLabel.includes(v.label), state);
  }
});

test('a failed message carries its reason; an SMS says so', () => {
  const failed = deliveryView(out('failed', { status_reason: 'Numéro injoignable' }));
  assert.equal(failed.failed, true);
  assert.equal(failed.reason, 'Numéro injoignable');
  const sms = deliveryView(out('sent', { channel: 'sms', status_reason: 'Pas de WhatsApp : envoi par SMS' }));
  assert.equal(sms.sms, true);
  assert.equal(sms.channelLabel, 'SMS');
  assert.equal(sms.failed, false);
  assert.equal(sms.reason, 'Pas de WhatsApp : envoi par SMS');
  assert.equal(sms.ariaLabel, 'Envoyé, par SMS');
  assert.equal(deliveryView(out('sent', { status_reason: '  ' })).reason, null);
  assert.equal(deliveryView(out('sent')).sms, false);
});

test('a client’s message is theirs, labelled “Reçu” (or the hub’s label), with no tick', () => {
  const v = deliveryView({ direction: 'in', channel: 'whatsapp', body: 'Merci', delivery_status: 'delivered', delivery_label: 'Reçu' });
  assert.equal(v.incoming, true);
  assert.equal(v.who, 'Client');
  assert.equal(v.label, 'Reçu');
  assert.equal(v.tick, null);
  assert.equal(v.ariaLabel, 'Message du client, Reçu');
  assert.equal(deliveryView({ direction: 'in' }).label, 'Reçu');
  assert.equal(deliveryView({ direction: 'in', channel: 'sms' }).ariaLabel, 'Message du client, Reçu, par SMS');
});

test('an unknown state falls back on the hub’s label; a missing message does not throw', () => {
  const v = deliveryView(out('bounced', { delivery_label: 'Rejeté' }));
  assert.equal(v.label, 'Rejeté');
  assert.equal(v.state, 'unknown');
  assert.equal(v.tick, null);
  assert.equal(deliveryView(undefined).label, '');
  assert.equal(deliveryView(out(undefined)).label, '');
});

test('messages read oldest first', () => {
  const list = [{ id: 'b', sent_at: '2026-12-06T10:05:00Z' }, { id: 'a', sent_at: '2026-12-06T10:00:00Z' }];
  assert.deepEqual(sortedMessages(list).map((m) => m.id), ['a', 'b']);
  assert.deepEqual(sortedMessages(null), []);
  assert.deepEqual(list.map((m) => m.id), ['b', 'a'], 'the list itself is left as it was');
});
