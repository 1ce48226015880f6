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
import { normalizePhone, relativeTime } from './lib/format.js';
import { createOutbox } from './lib/outbox.js';
import { createPerform } from './lib/perform.js';
import { isUnderWay } from './lib/transitions.js';
import { pullChanges } from './lib/sync.js';
import { createLive, liveAlert } from './lib/live.js';
import { createUploadQueue } from './lib/uploads.js';

const $ = (selector, root = document) => root.querySelector(selector);

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
  async load(key, path, render, onError = () => {}) {
    const cached = await db.get('kv', key).catch(() => undefined);
    if (cached) render(cached.data, { cached: true, at: cached.at });
    try {
      const data = await fetchOnce(path);
      markSynced();
      render(data, { cached: false, at: Date.now() });
      // A full phone (quota) must not hide fresh data: the copy for offline use is best effort.
      db.put('kv', key, { data, at: Date.now() }).catch(() => {});
      return data;
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) return null;
      if (!cached) onError(error);
      return null;
    }
  },
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
  renderOutbox,
  /** The provider's own id and name, from the token's profile cache (null until the profile loads). */
  get online() {
    return navigator.onLine !== false;
  },
};

/** A GET, answered by the shell's prefetch when it started this one already (a refused prefetch is retried here). */
async function fetchOnce(path) {
  const prefetched = globalThis.__prefetch?.[path];
  if (prefetched) {
    delete globalThis.__prefetch[path];
    try {
      return await prefetched;
    } catch {}
  }
  return api.get(path);
}

function emit(name, detail) {
  events.dispatchEvent(new CustomEvent(name, { detail }));
}

// MARK: - Whose data is on this phone

/**
 * Wipes what the phone holds for a provider: cached screens, requests, the offline queue, photos waiting to upload.
 * Done at logout, and when another provider logs in on the same phone (a shared or second-hand phone must never show,
 * or replay, someone else's data).
 */
async function forgetLocalData() {
  await outbox.clear();
  for (const store of ['kv', 'requests', 'details', 'uploads']) await db.clear(store).catch(() => {});
  for (const key of ['djobea.lastSync', 'djobea.lastEventId', 'djobea.owner']) localStorage.removeItem(key);
  lastSync = null;
  emit('outbox', []);
  renderOutboxBadge([]);
}

/**
 * After a login: the data on the phone belongs to this provider, or is wiped first — also when no owner is recorded
 * (a phone that ran an older version, or a logout that could not finish): unknown data is never shown to anyone.
 */
async function claimLocalData(pair) {
  if (!pair?.provider_id) return;
  if (localStorage.getItem('djobea.owner') !== pair.provider_id) await forgetLocalData();
  localStorage.setItem('djobea.owner', pair.provider_id);
}

// MARK: - Login

let phone = '';

function showLogin() {
  live?.stop();
  live = null;
  unmountScreen();
  $('#app').hidden = true;
  $('[data-push-offer]').hidden = true;
  $('#login').hidden = false;
  showLoginForm('phone-form');
}

function showLoginForm(id) {
  for (const form of document.querySelectorAll('#login form')) form.hidden = form.id !== id;
  const first = $(`#${id} input`);
  first?.focus();
}

function setBusy(form, busy, message = '') {
  for (const button of form.querySelectorAll('button')) button.disabled = busy;
  $('[data-error]', form).textContent = message;
}

function messageOf(error) {
  return error instanceof ApiError ? error.message : 'Erreur inattendue. Réessayez.';
}

$('#phone-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  phone = normalizePhone($('#phone').value);
  if (!phone) return setBusy(form, false, 'Entrez votre numéro de téléphone.');
  setBusy(form, true);
  try {
    const sent = await api.sendOtp(phone);
    setBusy(form, false);
    showLoginForm('code-form');
    const minutes = Math.round((sent?.expires_in ?? 300) / 60);
    $('#code-form [data-sent]').textContent = `Code envoyé sur WhatsApp au ${phone}. Il reste valable ${minutes} min.`;
    $('#code').value = '';
  } catch (error) {
    setBusy(form, false, messageOf(error));
  }
});

$('#code-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const code = $('#code').value.replace(/\D/g, '');
  if (!code) return setBusy(form, false, 'Entrez le code reçu.');
  setBusy(form, true);
  try {
    await claimLocalData(await api.verifyOtp(phone, code));
    setBusy(form, false);
    showApp();
  } catch (error) {
    setBusy(form, false, messageOf(error));
  }
});

$('#password-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const email = $('#email').value.trim();
  const password = $('#password').value;
  const totp = $('#totp').value.replace(/\D/g, '');
  if (!email || !password) return setBusy(form, false, 'Entrez votre e-mail et votre mot de passe.');
  setBusy(form, true);
  try {
    await claimLocalData(await api.login(email, password, totp || undefined));
    setBusy(form, false);
    showApp();
  } catch (error) {
    if (error instanceof ApiError && error.code === 'totp_required') {
      $('#totp-field').hidden = false;
      $('#totp').focus();
    }
    setBusy(form, false, messageOf(error));
  }
});

for (const button of document.querySelectorAll('[data-show-form]')) {
  button.addEventListener('click', () => showLoginForm(button.dataset.showForm));
}

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

function renderOutboxBadge(items) {
  const pending = items.filter((item) => item.state === 'pending').length;
  const badge = $('[data-pending]');
  badge.hidden = pending === 0;
  badge.textContent = pending === 1 ? '1 action en attente' : `${pending} actions en attente`;
}

/** The outbox as a list: each queued action with its state (en attente / envoyé / refusé, with the reason). */
async function renderOutbox(element) {
  const items = (await outbox.list()).slice().reverse();
  if (!items.length) return fill(element, h('li', { class: 'muted', text: 'Aucune action en attente.' }));
  fill(
    element,
    items.map((item) =>
      h(
        'li',
        { class: 'outbox-item', dataset: { state: item.state } },
        h('span', { class: 'outbox-title', text: item.title || `${item.method} ${item.path}` }),
        ' ',
        h('span', { class: 'badge ' + item.state, text: item.label }),
        item.reason ? h('span', { class: 'outbox-reason', text: item.reason }) : null,
        item.state === 'refused'
          ? h('button', {
              class: 'btn ghost small',
              type: 'button',
              text: 'Compris',
              onclick: async () => {
                await outbox.dismiss(item.seq);
                renderOutbox(element);
              },
            })
          : null,
      ),
    ),
  );
}

// MARK: - Push notifications on this device

/** lib/push.js, loaded when first needed: it is not part of the first load. */
let push = null;
const loadPush = () => import('./lib/push.js').then((module) => (push = module));

/**
 * The offer to receive pushes, shown once per device after an accept reached the hub (never at login): "Activer" asks
 * the browser's permission in the tap itself; "Plus tard" is remembered (no nagging: Profil has the switch).
 */
let offerChecking = false;
async function offerPush(items) {
  const banner = $('[data-push-offer]');
  if (!banner || !banner.hidden || offerChecking) return;
  if (!items.some((item) => item.state === 'sent' && /\/accept$/.test(item.path ?? ''))) return;
  offerChecking = true;
  try {
    // Loaded before the offer shows: "Activer" then calls it at once, in the tap.
    const { currentState, offerAnswer, shouldOfferPush } = await loadPush();
    if (offerAnswer()) return;
    const state = await currentState();
    if (shouldOfferPush({ outbox: items, state, answered: offerAnswer() }) && api.isLoggedIn()) banner.hidden = false;
  } catch {
  } finally {
    offerChecking = false;
  }
}

function closePushOffer(answer) {
  push?.rememberOffer(answer);
  $('[data-push-offer]').hidden = true;
}

$('[data-push-yes]').addEventListener('click', async (event) => {
  if (!push) return;
  const buttons = event.currentTarget.closest('[data-push-offer]').querySelectorAll('button');
  for (const button of buttons) button.disabled = true;
  try {
    await push.enablePush(api); // first thing: the permission prompt, while the tap still counts as a user gesture
    toast('Notifications activées sur cet appareil.');
    closePushOffer('done');
  } catch (error) {
    toast(error?.message || 'Notifications non activées.');
    closePushOffer('later');
  } finally {
    for (const button of buttons) button.disabled = false;
  }
});
$('[data-push-later]').addEventListener('click', () => {
  closePushOffer('later');
  toast('D’accord. Vous pourrez les activer dans Profil › Notifications.');
});

/** The service worker's messages: a tap on a notification shows its request here; a push refreshes the data. */
navigator.serviceWorker?.addEventListener('message', (event) => {
  const message = event.data;
  if (message?.type === 'navigate' && typeof message.url === 'string') {
    const target = new URL(message.url, location.origin);
    if (target.origin !== location.origin) return;
    const hash = '#' + target.hash.slice(1).replace(/^\/+/, '');
    ctx.navigate(hash.length > 1 ? hash : '#accueil');
  } else if (message?.type === 'push-shown') {
    syncRequests().catch(() => {});
  }
});

// MARK: - Toast, floating mission button

let toastTimer = null;
function toast(text) {
  const element = $('[data-toast]');
  element.textContent = text;
  element.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    element.hidden = true;
  }, 4000);
}

/** The floating button to the mission in progress (arrivé, diagnostic or réparation), hidden on that mission. */
async function updateFab() {
  const fab = $('[data-fab]');
  const items = await db.all('requests');
  const active = items.find((item) => isUnderWay(item.stage ?? item.status));
  const onIt = current?.name === 'mission' && current?.param === active?.id;
  fab.hidden = !active || onIt || $('#app').hidden;
  if (active) {
    fab.href = '#mission/' + encodeURIComponent(active.id);
    fab.setAttribute('aria-label', `Mission en cours : ${active.title ?? active.service_label ?? ''}`.trim());
  }
}

// MARK: - Gestures: swipe between tabs, pull to refresh

let touch = null;
addEventListener(
  'touchstart',
  (event) => {
    if (event.touches.length !== 1 || $('#app').hidden) return;
    const t = event.touches[0];
    touch = { x: t.clientX, y: t.clientY, top: scrollY <= 0, time: Date.now() };
  },
  { passive: true },
);
addEventListener(
  'touchend',
  (event) => {
    if (!touch) return;
    const t = event.changedTouches[0];
    const dx = t.clientX - touch.x;
    const dy = t.clientY - touch.y;
    const start = touch;
    touch = null;
    if (event.target.closest?.('input, textarea, select, [data-no-swipe]')) return;
    if (Math.abs(dx) > 80 && Math.abs(dx) > 2 * Math.abs(dy) && Date.now() - start.time < 800) {
      const tab = ROUTES[parseHash().name][0];
      const next = TABS[TABS.indexOf(tab) + (dx < 0 ? 1 : -1)];
      if (next) ctx.navigate('#' + next);
    } else if (start.top && dy > 90 && Math.abs(dx) < 60) {
      toast('Actualisation…');
      refreshAll();
    }
  },
  { passive: true },
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
  workerRegistration?.update().catch(() => {});
});
setInterval(renderSync, 30_000);
document.addEventListener('keydown', (event) => {
  if (event.altKey && /^[1-4]$/.test(event.key)) ctx.navigate('#' + TABS[Number(event.key) - 1]);
});
outbox.prune().then(() => outbox.list()).then(renderOutboxBadge);

// MARK: - Service worker: registered once the first screen is up, so its precaching never delays it.

let reloading = false;
let workerRegistration = null;
function registerWorker() {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker
    .register('/sw.js')
    .then((registration) => {
      workerRegistration = registration;
      // An app left open for days still learns of a new build (hash routes never navigate).
      setInterval(() => registration.update().catch(() => {}), 3_600_000);
      if (registration.waiting && navigator.serviceWorker.controller) offerUpdate(registration.waiting);
      registration.addEventListener('updatefound', () => {
        const worker = registration.installing;
        worker?.addEventListener('statechange', () => {
          if (worker.state === 'installed' && navigator.serviceWorker.controller) offerUpdate(worker);
        });
      });
    })
    .catch(() => {});
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (reloading) location.reload();
  });
}

/** A new version was downloaded in the background: one tap switches to it. */
function offerUpdate(worker) {
  const bar = $('[data-update]');
  bar.hidden = false;
  $('button', bar).onclick = () => {
    reloading = true;
    worker.postMessage('skip-waiting');
  };
}

if (document.readyState === 'complete') setTimeout(registerWorker, 1500);
else addEventListener('load', () => setTimeout(registerWorker, 1500), { once: true });

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
