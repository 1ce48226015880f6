import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createOutbox, memoryStorage, newIdempotencyKey, stateLabel } from '../lib/outbox.js';

function counterKeys() {
  let n = 0;
  return () => `key-${++n}`;
}

/** A hub that remembers idempotency keys, like the real one. */
function fakeHub() {
  const received = [];
  const applied = new Map();
  return {
    received,
    applied,
    send: async (item) => {
      received.push(item);
      if (!applied.has(item.key)) applied.set(item.key, item);
      return { status: 'sent' };
    },
  };
}

test('replays in the order actions were taken', async () => {
  const hub = fakeHub();
  const outbox = createOutbox({ storage: memoryStorage(), send: hub.send, newKey: counterKeys() });
  await outbox.enqueue({ method: 'PUT', path: '/provider/requests/r1/accept' });
  await outbox.enqueue({ method: 'PUT', path: '/provider/requests/r1/update-status', body: { stage: 'arrived' } });
  await outbox.enqueue({ method: 'PUT', path: '/provider/requests/r1/update-status', body: { stage: 'diagnosis' } });
  const outcome = await outbox.replay();
  assert.deepEqual(outcome, { sent: 3, refused: 0, remaining: 0, stoppedBy: null });
  assert.deepEqual(hub.received.map((item) => item.body?.stage ?? 'accept'), ['accept', 'arrived', 'diagnosis']);
  assert.deepEqual((await outbox.list()).map((item) => item.label), ['envoyé', 'envoyé', 'envoyé']);
});

test('a network failure stops the replay and keeps the order and the keys for the next one', async () => {
  const storage = memoryStorage();
  let online = false;
  const sent = [];
  let bFailures = 1;
  const send = async (item) => {
    if (!online) throw new TypeError('Failed to fetch');
    sent.push(item);
    if (item.path === '/b' && bFailures-- > 0) return { status: 'retry' }; // e.g. a 503 from a busy hub
    return { status: 'sent' };
  };
  const outbox = createOutbox({ storage, send, newKey: counterKeys() });
  await outbox.enqueue({ method: 'PUT', path: '/a' });
  await outbox.enqueue({ method: 'PUT', path: '/b' });
  await outbox.enqueue({ method: 'PUT', path: '/c' });
  let outcome = await outbox.replay();
  assert.equal(outcome.sent, 0);
  assert.equal(outcome.remaining, 3);
  assert.deepEqual((await outbox.list()).map((item) => item.label), ['en attente', 'en attente', 'en attente']);

  online = true;
  outcome = await outbox.replay(); // /a goes, /b fails once: /c must not overtake it
  assert.equal(outcome.sent, 1);
  assert.equal(outcome.remaining, 2);
  assert.deepEqual(sent.map((item) => item.path), ['/a', '/b']);

  // A new outbox over the same storage (the page was reloaded) keeps the same keys.
  const reloaded = createOutbox({ storage, send, newKey: () => 'never-used' });
  outcome = await reloaded.replay();
  assert.equal(outcome.remaining, 0);
  assert.deepEqual(sent.map((item) => `${item.path}:${item.key}`), ['/a:key-1', '/b:key-2', '/b:key-2', '/c:key-3']);
  // /a tried twice (offline, then sent), /b twice, /c once.
  assert.deepEqual((await reloaded.list()).map((item) => item.attempts), [2, 2, 1]);
});

test('an item the hub took is never sent again', async () => {
  const hub = fakeHub();
  const storage = memoryStorage();
  const outbox = createOutbox({ storage, send: hub.send, newKey: counterKeys() });
  await outbox.enqueue({ method: 'PUT', path: '/provider/requests/r1/accept' });
  await outbox.replay();
  await outbox.replay();
  await createOutbox({ storage, send: hub.send }).replay();
  assert.equal(hub.received.length, 1);
});

test('concurrent replays share one run (no duplicate send when "online" fires twice)', async () => {
  const hub = fakeHub();
  const outbox = createOutbox({ storage: memoryStorage(), send: hub.send, newKey: counterKeys() });
  await outbox.enqueue({ method: 'PUT', path: '/x' });
  await outbox.enqueue({ method: 'PUT', path: '/y' });
  await Promise.all([outbox.replay(), outbox.replay(), outbox.replay()]);
  assert.equal(hub.received.length, 2);
});

test('a refusal keeps its reason and does not block later actions', async () => {
  const send = async (item) =>
    item.path === '/taken' ? { status: 'refused', reason: 'Demande déjà attribuée à un autre prestataire.' } : { status: 'sent' };
  const outbox = createOutbox({ storage: memoryStorage(), send, newKey: counterKeys() });
  await outbox.enqueue({ method: 'PUT', path: '/taken', title: 'Accepter' });
  await outbox.enqueue({ method: 'PUT', path: '/other' });
  const outcome = await outbox.replay();
  assert.equal(outcome.refused, 1);
  assert.equal(outcome.sent, 1);
  const [refused, sent] = await outbox.list();
  assert.equal(refused.label, 'refusé');
  assert.equal(refused.reason, 'Demande déjà attribuée à un autre prestataire.');
  assert.equal(sent.label, 'envoyé');
  await outbox.dismiss(refused.seq);
  assert.equal((await outbox.list()).length, 1);
});

test('state is saved after each item, so a crash mid-replay does not resend what was taken', async () => {
  const storage = memoryStorage();
  let calls = 0;
  const send = async () => {
    calls += 1;
    if (calls === 2) throw new Error('page closed');
    return { status: 'sent' };
  };
  const outbox = createOutbox({ storage, send, newKey: counterKeys() });
  await outbox.enqueue({ method: 'PUT', path: '/a' });
  await outbox.enqueue({ method: 'PUT', path: '/b' });
  await outbox.replay();
  assert.deepEqual(storage.saved.map((item) => item.state), ['sent', 'pending']);
});

test('pruning forgets old sent items only; labels and keys', async () => {
  let clock = 1_000;
  const send = async (item) => (item.path === '/no' ? { status: 'refused', reason: 'non' } : { status: 'sent' });
  const outbox = createOutbox({ storage: memoryStorage(), send, now: () => clock, newKey: counterKeys() });
  await outbox.enqueue({ method: 'PUT', path: '/yes' });
  await outbox.enqueue({ method: 'PUT', path: '/no' });
  await outbox.replay();
  clock += 2 * 24 * 3600 * 1000;
  await outbox.prune();
  assert.deepEqual((await outbox.list()).map((item) => item.path), ['/no']);
  assert.equal(await outbox.pendingCount(), 0);
  assert.equal(stateLabel('pending'), 'en attente');
  const key = newIdempotencyKey();
  assert.match(key, /^[\x21-\x7e]{1,100}$/);
  assert.notEqual(key, newIdempotencyKey());
});

test('clear forgets every item, pending ones too (logout, another provider on the phone)', async () => {
  const storage = memoryStorage();
  const outbox = createOutbox({ storage, send: async () => ({ status: 'retry' }) });
  await outbox.enqueue({ method: 'PUT', path: '/provider/requests/a/accept', title: 'Accepter' });
  await outbox.replay();
  assert.equal(await outbox.pendingCount(), 1);
  await outbox.clear();
  assert.deepEqual(await outbox.list(), []);
  assert.deepEqual(storage.saved, []);
});
