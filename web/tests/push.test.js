import assert from 'node:assert/strict';
import { test } from 'node:test';
import { webcrypto } from 'node:crypto';
import {
  base64UrlToBytes, currentState, deviceId, disablePush, enablePush, isAcceptSent, offerAnswer, permission, pushSupported, rememberOffer,
  shouldOfferPush, toBase64Url,
} from '../lib/push.js';

function memoryStorage() {
  const map = new Map();
  return { getItem: (k) => (map.has(k) ? map.get(k) : null), setItem: (k, v) => map.set(k, String(v)), removeItem: (k) => map.delete(k), map };
}

/** A browser with a service worker registration and a push manager; `permission` as the user answers the prompt. */
function fakeBrowser({ permission = 'default', answer = 'granted', subscribed = null, registered = true } = {}) {
  const calls = [];
  let subscription = subscribed;
  const makeSubscription = (key) => ({
    endpoint: 'https://push.example/abc',
    options: { applicationServerKey: key.buffer },
    toJSON: () => ({ endpoint: 'https://push.example/abc', expirationTime: null, keys: { p256dh: 'P', auth: 'A' } }),
    unsubscribe: async () => {
      calls.push('unsubscribe');
      subscription = null;
      return true;
    },
  });
  const pushManager = {
    getSubscription: async () => subscription,
    subscribe: async (options) => {
      calls.push(['subscribe', options.userVisibleOnly, toBase64Url(options.applicationServerKey)]);
      subscription = makeSubscription(options.applicationServerKey);
      return subscription;
    },
  };
  const registration = { active: {}, pushManager };
  const Notification = {
    permission,
    requestPermission: async () => {
      calls.push('requestPermission');
      Notification.permission = answer;
      return answer;
    },
  };
  const env = {
    navigator: { serviceWorker: { getRegistration: async () => (registered ? registration : undefined), register: async () => registration, ready: Promise.resolve(registration) } },
    Notification,
    PushManager: function PushManager() {},
    storage: memoryStorage(),
    crypto: webcrypto,
  };
  return { env, calls, makeSubscription, get subscription() { return subscription; } };
}

function fakeApi({ key = 'BEl62iUYgUivxIkv69yViEuiBIa-Ib9-SkvMeAtA3LFgDzkrxZJjSgSnfckjBJuBkr3qBUYIHBQFLXYp5Nksh8U', subscribed = true, fail = null } = {}) {
  const calls = [];
  return {
    calls,
    get: async (path) => {
      calls.push(['GET', path]);
      if (fail === path) throw Object.assign(new Error('Notifications indisponibles'), { status: 503 });
      if (path === '/provider/push/key') return { public_key: key };
      return { device_id: 'x', subscribed };
    },
    request: async (method, path, options) => {
      calls.push([method, path, options?.body]);
      if (fail === method) throw new Error('Pas de connexion au hub.');
      return { subscribed: method === 'POST' };
    },
  };
}

test('the device id is random, URL-safe, 8 to 64 characters, and kept', () => {
  const { env } = fakeBrowser();
  const id = deviceId(env);
  assert.match(id, /^[A-Za-z0-9_-]{8,64}$/);
  assert.equal(deviceId(env), id);
  assert.equal(env.storage.getItem('djobea.deviceId'), id);
  assert.notEqual(deviceId(fakeBrowser().env), id);
  env.storage.setItem('djobea.deviceId', 'bad id!');
  assert.match(deviceId(env), /^[A-Za-z0-9_-]{22}$/, 'a damaged id is replaced');
});

test('base64url keys decode to bytes and back', () => {
  const bytes = base64UrlToBytes('BEl62iUYgUivxIkv69yViEuiBIa-Ib9-SkvMeAtA3LFgDzkrxZJjSgSnfckjBJuBkr3qBUYIHBQFLXYp5Nksh8U');
  assert.equal(bytes.length, 65);
  assert.equal(bytes[0], 4, 'an uncompressed P-256 point');
  assert.equal(toBase64Url(bytes), 'BEl62iUYgUivxIkv69yViEuiBIa-Ib9-SkvMeAtA3LFgDzkrxZJjSgSnfckjBJuBkr3qBUYIHBQFLXYp5Nksh8U');
  assert.deepEqual([...base64UrlToBytes('AQID')], [1, 2, 3]);
  assert.deepEqual([...base64UrlToBytes('AQI=')], [1, 2]);
});

test('support and state: unsupported, denied, off, on (as the hub knows it)', async () => {
  assert.equal(pushSupported({ navigator: {}, Notification: undefined, PushManager: undefined }), false);
  assert.equal(await currentState(null, { navigator: {}, Notification: undefined, PushManager: undefined, storage: memoryStorage() }), 'unsupported');
  assert.equal(permission({ navigator: {}, Notification: undefined, PushManager: undefined }), 'unsupported');
  assert.equal(await currentState(null, fakeBrowser({ permission: 'denied' }).env), 'denied');
  assert.equal(await currentState(null, fakeBrowser().env), 'off');
  assert.equal(await currentState(null, fakeBrowser({ registered: false }).env), 'off');
  const b = fakeBrowser({ permission: 'granted' });
  b.env.navigator.serviceWorker.getRegistration = async () => ({ active: {}, pushManager: { getSubscription: async () => ({}) } });
  assert.equal(await currentState(null, b.env), 'on');
  assert.equal(await currentState(fakeApi({ subscribed: true }), b.env), 'on');
  assert.equal(await currentState(fakeApi({ subscribed: false }), b.env), 'off', 'the hub forgot it (another provider logged in)');
  const offline = fakeApi();
  offline.get = async () => {
    throw new Error('offline');
  };
  assert.equal(await currentState(offline, b.env), 'on');
});

test('enabling asks permission first, subscribes with the gateway key, sends it with the device id', async () => {
  const b = fakeBrowser();
  const api = fakeApi();
  assert.equal(await enablePush(api, b.env), 'on');
  assert.equal(b.calls[0], 'requestPermission', 'the prompt comes first, in the tap');
  assert.deepEqual(b.calls[1], ['subscribe', true, 'BEl62iUYgUivxIkv69yViEuiBIa-Ib9-SkvMeAtA3LFgDzkrxZJjSgSnfckjBJuBkr3qBUYIHBQFLXYp5Nksh8U']);
  assert.deepEqual(api.calls[0], ['GET', '/provider/push/key']);
  assert.deepEqual(api.calls[1], ['POST', '/provider/push/subscriptions', {
    endpoint: 'https://push.example/abc', expirationTime: null, keys: { p256dh: 'P', auth: 'A' }, device_id: deviceId(b.env),
  }]);
  assert.equal(offerAnswer(b.env), 'done');
  // Again: the same subscription is sent, no new prompt, no new subscription.
  await enablePush(api, b.env);
  assert.equal(b.calls.filter((c) => c === 'requestPermission').length, 1);
  assert.equal(b.calls.filter((c) => c[0] === 'subscribe').length, 1);
});

test('a subscription made with another key is replaced', async () => {
  const b = fakeBrowser({ permission: 'granted' });
  const old = b.makeSubscription(new Uint8Array([4, 1, 2, 3]));
  b.env.navigator.serviceWorker.getRegistration = async () => ({ active: {}, pushManager: { getSubscription: async () => old, subscribe: async () => b.makeSubscription(new Uint8Array([4])) } });
  await enablePush(fakeApi(), b.env);
  assert.ok(b.calls.includes('unsubscribe'));
});

test('refused or dismissed permission, and a missing key, fail with a French message and nothing sent', async () => {
  for (const answer of ['denied', 'default']) {
    const b = fakeBrowser({ answer });
    const api = fakeApi();
    await assert.rejects(enablePush(api, b.env), (error) => error.code === (answer === 'denied' ? 'denied' : 'dismissed') && /Notifications/.test(error.message));
    assert.deepEqual(api.calls, []);
  }
  const b = fakeBrowser();
  await assert.rejects(enablePush(fakeApi({ fail: '/provider/push/key' }), b.env), /indisponibles/);
  assert.equal(b.subscription, null);
  await assert.rejects(enablePush(fakeApi(), { navigator: {}, Notification: undefined, PushManager: undefined }), (e) => e.code === 'unsupported');
});

test('disabling unsubscribes in the browser and tells the hub, even when the hub cannot be reached', async () => {
  const b = fakeBrowser();
  await enablePush(fakeApi(), b.env);
  const api = fakeApi();
  assert.equal(await disablePush(api, b.env), 'off');
  assert.deepEqual(api.calls, [['DELETE', '/provider/push/subscriptions', { device_id: deviceId(b.env) }]]);
  assert.equal(b.subscription, null);

  const c = fakeBrowser();
  await enablePush(fakeApi(), c.env);
  await assert.rejects(disablePush(fakeApi({ fail: 'DELETE' }), c.env), /connexion/);
  assert.equal(c.subscription, null, 'unsubscribed in the browser anyway');
  const id = deviceId(c.env);
  c.env.storage.removeItem('djobea.tokens');
  assert.equal(deviceId(c.env), id, 'the device id outlives the session');
});

test('the offer comes after an accept reached the hub, once per device, only when it can help', () => {
  const accept = { state: 'sent', method: 'PUT', path: '/provider/requests/r1/accept' };
  assert.equal(isAcceptSent(accept), true);
  assert.equal(isAcceptSent({ ...accept, state: 'pending' }), false);
  assert.equal(isAcceptSent({ ...accept, path: '/provider/requests/r1/decline' }), false);
  assert.equal(shouldOfferPush({ outbox: [accept], state: 'off', answered: null }), true);
  assert.equal(shouldOfferPush({ outbox: [{ ...accept, state: 'pending' }], state: 'off', answered: null }), false, 'not before the hub took it');
  assert.equal(shouldOfferPush({ outbox: [accept], state: 'off', answered: 'later' }), false, 'no nagging');
  assert.equal(shouldOfferPush({ outbox: [accept], state: 'on', answered: null }), false);
  assert.equal(shouldOfferPush({ outbox: [accept], state: 'denied', answered: null }), false);
  assert.equal(shouldOfferPush({ outbox: [accept], state: 'unsupported', answered: null }), false);
  assert.equal(shouldOfferPush({ outbox: [], state: 'off', answered: null }), false, 'not at login');
  const { env } = fakeBrowser();
  assert.equal(offerAnswer(env), null);
  rememberOffer('later', env);
  assert.equal(offerAnswer(env), 'later');
});

test('a push service that never answers fails after the delay, in French', async () => {
  const b = fakeBrowser();
  b.env.subscribeTimeout = 20;
  b.env.navigator.serviceWorker.getRegistration = async () => ({ active: {}, pushManager: { getSubscription: async () => null, subscribe: () => new Promise(() => {}) } });
  await assert.rejects(enablePush(fakeApi(), b.env), (error) => error.code === 'subscribe_failed' && /service de notifications/.test(error.message));
});

test('turning off does not wait for a browser push service out of reach longer than asked (logout)', async () => {
  const b = fakeBrowser();
  b.env.navigator.serviceWorker.getRegistration = async () => ({ active: {}, pushManager: { getSubscription: () => new Promise(() => {}) } });
  const api = fakeApi();
  const started = Date.now();
  assert.equal(await disablePush(api, b.env, { browserWait: 0 }), 'off');
  assert.ok(Date.now() - started < 1000);
  assert.deepEqual(api.calls.map((c) => c[0]), ['DELETE'], 'the hub is told at once');
});
