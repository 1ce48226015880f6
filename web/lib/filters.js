// The requests list's filters, applied on the phone to the items in IndexedDB (so they work offline).
// Pure: filter state → predicate, sort order, French summary. No DOM.

import { doualaDay } from './format.js';
import { groupOf, isUnderWay } from './transitions.js';

/** Status groups as the hub's list items carry them (`item.status`), with the list's French labels. */
export const STATUSES = Object.freeze([
  { code: 'nouvelle', label: 'Nouvelles' },
  { code: 'acceptee', label: 'Acceptées' },
  { code: 'en_cours', label: 'En cours' },
  { code: 'terminee', label: 'Terminées' },
  { code: 'annulee', label: 'Annulées' },
  { code: 'declinee', label: 'Déclinées' },
  { code: 'expiree', label: 'Expirées' },
]);

/** Urgencies, most pressing first. */
export const URGENCIES = Object.freeze([
  { code: 'urgent', label: 'Urgent' },
  { code: 'aujourd_hui', label: 'Aujourd’hui' },
  { code: 'cette_semaine', label: 'Cette semaine' },
  { code: 'planifie', label: 'Planifié' },
]);

/** Order of the status groups in the list: what needs an answer, then the work under way, then the past. */
const STATUS_RANK = { nouvelle: 0, en_cours: 1, acceptee: 2, terminee: 3, declinee: 4, expiree: 5, annulee: 6 };
const URGENCY_RANK = { urgent: 0, aujourd_hui: 1, cette_semaine: 2, planifie: 3 };

/** No filter at all. */
export function emptyFilters() {
  return { statuses: [], urgencies: [], services: [], zones: [], from: '', to: '', q: '' };
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A filter state read back from storage (or anything else), made safe: unknown keys dropped, types fixed. */
export function normalizeFilters(raw) {
  const base = emptyFilters();
  if (!raw || typeof raw !== 'object') return base;
  const codes = (value, allowed) => {
    if (!Array.isArray(value)) return [];
    const list = [...new Set(value.filter((v) => typeof v === 'string' && v.length > 0 && v.length <= 80))];
    return allowed ? list.filter((v) => allowed.includes(v)) : list;
  };
  base.statuses = codes(raw.statuses, STATUSES.map((s) => s.code));
  base.urgencies = codes(raw.urgencies, URGENCIES.map((u) => u.code));
  base.services = codes(raw.services);
  base.zones = codes(raw.zones);
  base.from = typeof raw.from === 'string' && DAY.test(raw.from) ? raw.from : '';
  base.to = typeof raw.to === 'string' && DAY.test(raw.to) ? raw.to : '';
  base.q = typeof raw.q === 'string' ? raw.q.slice(0, 100) : '';
  return base;
}

/** The status group of an item ("nouvelle", "en_cours"…). */
export function statusGroup(item) {
  const status = item?.status ?? '';
  // A precise status on site (`RequestStatus`), should an item carry one, is listed under its group.
  return isUnderWay(status) ? groupOf(status) : status;
}

/** Lower case, without accents or extra spaces: "Maképè  Missoké" → "makepe missoke". */
export function fold(text) {
  return String(text ?? '')
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[’']/g, "'")
    .replace(/\s+/g, ' ')
    .trim();
}

/** The text a search looks into. */
function haystack(item) {
  return fold(
    [item.title, item.client_first_name, item.zone?.name, item.service?.name, item.status_label, item.urgency?.label, item.budget_label]
      .filter(Boolean)
      .join(' '),
  );
}

/** How many filters are set (the search counts as one). */
export function activeCount(filters) {
  const f = normalizeFilters(filters);
  return (
    (f.statuses.length ? 1 : 0) +
    (f.urgencies.length ? 1 : 0) +
    (f.services.length ? 1 : 0) +
    (f.zones.length ? 1 : 0) +
    (f.from || f.to ? 1 : 0) +
    (fold(f.q) ? 1 : 0)
  );
}

/**
 * The predicate of a filter state. Within one kind, values are alternatives (Nouvelles OR Acceptées); kinds
 * combine (Nouvelles AND Urgent). Dates are the Douala day the request was made, both ends included. The search
 * matches every word, accents and case aside.
 * @returns {(item: object) => boolean}
 */
export function toPredicate(filters) {
  const f = normalizeFilters(filters);
  const words = fold(f.q).split(' ').filter(Boolean);
  return (item) => {
    if (!item) return false;
    if (f.statuses.length && !f.statuses.includes(statusGroup(item))) return false;
    if (f.urgencies.length && !f.urgencies.includes(item.urgency?.code)) return false;
    if (f.services.length && !f.services.includes(item.service?.code)) return false;
    if (f.zones.length && !f.zones.includes(item.zone?.code)) return false;
    if (f.from || f.to) {
      const time = Date.parse(item.created_at);
      if (!Number.isFinite(time)) return false;
      const day = doualaDay(time);
      if (f.from && day < f.from) return false;
      if (f.to && day > f.to) return false;
    }
    if (words.length) {
      const text = haystack(item);
      if (!words.every((word) => text.includes(word))) return false;
    }
    return true;
  };
}

/**
 * The list's order: new requests first (an unseen offer before a seen one), then missions under way, accepted,
 * and the past; within a group the most urgent first, then the most recent.
 */
export function compareItems(a, b) {
  const rank = (item) => STATUS_RANK[statusGroup(item)] ?? 9;
  const byStatus = rank(a) - rank(b);
  if (byStatus) return byStatus;
  if (rank(a) <= STATUS_RANK.acceptee) {
    const urgency = (URGENCY_RANK[a.urgency?.code] ?? 9) - (URGENCY_RANK[b.urgency?.code] ?? 9);
    if (urgency) return urgency;
    const unseen = Number(Boolean(b.offer_unseen)) - Number(Boolean(a.offer_unseen));
    if (unseen) return unseen;
  }
  const time = (item) => Date.parse(item.created_at) || 0;
  return time(b) - time(a) || String(a.id).localeCompare(String(b.id));
}

/** Filters and sorts a list (a new array). */
export function applyFilters(items, filters) {
  return (items ?? []).filter(toPredicate(filters)).sort(compareItems);
}

/**
 * The services and quarters present in the items, for the selects: [{code, name}] sorted by name.
 * Codes already chosen stay listed even when no item has them any more.
 */
export function optionsOf(items, filters = emptyFilters()) {
  const collect = (key, chosen) => {
    const map = new Map();
    for (const item of items ?? []) {
      const value = item?.[key];
      if (value?.code) map.set(value.code, value.name ?? value.code);
    }
    for (const code of chosen ?? []) if (!map.has(code)) map.set(code, code);
    return [...map].map(([code, name]) => ({ code, name })).sort((x, y) => fold(x.name).localeCompare(fold(y.name)));
  };
  return { services: collect('service', filters.services), zones: collect('zone', filters.zones) };
}

/** "1 demande", "12 demandes", "3 demandes sur 12". */
export function countLabel(shown, total) {
  const noun = shown === 1 ? 'demande' : 'demandes';
  return shown === total ? `${shown} ${noun}` : `${shown} ${noun} sur ${total}`;
}

/** "2026-11-05" → "05/11/2026". */
function shortDay(day) {
  const [y, m, d] = day.split('-');
  return `${d}/${m}/${y}`;
}

/**
 * The filters in one French sentence, for the screen and screen readers:
 * "Aucun filtre" or "Filtres : Nouvelles ou Acceptées · Urgent · Plomberie · Bangue · du 01/11/2026 au 05/11/2026 · « fuite »".
 * @param {object} filters
 * @param {{services?: {code,name}[], zones?: {code,name}[]}} [names] to print names instead of codes
 */
export function describeFilters(filters, names = {}) {
  const f = normalizeFilters(filters);
  const nameOf = (list, code) => list?.find((entry) => entry.code === code)?.name ?? code;
  const parts = [];
  if (f.statuses.length) parts.push(f.statuses.map((code) => nameOf(STATUSES.map((s) => ({ code: s.code, name: s.label })), code)).join(' ou '));
  if (f.urgencies.length) parts.push(f.urgencies.map((code) => nameOf(URGENCIES.map((u) => ({ code: u.code, name: u.label })), code)).join(' ou '));
  if (f.services.length) parts.push(f.services.map((code) => nameOf(names.services, code)).join(' ou '));
  if (f.zones.length) parts.push(f.zones.map((code) => nameOf(names.zones, code)).join(' ou '));
  if (f.from && f.to) parts.push(f.from === f.to ? `le ${shortDay(f.from)}` : `du ${shortDay(f.from)} au ${shortDay(f.to)}`);
  else if (f.from) parts.push(`depuis le ${shortDay(f.from)}`);
  else if (f.to) parts.push(`jusqu’au ${shortDay(f.to)}`);
  const q = f.q.trim();
  if (q) parts.push(`« ${q} »`);
  return parts.length ? 'Filtres : ' + parts.join(' · ') : 'Aucun filtre';
}

/** Toggles a code in one of the list kinds ('statuses', 'urgencies', 'services', 'zones'); returns a new state. */
export function toggle(filters, kind, code) {
  const f = normalizeFilters(filters);
  const list = f[kind];
  if (!Array.isArray(list)) return f;
  f[kind] = list.includes(code) ? list.filter((c) => c !== code) : [...list, code];
  return normalizeFilters(f);
}
