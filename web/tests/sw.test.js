// The service worker's push handling, run in a VM context with a fake `self` (sw.js is a classic worker script).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import { runInNewContext } from 'node:vm';

const SOURCE = readFileSync(new URL('../sw.js', import.meta.url), 'utf8');

function loadWorker({ windows = [] } = {}) {
  const listeners = {};
  const shown = [];
  const opened = [];
  const self = {
    location: { origin: 'https://hub.example' },
    addEventListener: (type, listener) => (listeners[type] = listener),
    skipWaiting: () => {},
    registration: {
      showNotification: async (title, options) => {
        shown.push({ title, options, close: () => (shown.closed = (shown.closed ?? 0) + 1), data: options.data, tag: options.tag });
      },
      getNotifications: async (filter) => shown.filter((n) => !filter?.tag || n.tag === filter.tag),
    },
    clients: {
      matchAll: async () => windows,
      openWindow: async (url) => {
        opened.push(url);
        return { url };
      },
      claim: async () => {},
    },
  };
  const context = { self, caches: {}, fetch: async () => {}, URL, console };
  runInNewContext(SOURCE, context);
  /** Dispatches an event with waitUntil; resolves once what it waits for is done. */
  async function dispatch(type, event) {
    let waited = Promise.resolve();
    listeners[type]({ ...event, waitUntil: (promise) => (waited = promise) });
    await waited;
  }
  return { context, dispatch, shown, opened, listeners };
}

/** An object from the worker's realm, as a plain one of this realm. */
const plain = (value) => JSON.parse(JSON.stringify(value));
const pushData = (value) => ({ data: { text: () => (typeof value === 'string' ? value : JSON.stringify(value)) } });

test('a push shows its title and body, tagged, with the request’s URL; an urgent offer stays and rings again', async () => {
  const posted = [];
  const worker = loadWorker({ windows: [{ postMessage: (m) => posted.push(plain(m)) }] });
  await worker.dispatch('push', pushData({ kind: 'urgent_offer', title: 'Demande urgente', body: 'Fuite à Makepe', url: '/#/demandes/r1', request_id: 'r1', tag: 'offer:r1' }));
  const [n] = worker.shown;
  assert.equal(n.title, 'Demande urgente');
  assert.equal(n.options.body, 'Fuite à Makepe');
  assert.equal(n.options.tag, 'offer:r1');
  assert.equal(n.options.data.url, '/#/demandes/r1');
  assert.equal(n.options.icon, '/icons/icon-192.png');
  assert.ok(n.options.badge);
  assert.equal(n.options.requireInteraction, true);
  assert.equal(n.options.renotify, true);
  assert.deepEqual(posted.map((m) => [m.type, m.title, m.tag]), [['push-shown', 'Demande urgente', 'offer:r1']]);

  await worker.dispatch('push', pushData({ kind: 'client_message', title: 'Message de Awa Ngo', body: 'Je suis là', url: '/#/demandes/r2', request_id: 'r2', tag: 'msg:r2' }));
  assert.equal(worker.shown[1].options.requireInteraction, false);
  assert.equal(worker.shown[1].options.renotify, false);
});

test('a payload that is not JSON, empty, or pointing elsewhere still gives a French notification opening the app', async () => {
  const worker = loadWorker();
  await worker.dispatch('push', pushData('pas du JSON'));
  await worker.dispatch('push', { data: null });
  await worker.dispatch('push', pushData({ title: 'Paiement reçu', url: 'https://evil.example/x', request_id: 'r3', kind: 'payment_received' }));
  assert.deepEqual(worker.shown.slice(0, 2).map((n) => [n.title, n.options.body, n.options.data.url]), [
    ['Djobea', 'Nouvelle activité sur Djobea', '/'],
    ['Djobea', 'Nouvelle activité sur Djobea', '/'],
  ]);
  assert.equal(worker.shown[2].options.data.url, '/#/demandes/r3', 'never another site');
  assert.equal(worker.shown[2].options.tag, 'payment_received:r3');
});

test('a tap closes the notification and shows the request in the open window, else opens one', async () => {
  const posted = [];
  const focused = [];
  const windows = [
    { visibilityState: 'hidden', focused: false, postMessage: (m) => posted.push(['hidden', plain(m)]), focus: async () => focused.push('hidden') },
    { visibilityState: 'visible', focused: false, postMessage: (m) => posted.push(['visible', plain(m)]), focus: async () => focused.push('visible') },
  ];
  const worker = loadWorker({ windows });
  let closed = 0;
  await worker.dispatch('notificationclick', { notification: { data: { url: '/#/demandes/r1' }, close: () => closed++ } });
  assert.equal(closed, 1);
  assert.deepEqual(posted, [['visible', { type: 'navigate', url: '/#/demandes/r1' }]]);
  assert.deepEqual(focused, ['visible']);
  assert.deepEqual(worker.opened, []);

  const none = loadWorker();
  await none.dispatch('notificationclick', { notification: { data: { url: '/#/demandes/r9' }, close: () => {} } });
  assert.deepEqual(none.opened, ['https://hub.example/#/demandes/r9']);
});

test('the test hook opens a shown notification through the same path as a tap', async () => {
  const posted = [];
  const worker = loadWorker({ windows: [{ postMessage: (m) => posted.push(plain(m)), focus: async () => { throw new Error('no user activation'); } }] });
  await worker.dispatch('push', pushData({ kind: 'new_offer', title: 'Nouvelle demande', body: 'Plomberie', url: '/#/demandes/r5', request_id: 'r5', tag: 'offer:r5' }));
  await worker.dispatch('message', { data: { type: 'test-notification-click', tag: 'offer:r5' } });
  assert.deepEqual(posted.at(-1), { type: 'navigate', url: '/#/demandes/r5' });
  assert.equal(worker.shown.closed, 1);
});

test('the test hook still opens a notification the system already dropped, by what the worker showed under its tag', async () => {
  const posted = [];
  const worker = loadWorker({ windows: [{ postMessage: (m) => posted.push(plain(m)), focus: async () => {} }] });
  await worker.dispatch('push', pushData({ kind: 'new_offer', title: 'Nouvelle demande', body: 'Plomberie', url: '/#/demandes/r6', request_id: 'r6', tag: 'offer:r6' }));
  worker.shown.length = 0; // dropped by the system
  await worker.dispatch('message', { data: { type: 'test-notification-click', tag: 'offer:r6' } });
  assert.deepEqual(posted.at(-1), { type: 'navigate', url: '/#/demandes/r6' });
  await worker.dispatch('message', { data: { type: 'test-notification-click', tag: 'unknown' } });
  assert.equal(posted.length, 2, 'nothing for a tag never shown');
});
