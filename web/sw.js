// Service worker: the versioned app shell, from cache first, so a repeat visit costs no network bytes and every
// screen opens offline. The hub replaces the MANIFEST line below with the hashed asset list and a version of the
// build it serves: a new deploy is a new sw.js, which the browser installs in the background (precaching the new
// shell and assets); the page then offers to reload. API calls (/provider/...) are never cached here: the app keeps
// its own data in IndexedDB.
const MANIFEST = { version: 'dev', assets: [] };

const CACHE = 'djobea-shell-' + MANIFEST.version;
/** The shell page and the manifest; `/` and `/app` are the same page. */
const SHELL = ['/', '/manifest.webmanifest'];
const SHELL_PAGES = ['/', '/app', '/index.html'];

self.addEventListener('install', (event) => {
  // Everything at once: the shell, every screen, icons. A failed download fails the install (the old one stays).
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll([...SHELL, ...MANIFEST.assets])));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((key) => key.startsWith('djobea-shell-') && key !== CACHE).map((key) => caches.delete(key))))
      .then(() => self.clients.claim()),
  );
});

/**
 * The page asks the waiting worker to take over (the provider tapped "Mettre à jour"). The browser tests also ask it to
 * open a notification it showed, as a tap on it would (`{type: 'test-notification-click', tag}`): no tap can be
 * simulated on a system notification, so the test runs the same code path as `notificationclick`.
 */
self.addEventListener('message', (event) => {
  if (event.data === 'skip-waiting') self.skipWaiting();
  else if (event.data?.type === 'test-notification-click') {
    event.waitUntil(
      self.registration.getNotifications(event.data.tag ? { tag: String(event.data.tag) } : undefined).then((shown) => {
        if (shown.length) return openNotification(shown[shown.length - 1]);
        // A headless browser may have dropped it already: the same path with what this worker showed under that tag.
        const record = recentlyShown.get(String(event.data.tag));
        if (record) return openNotification({ data: record.data, close: () => {} });
      }),
    );
  }
});

// MARK: - Push notifications: new requests, urgent offers, client messages, payments, even when the app is closed.

/** What a push without a readable payload says. */
const GENERIC = { title: 'Djobea', body: 'Nouvelle activité sur Djobea' };
const ICON = '/icons/icon-192.png';

/**
 * The notification for a push payload (`{kind, title, body, url, request_id, tag}` as JSON, or anything else): its
 * title and `showNotification` options. An urgent offer stays on screen until acted on; urgent ones ring again.
 */
function notificationFor(text) {
  let payload = null;
  try {
    payload = JSON.parse(text);
  } catch {}
  if (!payload || typeof payload !== 'object' || Array.isArray(payload)) payload = {};
  const title = typeof payload.title === 'string' && payload.title.trim() ? payload.title.trim() : GENERIC.title;
  const body = typeof payload.body === 'string' && payload.body.trim() ? payload.body.trim() : title === GENERIC.title ? GENERIC.body : '';
  const kind = typeof payload.kind === 'string' ? payload.kind : 'generic';
  const requestId = typeof payload.request_id === 'string' ? payload.request_id : null;
  const url = sameOriginPath(payload.url) ?? (requestId ? '/#/demandes/' + encodeURIComponent(requestId) : '/');
  const urgent = kind === 'urgent_offer' || kind === 'offer_expiring';
  const tag = typeof payload.tag === 'string' && payload.tag ? payload.tag : requestId ? kind + ':' + requestId : 'djobea';
  return {
    title,
    options: {
      body,
      tag,
      data: { url, kind, request_id: requestId },
      icon: ICON,
      badge: ICON,
      lang: 'fr',
      renotify: urgent,
      requireInteraction: kind === 'urgent_offer',
      vibrate: urgent ? [300, 150, 300, 150, 300] : [200],
    },
  };
}

/** A path of this origin ('/#/demandes/x'), or null for anything pointing elsewhere. */
function sameOriginPath(url) {
  if (typeof url !== 'string' || !url) return null;
  try {
    const parsed = new URL(url, self.location.origin);
    return parsed.origin === self.location.origin ? parsed.pathname + parsed.search + parsed.hash : null;
  } catch {
    return null;
  }
}

self.addEventListener('push', (event) => {
  let text = '';
  try {
    text = event.data ? event.data.text() : '';
  } catch {}
  event.waitUntil(showPush(text));
});

/** The last notifications this worker showed, by tag (for the test hook only; lost when the worker stops). */
const recentlyShown = new Map();

async function showPush(text) {
  const { title, options } = notificationFor(text);
  await self.registration.showNotification(title, options);
  recentlyShown.delete(options.tag);
  recentlyShown.set(options.tag, { title, data: options.data });
  if (recentlyShown.size > 20) recentlyShown.delete(recentlyShown.keys().next().value);
  // An open app refreshes at once (and the tests learn what was shown).
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  for (const client of windows) client.postMessage({ type: 'push-shown', title, body: options.body, tag: options.tag, url: options.data.url, kind: options.data.kind });
}

self.addEventListener('notificationclick', (event) => {
  event.waitUntil(openNotification(event.notification));
});

/**
 * A tap on a notification: it closes; an open window of the app comes to the front and shows the request (the page
 * routes on the message: hash routes never reload it); with none open, a new window opens on the request.
 */
async function openNotification(notification) {
  const path = sameOriginPath(notification?.data?.url) ?? '/';
  notification?.close();
  const url = new URL(path, self.location.origin).href;
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const client = windows.find((c) => c.focused) ?? windows.find((c) => c.visibilityState === 'visible') ?? windows[0];
  if (client) {
    client.postMessage({ type: 'navigate', url: path });
    try {
      await client.focus();
    } catch {} // focus needs the tap's user activation (the test path has none)
    return client;
  }
  return self.clients.openWindow(url);
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/assets/') || url.pathname === '/manifest.webmanifest') {
    event.respondWith(cacheFirst(request));
  } else if (request.mode === 'navigate' && SHELL_PAGES.includes(url.pathname)) {
    event.respondWith(shell(request));
  }
  // Everything else (the API, photos, /healthz, /ops) goes to the network untouched.
});

/** Hashed assets never change: the cache answers, the network only fills a miss. */
async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(request, { ignoreSearch: true });
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok) cache.put(request, response.clone());
  return response;
}

/**
 * The shell page from cache: it names only hashed assets of the same build, so cache and page always agree. A new
 * build arrives with a new sw.js, never by this path. With no cached shell (first visit, cache evicted), the network.
 */
async function shell(request) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match('/');
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok) cache.put('/', response.clone());
  return response;
}
