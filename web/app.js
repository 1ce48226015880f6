// The provider app's entry point: login, then the screens behind a bottom navigation bar.
// Screens are lazy ES modules (`screens/*.js`) mounted into <main>; they read from IndexedDB first (shown at once,
// offline too) and refresh from the hub. Every action goes through the outbox (idempotency key, replayed in order).
//
// Screen module contract: `export default { title, mount(root, ctx, param) }`; mount may return a cleanup function.
// Module paths in `import()` and `ctx.useStyle()` must be absolute literals ('/lib/x.js'): the hub rewrites them to
// content-hashed URLs.
import { ApiError, createApi, outboxSender, tokenStore } from './lib/api.js';
import { fill, h, icon } from './lib/dom.js';
import { openDb, outboxStorage } from './lib/db.js';
import { createOutbox } from './lib/outbox.js';
import { createPerform } from './lib/perform.js';
import { pullChanges } from './lib/sync.js';
import { createLive, liveAlert } from './lib/live.js';
import { relativeTime } from './lib/format.js';
import { createUploadQueue } from './lib/uploads.js';
import { $, cachedLoad, messageOf, renderOutboxBadge, toast } from './app/shell.js';

/** The four tabs of the bottom bar, in swipe order. */
const TABS = ['accueil', 'demandes', 'finances', 'profil'];
/** Routes: name → [tab it belongs to, module loader]. Literal paths, so the hub can rewrite them. */
const ROUTES = {
  accueil: ['accueil', () => import('./screens/accueil.js')],
  demandes: ['demandes', () => import('./screens/demandes.js')],
  mission: ['demandes', () => import('./screens/mission.js')],
  finances: ['finances', () => import('./screens/finances.js')],
  profil: ['profil', () => import('./screens/profil.js')],
};

const db = await openDb();
const api = createApi({ fetch: (...args) => fetch(...args), tokens: tokenStore(localStorage), onLoggedOut: () => showLogin() });
const outbox = createOutbox({ storage: outboxStorage(db), send: outboxSender(api) });
/** One photo upload queue for the whole app: photos taken offline go up whichever screen is open. */
const uploads = createUploadQueue({ db, api, act: (action) => ctx.act(action), onChange: (job) => emit('upload', job) });
const events = new EventTarget();
let lastSync = Number(localStorage.getItem('djobea.lastSync')) || null;
let current = null; // { route, param, cleanup }
let live = null;

// MARK: - The context screens receive

const ctx = {
  api,
  db,
  outbox,
  uploads,
  h,
  /** Now on the hub's clock: use it for every time sent to the hub (a cheap phone's clock is often wrong). */
  now: () => api.now(),
  icon,
  fill,
  /** Replaces the header's title (a request card shows the request's title). */
  setTitle(text) {
    $('[data-title]').textContent = text;
    document.title = `${text} — Djobea Prestataire`;
  },
  /** Shows a short message at the bottom of the screen. */
  toast,
  navigate(hash) {
    if (location.hash === hash) route();
    else location.hash = hash;
  },
  /** Subscribes to an app event ('requests', 'outbox', 'live', 'sync', 'touched'); returns the unsubscribe function. */
  on(name, listener) {
    const handler = (event) => listener(event.detail);
    events.addEventListener(name, handler);
    return () => events.removeEventListener(name, handler);
  },
  emit,
  /** Marks the data as fresh from the hub now ("Dernière synchro à l'instant"). */
  markSynced,
  /** Loads a stylesheet once (a literal absolute path, e.g. '/screens/demandes.css'). */
  useStyle(href) {
    if (document.querySelector(`link[data-style="${href}"]`)) return;
    document.head.append(h('link', { rel: 'stylesheet', href, dataset: { style: href } }));
  },
  /**
   * Cached read: calls `render(data, {cached: true, at})` at once from IndexedDB if present, then fetches `path`,
   * stores it and calls `render(data, {cached: false})`. A failed fetch with no cached copy calls `onError(error)`.
   */
  load: cachedLoad({ db, api, markSynced: () => markSynced() }),
  /** The request list items held on the phone (kept current by the delta feed). */
  requests: {
    all: () => db.all('requests'),
    get: (id) => db.get('requests', id),
    /** Pulls the changes since the cursor now; resolves with what changed. */
    sync: syncRequests,
  },
  /**
   * The request detail card: from IndexedDB at once, then from the hub. `render(detail, {cached})`.
   */
  detail(id, render, onError) {
    return ctx.load('detail:' + id, '/provider/requests/' + encodeURIComponent(id), render, onError);
  },
  /**
   * An action: queued in the outbox with an idempotency key, then sent if the hub answers. `apply(ctx)` runs at once
   * (an optimistic local change), whatever the link does. Returns the queued item.
   * @param {{method: string, path: string, body?: any, title: string, requestId?: string}} action
   */
  async act(action) {
    if (!api.isLoggedIn()) throw new ApiError(401, 'unauthenticated', 'Session terminée : reconnectez-vous.');
    const item = await outbox.enqueue(action);
    emit('outbox', await outbox.list());
    flushOutbox();
    return item;
  },
  /**
   * The one action path of the screens: `perform({ optimistic, action, rollback, refresh })` applies the optimistic
   * change, queues `action` through `act`, rolls back when the phone cannot queue it, refreshes on the hub's refusal.
   */
  perform: createPerform({ enqueue: (action) => ctx.act(action), subscribe: (listener) => outbox.subscribe(listener) }),
  /** The outbox list, rendered into `element` (used by the profile screen and the request card). */
  renderOutbox: (element) => import('/app/outbox-view.js').then((module) => module.renderOutbox(outbox, element)),
  /** The provider's own id and name, from the token's profile cache (null until the profile loads). */
  get online() {
    return navigator.onLine !== false;
  },
};

function emit(name, detail) {
  events.dispatchEvent(new CustomEvent(name, { detail }));
}

// MARK: - Whose data is on this phone, and the login (the forms: app/login.js)

/** Wiping (logout, another provider) and claiming the phone's data: app/local-data.js, loaded at login or logout. */
let localDataModule = null;
const onForgotten = () => (emit('outbox', []), renderOutboxBadge([]));
const phoneData = () => (localDataModule ??= import('/app/local-data.js').then((m) => m.localData({ outbox, db, forgetSynced, onForgotten })));
const claimLocalData = (pair) => phoneData().then((data) => data.claimLocalData(pair));
const forgetLocalData = () => phoneData().then((data) => data.forgetLocalData());

function showLogin() {
  live?.stop();
  live = null;
  unmountScreen();
  $('#app').hidden = true;
  $('[data-push-offer]').hidden = true;
  $('#login').hidden = false;
  loginForms().then((login) => login.showLoginForm('phone-form'));
}

/** The login forms' module, loaded and wired once, when the login shows (a logged-in start never loads it). */
let loginModule = null;
const loginForms = () =>
  (loginModule ??= import('/app/login.js').then((login) => (login.setUpLogin({ api, claim: claimLocalData, showApp }), login)));

// MARK: - App

function showApp() {
  $('#login').hidden = true;
  $('#app').hidden = false;
  renderSync();
  route();
  // The first full load of the request list waits a little when the dashboard opens, so it does not share the
  // link with the dashboard's own reads; afterwards a delta is a few hundred bytes and goes at once.
  db.get('kv', 'changes.cursor').then((cursor) => {
    setTimeout(refreshAll, cursor || parseHash().name !== 'accueil' ? 0 : 2500);
  });
  live ??= createLive({
    api,
    tokens: () => tokenStore(localStorage).get(),
    onEvent: (event) => {
      emit('live', event);
      // A client's message: a toast, unless its request is the card on screen (which shows it at once).
      const alert = liveAlert(event);
      if (alert && !(current?.name === 'demandes' && current?.param === alert.requestId)) toast(alert.text);
      syncRequests().catch(() => {});
    },
    onPoll: () => {
      flushOutbox();
      syncRequests().catch(() => {});
    },
  });
  live.start();
}

function unmountScreen() {
  if (current?.cleanup) {
    try {
      current.cleanup();
    } catch {}
  }
  current = null;
}

/** `#demandes/abc` (or `#/demandes/abc`, as push notifications spell it) → { name: 'demandes', param: 'abc' }. */
function parseHash() {
  const [name, ...rest] = (location.hash || '#accueil').slice(1).replace(/^\/+/, '').split('/');
  return ROUTES[name] ? { name, param: rest.length ? decodeURIComponent(rest.join('/')) : null } : { name: 'accueil', param: null };
}

let routeToken = 0;
async function route() {
  if ($('#app').hidden) return;
  const { name, param } = parseHash();
  const [tab, loader] = ROUTES[name];
  for (const link of document.querySelectorAll('nav.tabs a')) {
    if (link.getAttribute('href') === '#' + tab) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  const token = ++routeToken;
  unmountScreen();
  const root = $('#screen');
  let module;
  try {
    module = (await loader()).default;
  } catch {
    if (token !== routeToken) return;
    fill(root, h('p', { class: 'card error', role: 'alert', text: 'Cet écran n’est pas encore disponible hors connexion. Reconnectez-vous une fois.' }));
    return;
  }
  if (token !== routeToken) return;
  root.replaceChildren();
  $('[data-title]').textContent = module.title ?? 'Djobea';
  document.title = `${module.title ?? 'Djobea'} — Djobea Prestataire`;
  const cleanup = module.mount(root, ctx, param);
  current = { name, param, cleanup: typeof cleanup === 'function' ? cleanup : null };
  root.focus({ preventScroll: true });
  scrollTo(0, 0);
  updateFab();
}

// MARK: - Sync line, refresh, outbox

function markSynced(at = Date.now()) {
  lastSync = at;
  localStorage.setItem('djobea.lastSync', String(at));
  renderSync();
}

function forgetSynced() {
  localStorage.removeItem('djobea.lastSync');
  lastSync = null;
}

function renderSync() {
  const line = $('[data-sync]');
  const offline = navigator.onLine === false;
  line.toggleAttribute('data-offline', offline);
  const when = lastSync ? relativeTime(lastSync, Date.now()) : null;
  line.textContent = (when ? `Dernière synchro ${when}` : 'Dernière synchro : jamais') + (offline ? ' · hors connexion' : '');
}

let syncing = null;
/** Pulls the request changes since the cursor; tells the screens what changed. */
function syncRequests() {
  if (!api.isLoggedIn()) return Promise.resolve({ changed: [], removed: [], touched: [] });
  syncing ??= pullChanges({ api, db })
    .then((result) => {
      markSynced();
      if (result.changed.length || result.removed.length) emit('requests', result);
      if (result.touched.length) emit('touched', result.touched);
      updateFab();
      return result;
    })
    .finally(() => {
      syncing = null;
    });
  return syncing;
}

/** The refresh button, pull-to-refresh, coming back online. */
async function refreshAll() {
  if (!api.isLoggedIn()) return;
  const button = $('[data-refresh]');
  button.disabled = true;
  try {
    await flushOutbox();
    uploads.run().catch(() => {});
    await syncRequests().catch((error) => {
      if (!(error instanceof ApiError) || error.status !== 401) toast(messageOf(error));
    });
    emit('refresh');
  } finally {
    button.disabled = false;
    renderSync();
  }
}

let flushing = null;
let retryTimer = null;
let retryDelay = 5000;
function flushOutbox() {
  if (!api.isLoggedIn()) return Promise.resolve({ sent: 0, refused: 0, remaining: 0 });
  flushing ??= outbox
    .replay()
    .then(async (outcome) => {
      await outbox.prune();
      const items = await outbox.list();
      emit('outbox', items);
      renderOutboxBadge(items);
      offerPush(items);
      if (outcome.sent || outcome.refused) {
        markSynced();
        syncRequests().catch(() => {});
      }
      if (outcome.refused) toast('Une action a été refusée par le hub : voir Profil › Actions en file.');
      // The link is up but the hub did not answer (timeout, 5xx): try again later, 5 s doubling up to 5 min —
      // on flaky 3G no 'online' event comes to do it.
      clearTimeout(retryTimer);
      if (outcome.remaining && outcome.stoppedBy) {
        retryTimer = setTimeout(flushOutbox, retryDelay);
        retryDelay = Math.min(retryDelay * 2, 300_000);
      } else retryDelay = 5000;
      return outcome;
    })
    .finally(() => {
      flushing = null;
    });
  return flushing;
}

// MARK: - Push notifications on this device (the offer: app/push-offer.js)

/** The push offer's module, loaded when first needed: after an outbox replay or at logout, never before the first screen. */
let pushOfferModule = null;
const pushOffer = () => (pushOfferModule ??= import('/app/push-offer.js').then((module) => module.createPushOffer({ api })));
const offerPush = (items) => pushOffer().then((offer) => offer.offerPush(items)).catch(() => {});
const loadPush = () => pushOffer().then((offer) => offer.loadPush());

// MARK: - Floating mission button

/** The floating button to the mission in progress (arrivé, diagnostic or réparation), hidden on that mission. */
async function updateFab() {
  const fab = $('[data-fab]');
  const items = await db.all('requests');
  const { isUnderWay } = await import('/lib/transitions.js');
  const active = items.find((item) => isUnderWay(item.stage ?? item.status));
  const onIt = current?.name === 'mission' && current?.param === active?.id;
  fab.hidden = !active || onIt || $('#app').hidden;
  if (active) {
    fab.href = '#mission/' + encodeURIComponent(active.id);
    fab.setAttribute('aria-label', `Mission en cours : ${active.title ?? active.service_label ?? ''}`.trim());
  }
}

// Gestures: swipe between tabs, pull to refresh (app/gestures.js, fetched once the app runs, not with the shell).
import('/app/gestures.js').then((gestures) =>
  gestures.setUpGestures({ tabs: TABS, currentTab: () => ROUTES[parseHash().name][0], navigate: (hash) => ctx.navigate(hash), refresh: () => refreshAll() }),
);

// MARK: - Wiring

$('[data-refresh]').addEventListener('click', refreshAll);
addEventListener('hashchange', route);
addEventListener('online', () => {
  renderSync();
  refreshAll();
  uploads.run().catch(() => {});
  live?.start();
});
addEventListener('offline', renderSync);
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState !== 'visible' || $('#app').hidden) return;
  renderSync();
  flushOutbox();
  uploads.run().catch(() => {});
  syncRequests().catch(() => {});
  worker().then((module) => module.updateWorker());
});
setInterval(renderSync, 30_000);
document.addEventListener('keydown', (event) => {
  if (event.altKey && /^[1-4]$/.test(event.key)) ctx.navigate('#' + TABS[Number(event.key) - 1]);
});
outbox.prune().then(() => outbox.list()).then(renderOutboxBadge);

// MARK: - Service worker (app/worker.js): loaded and registered once the page is up, so neither delays the first screen.

let workerModule = null;
const worker = () => (workerModule ??= import('/app/worker.js'));
const onPush = () => syncRequests().catch(() => {});
const startServiceWorker = () => worker().then((m) => (m.listenToWorker({ navigate: (hash) => ctx.navigate(hash), onPush }), m.startWorker()));
if (document.readyState === 'complete') startServiceWorker();
else addEventListener('load', startServiceWorker, { once: true });

export async function logout() {
  // Stop everything that writes to the phone's store first (live feed, screens), let what is in flight land, then
  // wipe: a sync page arriving after the wipe would otherwise put this provider's requests back.
  for (const input of document.querySelectorAll('#login input')) input.value = '';
  showLogin();
  // This device stops receiving the provider's pushes: told to the hub while the token is still valid (and unsubscribed
  // in the browser, in the background, which stops them even if the hub cannot be reached). At most 5 s: logging out
  // never hangs.
  await Promise.race([
    loadPush().then((module) => module.disablePush(api, undefined, { browserWait: 0 })).catch(() => {}),
    new Promise((resolve) => setTimeout(resolve, 5000)),
  ]);
  await api.logout().catch(() => {});
  await Promise.allSettled([syncing, flushing, uploads.idle?.()].filter(Boolean));
  await forgetLocalData();
}
ctx.logout = logout;

if (api.isLoggedIn()) {
  // A phone logged in by an older version: the data it holds is this provider's.
  if (!localStorage.getItem('djobea.owner') && api.providerId()) localStorage.setItem('djobea.owner', api.providerId());
  showApp();
} else showLogin();
