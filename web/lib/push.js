// Web Push on this device: new requests, urgent offers, client messages and payments reach the provider even when the
// app is closed. The browser subscribes with the gateway's VAPID key (`GET /provider/push/key`); the hub keeps the
// subscription per device (`/provider/push/subscriptions`, with a random device id kept in localStorage, which survives
// logout). Permission is only ever asked on a tap (browsers require a user gesture, and asking at login is refused by most
// providers): the in-app offer after the first accepted request, or the switch in Profil.
// Every browser object is injected (`env`), so this runs under `node --test` with fakes.

const DEVICE_KEY = 'djobea.deviceId';
const OFFER_KEY = 'djobea.pushOffer';
const KEY_PATH = '/provider/push/key';
const SUBSCRIPTIONS_PATH = '/provider/push/subscriptions';

/** What the functions below read from the browser; the real globals by default. */
function browser(env) {
  const g = globalThis;
  return {
    navigator: env?.navigator ?? g.navigator,
    Notification: env && 'Notification' in env ? env.Notification : g.Notification,
    PushManager: env && 'PushManager' in env ? env.PushManager : g.PushManager,
    storage: env?.storage ?? g.localStorage,
    crypto: env?.crypto ?? g.crypto,
  };
}

/** A random id for this device (16 bytes, base64url: 22 characters of [A-Za-z0-9_-]), made once and kept. */
export function deviceId(env) {
  const { storage, crypto } = browser(env);
  let id = storage?.getItem(DEVICE_KEY);
  if (id && /^[A-Za-z0-9_-]{8,64}$/.test(id)) return id;
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  id = toBase64Url(bytes);
  storage?.setItem(DEVICE_KEY, id);
  return id;
}

/** True when this browser can receive pushes (on an iPhone: only once the app is added to the home screen). */
export function pushSupported(env) {
  const { navigator, Notification, PushManager } = browser(env);
  return Boolean(navigator && 'serviceWorker' in navigator && PushManager && Notification);
}

/** 'default' | 'granted' | 'denied', or 'unsupported'. */
export function permission(env) {
  const { Notification } = browser(env);
  if (!pushSupported(env)) return 'unsupported';
  return Notification.permission ?? 'default';
}

/** base64url (with or without padding) → bytes: the `applicationServerKey`. */
export function base64UrlToBytes(text) {
  const clean = String(text ?? '').replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '');
  const padded = clean + '='.repeat((4 - (clean.length % 4)) % 4);
  const binary = atob(padded);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function toBase64Url(bytes) {
  let binary = '';
  for (const byte of new Uint8Array(bytes)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function sameBytes(a, b) {
  if (!a || !b) return false;
  const x = new Uint8Array(a);
  const y = new Uint8Array(b);
  return x.length === y.length && x.every((value, i) => value === y[i]);
}

/** The service worker registration (registering it if the page has not yet: it is registered 1.5 s after load). */
async function registration(env, { register = true } = {}) {
  const { navigator } = browser(env);
  const container = navigator.serviceWorker;
  let found = await container.getRegistration().catch(() => undefined);
  if (!found && register) found = await container.register('/sw.js');
  if (!found) return null;
  if (found.active) return found;
  // Installing (first visit): wait until it is active, at most 20 s.
  let timer;
  return Promise.race([container.ready, new Promise((resolve) => (timer = setTimeout(() => resolve(found), 20_000)))]).finally(() => clearTimeout(timer));
}

/**
 * This device's state: 'unsupported', 'denied' (blocked in the browser's settings), 'on' (subscribed in the browser and,
 * when `api` is given and the hub answers, known to the hub for the provider logged in) or 'off'.
 */
export async function currentState(api, env) {
  if (!pushSupported(env)) return 'unsupported';
  if (permission(env) === 'denied') return 'denied';
  const found = await registration(env, { register: false }).catch(() => null);
  const subscription = await found?.pushManager?.getSubscription().catch(() => null);
  if (!subscription || permission(env) !== 'granted') return 'off';
  if (!api) return 'on';
  try {
    const answer = await api.get(`${SUBSCRIPTIONS_PATH}?device_id=${encodeURIComponent(deviceId(env))}`);
    return answer?.subscribed === false ? 'off' : 'on';
  } catch {
    return 'on'; // offline: the browser's subscription is the best answer there is
  }
}

/** An error the screens can show as is (French `message`). */
export class PushError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'PushError';
    this.code = code;
  }
}

/**
 * Turns pushes on for this device. Call it from a tap: the permission prompt is the first thing it does.
 * Asks permission, reads the gateway's key, subscribes (again, if the key changed), sends the subscription to the hub.
 * @returns {Promise<'on'>}
 */
export async function enablePush(api, env) {
  if (!pushSupported(env)) {
    throw new PushError('unsupported', 'Ce navigateur ne sait pas recevoir de notifications. Sur iPhone, ajoutez d’abord l’application à l’écran d’accueil.');
  }
  const { Notification, storage } = browser(env);
  // First, synchronously in the tap's task: the browser shows its prompt only for a user gesture.
  const asked = Notification.permission === 'granted' ? 'granted' : await Notification.requestPermission();
  if (asked !== 'granted') {
    throw new PushError(
      asked === 'denied' ? 'denied' : 'dismissed',
      asked === 'denied'
        ? 'Notifications bloquées : autorisez-les pour ce site dans les réglages du navigateur.'
        : 'Notifications non activées : il faut répondre « Autoriser » à la question du navigateur.',
    );
  }
  const key = (await api.get(KEY_PATH))?.public_key;
  if (!key) throw new PushError('push_unavailable', 'Notifications indisponibles pour le moment. Réessayez plus tard.');
  const applicationServerKey = base64UrlToBytes(key);
  const found = await registration(env);
  if (!found?.pushManager) throw new PushError('unsupported', 'L’application n’est pas encore installée sur ce téléphone. Réessayez dans un instant.');
  let subscription = await found.pushManager.getSubscription();
  if (subscription && !sameBytes(subscription.options?.applicationServerKey, applicationServerKey)) {
    await subscription.unsubscribe().catch(() => {});
    subscription = null;
  }
  try {
    // A browser that cannot reach its push service (no network, no Google services) may never answer: 20 s at most.
    let timer;
    subscription ??= await Promise.race([
      found.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey }),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('délai dépassé')), env?.subscribeTimeout ?? 20_000))),
    ]).finally(() => clearTimeout(timer));
  } catch (error) {
    // The browser's own message is in English (and technical): the provider reads a French one.
    console.warn('push subscribe:', error?.message ?? error);
    throw new PushError('subscribe_failed', 'Le service de notifications du navigateur ne répond pas. Réessayez plus tard, avec du réseau.');
  }
  await api.request('POST', SUBSCRIPTIONS_PATH, { body: { ...subscription.toJSON(), device_id: deviceId(env) } });
  storage?.setItem(OFFER_KEY, 'done');
  return 'on';
}

/**
 * Turns pushes off for this device: tells the hub, and unsubscribes in the browser (so the push service refuses further
 * pushes even if the hub could not be told). Resolves once the hub answered and the browser unsubscribed, or after
 * `browserWait` ms for the browser's part (a push service out of reach can keep it pending: logging out must not wait
 * for it; it goes on in the background). Rejects with the hub's error.
 * @returns {Promise<'off'>}
 */
export async function disablePush(api, env, { browserWait = 3000 } = {}) {
  if (!pushSupported(env)) return 'off';
  const server = api.request('DELETE', SUBSCRIPTIONS_PATH, { body: { device_id: deviceId(env) } });
  const browserSide = (async () => {
    const found = await registration(env, { register: false });
    const subscription = await found?.pushManager?.getSubscription();
    if (subscription) await subscription.unsubscribe();
  })().catch(() => {});
  try {
    await server;
  } finally {
    let timer;
    await Promise.race([browserSide, new Promise((resolve) => (timer = setTimeout(resolve, browserWait)))]);
    clearTimeout(timer);
  }
  return 'off';
}

// MARK: - The in-app offer ("Recevoir les nouvelles demandes même quand l'application est fermée ?")

/** An accept that reached the hub: `PUT /provider/requests/{id}/accept`, sent. */
export function isAcceptSent(item) {
  return item?.state === 'sent' && item.method === 'PUT' && /^\/provider\/requests\/[^/]+\/accept$/.test(item.path ?? '');
}

/**
 * Whether to offer pushes now: after an accept reached the hub, once per device (answered or put off, never again),
 * only when the browser can and the provider has not already decided (granted and subscribed, or blocked).
 * @param {{outbox: object[], state: string, answered: string|null}} facts
 */
export function shouldOfferPush({ outbox, state, answered }) {
  if (answered) return false;
  if (state !== 'off') return false;
  return (outbox ?? []).some(isAcceptSent);
}

/** The offer's answer on this device ('later' or 'done'), or null. */
export function offerAnswer(env) {
  return browser(env).storage?.getItem(OFFER_KEY) ?? null;
}

export function rememberOffer(answer, env) {
  browser(env).storage?.setItem(OFFER_KEY, answer);
}
