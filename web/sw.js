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

/** The page asks the waiting worker to take over (the provider tapped "Mettre à jour"). */
self.addEventListener('message', (event) => {
  if (event.data === 'skip-waiting') self.skipWaiting();
});

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
