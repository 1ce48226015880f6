// A mission's stages, pure: Arrivé → Diagnostic → Réparation → Terminé. A job never goes backwards.

import { STAGES, afterStage, canRequestPayment, currentStatus, isMission, nextStage, rank } from './transitions.js';

// The stages and the optimistic copies live in transitions.js (the hub's state machine); re-exported for the screens.
export { STAGES, afterStage, canRequestPayment, currentStatus, isMission, nextStage };

/** How far a precise status is on the work path: acceptee 0, arrive 1, diagnostic 2, reparation 3, terminee 4; else -1. */
export function progressRank(status) {
  const at = rank(status);
  return at === null || at < 1 ? -1 : at - 1;
}

/**
 * The stepper: each stage 'done', 'current' (the last one reached), 'next' (the one to report now) or 'later'.
 * @returns {{stage, status, label, action, state: string}[]}
 */
export function stepper(status) {
  const reached = progressRank(status);
  return STAGES.map((entry, index) => {
    const position = index + 1;
    let state = 'later';
    if (reached >= 0) {
      if (position < reached) state = 'done';
      else if (position === reached) state = 'current';
      else if (position === reached + 1) state = 'next';
    }
    return { ...entry, state };
  });
}

/** Whether work can still be recorded (materials, time, photos): Acceptée to Terminée. */
export function isWorkOpen(request) {
  return isMission(request);
}

/**
 * A slot typed on the phone in Douala time (UTC+1, no daylight saving) as UTC ISO instants:
 * ("2026-12-02", "09:00", "11:30") → {start: "2026-12-02T08:00:00.000Z", end: "2026-12-02T10:30:00.000Z"}.
 * An end at or before the start is read as the next day ("22:00" → "01:00"). Null when a field is malformed.
 */
export function doualaSlot(day, from, to) {
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day ?? '');
  const a = /^(\d{2}):(\d{2})$/.exec(from ?? '');
  const b = /^(\d{2}):(\d{2})$/.exec(to ?? '');
  if (!d || !a || !b) return null;
  const base = Date.UTC(Number(d[1]), Number(d[2]) - 1, Number(d[3])) - 3600_000;
  const start = base + (Number(a[1]) * 60 + Number(a[2])) * 60_000;
  let end = base + (Number(b[1]) * 60 + Number(b[2])) * 60_000;
  if (end <= start) end += 86_400_000;
  return { start: new Date(start).toISOString(), end: new Date(end).toISOString() };
}

/**
 * The slot a "Reporter" dialog proposes first, as the fields the provider edits ({day, from, to}, Douala time):
 * two hours starting at the next full hour at least an hour away, within working hours (09:00–19:00); past 17:00
 * it is tomorrow 09:00–11:00. Never a slot already gone, whatever the time of day.
 */
export function defaultSlot(now) {
  const DOUALA = 3600_000;
  const local = new Date(Number(now) + DOUALA); // Douala's calendar fields as UTC fields
  const pad = (n) => String(n).padStart(2, '0');
  const dayOf = (d) => `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  const hour = local.getUTCHours() + (local.getUTCMinutes() > 0 || local.getUTCSeconds() > 0 ? 2 : 1);
  if (hour <= 17) {
    const from = Math.max(9, hour);
    return { day: dayOf(local), from: `${pad(from)}:00`, to: `${pad(from + 2)}:00` };
  }
  return { day: dayOf(new Date(local.getTime() + 86_400_000)), from: '09:00', to: '11:00' };
}

// MARK: - The outbox's answers about one request

/** The outbox items about a request: its own path (`/provider/requests/<id>`) or one under it. */
export function concerns(item, path) {
  return Boolean(item?.path) && (item.path === path || item.path.startsWith(path + '/'));
}

/** The request id an outbox path is about ('/provider/requests/a%20b/accept' → 'a b'); null for another path. */
export function requestIdOf(path) {
  const m = /^\/provider\/requests\/([^/?#]+)/.exec(path ?? '');
  if (!m) return null;
  try {
    return decodeURIComponent(m[1]);
  } catch {
    return null;
  }
}

/**
 * The outbox items of `path` answered by the hub since the last call, each seq remembered in `seen`:
 * `sent` (worth a reload) and `refused` (the optimistic copy is wrong: to be corrected from the hub).
 * @returns {{sent: object[], refused: object[]}}
 */
export function answeredSince(items, path, seen) {
  const news = { sent: [], refused: [] };
  for (const item of items ?? []) {
    if ((item.state !== 'sent' && item.state !== 'refused') || !concerns(item, path) || seen.has(item.seq)) continue;
    seen.add(item.seq);
    news[item.state].push(item);
  }
  return news;
}

/**
 * Refused items not corrected yet (their idempotency key is not in `corrected`), optionally of one request path.
 * A refusal stays in the outbox until the provider dismisses it; it is corrected once.
 */
export function uncorrectedRefusals(items, corrected, path = null) {
  const done = corrected instanceof Set ? corrected : new Set(corrected ?? []);
  return (items ?? []).filter((item) => item?.state === 'refused' && !done.has(item.key) && (path === null ? requestIdOf(item.path) !== null : concerns(item, path)));
}

/** The list item corrected from the hub's fresh detail: status, stage and label (an optimistic "Acceptée" goes). */
export function correctedItem(item, detail) {
  if (!item || !detail) return item;
  const next = { ...item };
  for (const key of ['status', 'stage', 'status_label', 'offer_expires_at']) {
    if (detail[key] !== undefined) next[key] = detail[key];
  }
  return next;
}

/** Where the idempotency keys of the refusals already corrected are kept (kv store). */
export const CORRECTED_KEY = 'outbox.corrected';

/**
 * Corrects the phone's copies after refused actions: for each request with a refusal not corrected yet, the
 * optimistic cached detail is dropped, the detail is read again from the hub and the list item takes its status back
 * (a request the hub no longer shows, 404, leaves the list). A refusal is marked corrected once the hub answered;
 * without a link it is tried again at the next call. `fixing` (a Set shared by the caller's calls) keeps two
 * concurrent calls from fetching the same request twice.
 * @param {object} ctx  the app context (db, load, emit)
 * @param {object[]} items the outbox list
 * @param {{path?: string|null, fixing?: Set<string>}} [options] only this request's refusals when `path` is given
 * @returns {Promise<{id: string, detail: object|null, error: any, refusals: object[]}[]>}
 */
export async function correctRefusals(ctx, items, { path = null, fixing = new Set() } = {}) {
  const stored = await ctx.db.get('kv', CORRECTED_KEY).catch(() => null);
  const corrected = new Set(Array.isArray(stored) ? stored : []);
  const todo = uncorrectedRefusals(items, corrected, path).filter((item) => !fixing.has(item.key));
  if (!todo.length) return [];
  for (const item of todo) fixing.add(item.key);
  const results = [];
  try {
    for (const id of new Set(todo.map((item) => requestIdOf(item.path)))) {
      const refusals = todo.filter((item) => requestIdOf(item.path) === id);
      await ctx.db.delete('kv', 'detail:' + id).catch(() => {});
      let error = null;
      const detail = await ctx.load('detail:' + id, '/provider/requests/' + encodeURIComponent(id), () => {}, (failure) => {
        error = failure ?? new Error('unknown');
      });
      const gone = error?.status === 404;
      if (!detail && !gone) {
        results.push({ id, detail: null, error, refusals });
        continue;
      }
      const item = await ctx.db.get('requests', id).catch(() => null);
      if (item && detail) await ctx.db.put('requests', id, correctedItem(item, detail));
      if (item && gone) await ctx.db.delete('requests', id);
      for (const refusal of refusals) corrected.add(refusal.key);
      await ctx.db.put('kv', CORRECTED_KEY, [...corrected].slice(-200)).catch(() => {});
      ctx.emit?.('requests', { changed: item && detail ? [id] : [], removed: item && gone ? [id] : [], touched: [], local: true });
      results.push({ id, detail, error, refusals });
    }
  } finally {
    for (const item of todo) fixing.delete(item.key);
  }
  return results;
}
