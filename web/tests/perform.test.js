import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createOutbox, memoryStorage } from '../lib/outbox.js';
import { createPerform } from '../lib/perform.js';
import { afterAccept } from '../lib/transitions.js';

function counterKeys() {
  let n = 0;
  return () => `key-${++n}`;
}

/** A phone: the real outbox over memory, a local copy of one request, a hub that answers as told. */
function phone({ answer = () => ({ status: 'sent' }), storage = memoryStorage() } = {}) {
  const received = [];
  const outbox = createOutbox({
    storage,
    newKey: counterKeys(),
    send: async (item) => {
      received.push(item);
      return answer(item);
    },
  });
  const perform = createPerform({ enqueue: (action) => outbox.enqueue(action), subscribe: (listener) => outbox.subscribe(listener) });
  const local = { item: { id: 'r1', status: 'nouvelle', stage: 'nouvelle', status_label: 'Nouvelle', offer_unseen: true } };
  return { outbox, perform, local, received };
}

const accept = { method: 'PUT', path: '/provider/requests/r1/accept', title: 'Accepter « Fuite »', requestId: 'r1' };

test('the optimistic change comes first, then the action is queued with its key and sent in order', async () => {
  const { outbox, perform, local, received } = phone();
  const seen = [];
  const item = await perform({
    optimistic: async () => {
      seen.push(['optimistic', (await outbox.list()).length]);
      local.item = afterAccept(local.item);
    },
    action: accept,
  });
  assert.deepEqual(seen, [['optimistic', 0]], 'applied before anything is queued');
  assert.equal(local.item.status, 'acceptee');
  assert.equal(item.state, 'pending');
  assert.equal(item.key, 'key-1');
  assert.equal(item.path, accept.path);
  await perform({ action: { method: 'PUT', path: '/provider/requests/r1/update-status', body: { stage: 'arrived' } } });
  const outcome = await outbox.replay();
  assert.equal(outcome.sent, 2);
  assert.deepEqual(received.map((sent) => sent.key), ['key-1', 'key-2']);
});

test('a refusal from the hub refreshes the hub’s copy; a sent action does not', async () => {
  const { outbox, perform, local } = phone({
    answer: (item) => (item.path.endsWith('/accept') ? { status: 'refused', reason: 'Offre expirée : acceptation refusée' } : { status: 'sent' }),
  });
  const refreshed = [];
  const hubCopy = { ...local.item, status: 'expiree', stage: 'expiree', status_label: 'Expirée' };
  await perform({
    optimistic: () => {
      local.item = afterAccept(local.item);
    },
    action: accept,
    refresh: (item) => {
      refreshed.push(item.reason);
      local.item = hubCopy;
    },
  });
  await perform({ action: { method: 'POST', path: '/provider/requests/r1/message', body: { body: 'Bonjour' } }, refresh: () => refreshed.push('message') });
  assert.equal(local.item.status, 'acceptee', 'shown at once');
  await outbox.replay();
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.deepEqual(refreshed, ['Offre expirée : acceptation refusée']);
  assert.equal(local.item.status, 'expiree', 'the hub’s status is back');
  const listed = await outbox.list();
  assert.deepEqual(listed.map((item) => item.state), ['refused', 'sent'], 'the refusal stays for the provider to read');
});

test('the phone failing to queue the action rolls the optimistic change back and reports the error', async () => {
  const storage = memoryStorage();
  const broken = { load: storage.load, save: () => Promise.reject(new Error('QuotaExceededError')) };
  const { perform, local } = phone({ storage: broken });
  const before = local.item;
  await assert.rejects(
    perform({
      optimistic: () => {
        local.item = afterAccept(local.item);
      },
      action: accept,
      rollback: () => {
        local.item = before;
      },
    }),
    /QuotaExceededError/,
  );
  assert.equal(local.item, before);
});

test('an action without a method or path is refused before anything changes', async () => {
  const { perform, outbox } = phone();
  let changed = false;
  await assert.rejects(perform({ optimistic: () => (changed = true), action: { path: '/x' } }), TypeError);
  assert.equal(changed, false);
  assert.equal((await outbox.list()).length, 0);
});
