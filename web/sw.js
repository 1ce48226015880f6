// Service worker: caches the versioned app shell. The hub replaces the MANIFEST line below with the
// hashed asset list of the build it serves, so a new deploy means a new cache and the old one is dropped.
// API calls (/provider/...) are never cached here: the app keeps its own data.
const MANIFEST = { version: 'dev', assets: [] };

const CACHE = 'djobea-shell-' + MANIFEST.version;
const SHELL = ['/', '/manifest.webmanifest'];
/** Pages that are the app shell; other pages of the hub (/ops) are never cached here. */
const SHELL_PAGES = ['/', '/app'];

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) => cache.addAll([...SHELL, ...MANIFEST.assets])).then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((key) => key.startsWith('djobea-shell-') && key !== CACHE).map((key) => caches.delete(key))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/assets/')) {
    event.respondWith(cacheFirst(request));
  } else if (SHELL.includes(url.pathname) || SHELL_PAGES.includes(url.pathname)) {
    event.respondWith(networkFirst(request, url.pathname));
  }
  // Everything else (the API, /healthz, /openapi.json) goes to the network untouched.
});

/** Hashed assets never change: the cache answers, the network only fills a miss. */
async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(request);
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok) cache.put(request, response.clone());
  return response;
}

/** The shell: fresh when the hub answers (a 304 costs a few bytes), the cached one offline. */
async function networkFirst(request, path) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) cache.put(path, response.clone());
    return response;
  } catch (error) {
    // /app and / are the same page: either copy will do offline.
    const hit = (await cache.match(path)) ?? (SHELL_PAGES.includes(path) ? await cache.match('/') : undefined);
    if (hit) return hit;
    throw error;
  }
}
