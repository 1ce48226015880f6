// The app shell's small pieces every part of the core uses: a query helper, the toast, the French error message.
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
