// The app shell's small pieces every part of the core uses: a query helper, the toast, the French error message, the
// header's outbox badge, and the screens' cached read (`ctx.load`: the phone's copy at once, then the hub's, kept for
// offline use). One module, so the first load fetches one file for all of them.
import { ApiError } from '/lib/api.js';

export const $ = (selector, root = document) => root.querySelector(selector);

let toastTimer = null;
/** Shows a short message at the bottom of the screen for 4 s. */
export function toast(text) {
  const element = $('[data-toast]');
  element.textContent = text;
  element.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    element.hidden = true;
  }, 4000);
}

/** The hub's French message of an API error; a generic one for anything else. */
export function messageOf(error) {
  return error instanceof ApiError ? error.message : 'Erreur inattendue. Réessayez.';
}

/** The header's badge: how many actions wait to be sent. */
export function renderOutboxBadge(items) {
  const pending = items.filter((item) => item.state === 'pending').length;
  const badge = $('[data-pending]');
  badge.hidden = pending === 0;
  badge.textContent = pending === 1 ? '1 action en attente' : `${pending} actions en attente`;
}

/**
 * `load(key, path, render, onError)`: calls `render(data, {cached: true, at})` at once from IndexedDB if present, then
 * fetches `path`, stores it and calls `render(data, {cached: false})`. A failed fetch with no cached copy calls
 * `onError(error)`. Resolves with the hub's data, or null.
 */
export function cachedLoad({ db, api, markSynced }) {
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

  return async function load(key, path, render, onError = () => {}) {
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
  };
}
