// Absences on a calendar (Douala days): the hub stores an absence as [start, end) instants, a day starting at
// 00:00 in Douala (23:00 UTC the day before). Pure: the profile screen renders the weeks.
import { doualaDay, doualaParts } from './format.js';

const DAY_MS = 86400000;
const DOUALA_OFFSET_MS = 3600000;
const MONTHS = ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre', 'octobre', 'novembre', 'décembre'];
const DAYS = ['dimanche', 'lundi', 'mardi', 'mercredi', 'jeudi', 'vendredi', 'samedi'];

/** The instant a Douala day starts: "2026-12-08" → 2026-12-07T23:00:00.000Z. */
export function dayStart(day) {
  const [y, m, d] = String(day).split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d) - DOUALA_OFFSET_MS);
}

/** "2026-12-08" + n days. */
export function addDays(day, n) {
  return doualaDay(dayStart(day).getTime() + n * DAY_MS + 12 * 3600000);
}

/** The POST /provider/absences body's dates for whole days, `first` to `last` included. */
export function absenceRange(first, last) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(first ?? '') || !/^\d{4}-\d{2}-\d{2}$/.test(last ?? '')) return { error: 'Choisissez les dates de début et de fin.' };
  if (last < first) return { error: 'La date de fin doit suivre la date de début.' };
  return { start: dayStart(first).toISOString(), end: dayStart(addDays(last, 1)).toISOString() };
}

/** The Douala days an absence covers: {first, last} (its end is exclusive). */
export function absenceDays(absence) {
  const first = doualaDay(absence.starts_at);
  const last = doualaDay(Date.parse(absence.ends_at) - 1);
  return { first, last: last < first ? first : last };
}

function dayName(day, withYear) {
  const p = doualaParts(dayStart(day).getTime() + 12 * 3600000);
  return `${DAYS[p.weekday]} ${p.day}${p.day === 1 ? 'er' : ''} ${MONTHS[p.month - 1]}${withYear ? ' ' + p.year : ''}`;
}

/** "le mardi 8 décembre" or "du lundi 2 au vendredi 6 novembre". */
export function absenceLabel(absence, now = Date.now()) {
  const { first, last } = absenceDays(absence);
  const year = doualaParts(now).year;
  const withYear = Number(first.slice(0, 4)) !== year || Number(last.slice(0, 4)) !== year;
  if (first === last) return `le ${dayName(first, withYear)}`;
  return `du ${dayName(first, withYear)} au ${dayName(last, withYear)}`;
}

/** 'en cours' | 'à venir' | 'passée' at `now`. */
export function absenceState(absence, now = Date.now()) {
  if (Date.parse(absence.ends_at) <= now) return 'passée';
  if (Date.parse(absence.starts_at) <= now) return 'en cours';
  return 'à venir';
}

/** "novembre 2026". */
export function monthTitle(year, month) {
  return `${MONTHS[month - 1]} ${year}`;
}

/** The month after (delta 1) or before (-1): {year, month}. */
export function shiftMonth(year, month, delta) {
  const index = year * 12 + (month - 1) + delta;
  return { year: Math.floor(index / 12), month: (index % 12) + 1 };
}

/**
 * The weeks of a month, Monday first, padded with the neighbouring months' days:
 * [[{day: '2026-11-02', date: 2, inMonth, absent, today, weekend}, …7], …].
 */
export function monthWeeks(year, month, absences = [], now = Date.now()) {
  const ranges = absences.map(absenceDays);
  const today = doualaDay(now);
  const firstDay = `${year}-${String(month).padStart(2, '0')}-01`;
  const weekday = (new Date(Date.UTC(year, month - 1, 1)).getUTCDay() + 6) % 7; // Monday 0
  let day = addDays(firstDay, -weekday);
  const weeks = [];
  do {
    const week = [];
    for (let i = 0; i < 7; i++) {
      const [y, m, d] = day.split('-').map(Number);
      week.push({ day, date: d, inMonth: y === year && m === month, absent: ranges.some((r) => r.first <= day && day <= r.last), today: day === today, weekend: i >= 5 });
      day = addDays(day, 1);
    }
    weeks.push(week);
  } while (day.slice(0, 7) === firstDay.slice(0, 7));
  return weeks;
}
