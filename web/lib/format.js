// French formatting for the provider app: money in XAF, relative times, dates in Douala.
// Pure functions, no Intl dependency, so a phone and Node print exactly the same thing.

/** U+202F between groups of three digits (as the hub's `XAF.formatted`). */
export const NARROW_NBSP = '\u202F';
/** U+00A0 before the unit, so an amount never wraps. */
export const NBSP = '\u00A0';

/** Douala is UTC+1 all year (no daylight saving time). */
const DOUALA_OFFSET_MS = 60 * 60 * 1000;

const DAYS = ['dimanche', 'lundi', 'mardi', 'mercredi', 'jeudi', 'vendredi', 'samedi'];
const MONTHS = [
  'janvier', 'février', 'mars', 'avril', 'mai', 'juin',
  'juillet', 'août', 'septembre', 'octobre', 'novembre', 'décembre',
];

/** Groups digits by three with a narrow no-break space: 1234567 → "1 234 567". */
export function groupDigits(integer) {
  const digits = String(Math.abs(Math.trunc(integer)));
  let out = '';
  for (let i = 0; i < digits.length; i++) {
    if (i > 0 && (digits.length - i) % 3 === 0) out += NARROW_NBSP;
    out += digits[i];
  }
  return (integer < 0 ? '-' : '') + out;
}

/** 15000 → "15 000 FCFA". XAF has no minor unit: fractions are rounded to the franc. */
export function formatXAF(francs) {
  const value = Number.isFinite(francs) ? Math.round(francs) : 0;
  return groupDigits(value) + NBSP + 'FCFA';
}

/** 0.873 → "87 %"; null → "—". */
export function formatPercent(ratio) {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return '—';
  return Math.round(ratio * 100) + NARROW_NBSP + '%';
}

/** A decimal with a French comma: 4.56 → "4,6" (one digit by default). */
export function formatDecimal(value, digits = 1) {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return value.toFixed(digits).replace('.', ',');
}

/** Minutes as the app says them: 4 → "4 min", 75 → "1 h 15". */
export function formatDuration(minutes) {
  if (minutes === null || minutes === undefined || !Number.isFinite(minutes)) return '—';
  const total = Math.round(minutes);
  if (total < 60) return total + NBSP + 'min';
  const hours = Math.floor(total / 60);
  const rest = total % 60;
  return hours + NBSP + 'h' + (rest ? NBSP + String(rest).padStart(2, '0') : '');
}

/**
 * "il y a 5 min", "il y a 2 h", "il y a 3 j", "à l'instant"; a future time reads "dans 5 min".
 * @param {Date|number|string} then
 * @param {Date|number} now
 */
export function relativeTime(then, now = Date.now()) {
  const thenMs = toMs(then);
  const nowMs = toMs(now);
  if (!Number.isFinite(thenMs)) return 'jamais';
  const seconds = Math.round((nowMs - thenMs) / 1000);
  const magnitude = Math.abs(seconds);
  if (magnitude < 45) return 'à l\u2019instant';
  let text;
  if (magnitude < 3600) text = Math.max(1, Math.round(magnitude / 60)) + NBSP + 'min';
  else if (magnitude < 86400) text = Math.round(magnitude / 3600) + NBSP + 'h';
  else if (magnitude < 30 * 86400) text = Math.round(magnitude / 86400) + NBSP + 'j';
  else return 'le ' + formatDate(thenMs);
  return seconds >= 0 ? 'il y a ' + text : 'dans ' + text;
}

/** The calendar fields of an instant in Douala. */
export function doualaParts(date) {
  const shifted = new Date(toMs(date) + DOUALA_OFFSET_MS);
  return {
    year: shifted.getUTCFullYear(),
    month: shifted.getUTCMonth() + 1,
    day: shifted.getUTCDate(),
    weekday: shifted.getUTCDay(),
    hour: shifted.getUTCHours(),
    minute: shifted.getUTCMinutes(),
  };
}

/** "2026-11-26": the local day in Douala, as the hub keys its days. */
export function doualaDay(date) {
  const p = doualaParts(date);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}`;
}

/** "jeudi 26 novembre 2026" (Douala). */
export function formatDate(date) {
  const p = doualaParts(date);
  return `${DAYS[p.weekday]} ${p.day}${p.day === 1 ? 'er' : ''} ${MONTHS[p.month - 1]} ${p.year}`;
}

/** "14:05" (Douala, 24 h). */
export function formatTime(date) {
  const p = doualaParts(date);
  return `${pad(p.hour)}:${pad(p.minute)}`;
}

/** "jeudi 26 novembre 2026 à 14:05" (Douala). */
export function formatDateTime(date) {
  return `${formatDate(date)} à ${formatTime(date)}`;
}

function pad(n) {
  return String(n).padStart(2, '0');
}

function toMs(value) {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'string') return Date.parse(value);
  return Number(value);
}

/**
 * A Cameroonian phone number in the international form the hub expects: "6 90 00 00 01" → "+237690000001".
 * Anything else is returned trimmed of spaces, for the hub to judge.
 */
export function normalizePhone(input) {
  const compact = String(input ?? '').replace(/[\s.\-()]/g, '');
  if (/^[26]\d{8}$/.test(compact)) return '+237' + compact;
  if (/^237\d{9}$/.test(compact)) return '+' + compact;
  if (/^00237\d{9}$/.test(compact)) return '+' + compact.slice(2);
  return compact;
}
