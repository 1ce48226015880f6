// The dashboard's charts as pure geometry: no DOM. Each builder returns a plain description (an SVG tree as
// ['tag', {attributes}, ...children] arrays, HTML axis labels placed in %, a legend, a data table and a French
// summary) that screens/accueil.js turns into elements. Axis text lives in HTML, not in the SVG, so it stays at
// 16 px whatever the width; colours are CSS classes (screens/accueil.css) so dark mode follows the variables.
import { formatDecimal, formatXAF, groupDigits } from './format.js';

const round = (n) => Math.round(n * 10) / 10;
const num = (n) => String(round(n));

/** French weekday names, Monday first (the hub's heatmap rows: weekday 1 = lundi). */
export const WEEKDAYS = ['lundi', 'mardi', 'mercredi', 'jeudi', 'vendredi', 'samedi', 'dimanche'];
const SHORT_DAYS = ['Lun', 'Mar', 'Mer', 'Jeu', 'Ven', 'Sam', 'Dim'];
const MONTHS_SHORT = ['janv.', 'févr.', 'mars', 'avr.', 'mai', 'juin', 'juil.', 'août', 'sept.', 'oct.', 'nov.', 'déc.'];

/**
 * "Nice" axis ticks covering [min, max]: steps of 1, 2, 2.5 or 5 × 10^n.
 * @returns {{min: number, max: number, step: number, ticks: number[]}}
 */
export function niceTicks(min, max, count = 4) {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return { min: 0, max: 1, step: 1, ticks: [0, 1] };
  if (max < min) [min, max] = [max, min];
  if (max === min) {
    if (max === 0) return { min: 0, max: 1, step: 1, ticks: [0, 1] };
    min = Math.min(0, min);
    if (max === min) max = min + 1;
  }
  const raw = (max - min) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw - 1e-12);
  const lo = Math.floor(min / step + 1e-9) * step;
  const hi = Math.ceil(max / step - 1e-9) * step;
  const ticks = [];
  for (let v = lo; v <= hi + step / 2; v += step) ticks.push(Number(v.toPrecision(12)));
  return { min: ticks[0], max: ticks[ticks.length - 1], step, ticks };
}

/** Short FCFA label for an axis: 1 500 000 → "1,5 M", 45 000 → "45 k", 800 → "800". */
export function shortXAF(value) {
  const abs = Math.abs(value);
  if (abs >= 1e6) return formatDecimal(value / 1e6, value % 1e6 === 0 ? 0 : 1).replace(',0', '') + '\u00A0M';
  if (abs >= 1e3) return formatDecimal(value / 1e3, value % 1e3 === 0 ? 0 : 1).replace(',0', '') + '\u00A0k';
  return groupDigits(value);
}

/**
 * A line through `points` (numbers, or {value}) spread evenly across `box`.
 * @param {Array<number|{value:number}>} points
 * @param {{width: number, height: number, top?: number, bottom?: number, left?: number, right?: number,
 *   min?: number, max?: number, ticks?: number, zero?: boolean}} box  `zero` (default true) keeps 0 on the axis.
 * @returns {{d: string, area: string, coords: {x: number, y: number, value: number}[], ticks: {value: number, y: number}[],
 *   min: number, max: number, empty: boolean}}
 */
export function linePath(points, box) {
  const { width, height, top = 0, bottom = 0, left = 0, right = 0, zero = true } = box;
  const values = (points ?? []).map((p) => (typeof p === 'number' ? p : Number(p?.value ?? p?.amount ?? p?.average)));
  const finite = values.filter(Number.isFinite);
  const empty = finite.length === 0;
  let lo = box.min ?? (empty ? 0 : Math.min(...finite));
  let hi = box.max ?? (empty ? 0 : Math.max(...finite));
  if (zero && box.min === undefined) lo = Math.min(0, lo);
  const scale = box.min !== undefined && box.max !== undefined ? { min: lo, max: hi, ticks: niceTicks(lo, hi, box.ticks ?? 4).ticks.filter((t) => t >= lo && t <= hi) } : niceTicks(lo, hi, box.ticks ?? 4);
  const span = scale.max - scale.min || 1;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const yOf = (v) => round(top + plotH - ((v - scale.min) / span) * plotH);
  const xOf = (i) => round(values.length <= 1 ? left + plotW / 2 : left + (i * plotW) / (values.length - 1));
  const coords = [];
  values.forEach((value, i) => {
    if (Number.isFinite(value)) coords.push({ x: xOf(i), y: yOf(value), value });
  });
  let d = '';
  let area = '';
  if (coords.length === 1) {
    // One point: a short flat segment so it still shows.
    const { x, y } = coords[0];
    d = `M${num(Math.max(left, x - 4))} ${num(y)}L${num(Math.min(width - right, x + 4))} ${num(y)}`;
  } else if (coords.length > 1) {
    d = coords.map((c, i) => `${i ? 'L' : 'M'}${num(c.x)} ${num(c.y)}`).join('');
    const base = yOf(Math.max(scale.min, Math.min(scale.max, 0)));
    area = `${d}L${num(coords[coords.length - 1].x)} ${num(base)}L${num(coords[0].x)} ${num(base)}Z`;
  }
  return { d, area, coords, ticks: scale.ticks.map((value) => ({ value, y: yOf(value) })), min: scale.min, max: scale.max, empty };
}

const TAU = Math.PI * 2;
function polar(cx, cy, r, turn) {
  // turn 0 = 12 o'clock, clockwise.
  const a = turn * TAU - Math.PI / 2;
  return { x: round(cx + r * Math.cos(a)), y: round(cy + r * Math.sin(a)) };
}

/**
 * Donut arcs (to stroke, the ring's width is the stroke's): one path per non-zero slice, clockwise from 12 o'clock,
 * covering the full circle. A single slice is a full circle drawn as two half arcs.
 * @param {{value: number}[]} slices
 * @param {{cx?: number, cy?: number, r?: number}} [geometry]
 * @returns {{d: string, value: number, share: number, start: {x,y}, end: {x,y}, index: number, slice: object}[]}
 */
export function donutArcs(slices, { cx = 50, cy = 50, r = 40 } = {}) {
  const kept = (slices ?? []).map((slice, index) => ({ slice, index, value: Number(slice?.value ?? slice?.amount ?? 0) }))
    .filter((s) => Number.isFinite(s.value) && s.value > 0);
  const total = kept.reduce((sum, s) => sum + s.value, 0);
  if (!total) return [];
  let turn = 0;
  return kept.map(({ slice, index, value }) => {
    const share = value / total;
    const start = polar(cx, cy, r, turn);
    turn += share;
    const end = polar(cx, cy, r, turn);
    let d;
    if (share >= 0.9999) {
      const bottom = polar(cx, cy, r, 0.5);
      d = `M${num(start.x)} ${num(start.y)}A${r} ${r} 0 1 1 ${num(bottom.x)} ${num(bottom.y)}A${r} ${r} 0 1 1 ${num(start.x)} ${num(start.y)}`;
    } else {
      d = `M${num(start.x)} ${num(start.y)}A${r} ${r} 0 ${share > 0.5 ? 1 : 0} 1 ${num(end.x)} ${num(end.y)}`;
    }
    return { d, value, share, start, end, index, slice };
  });
}

/**
 * The weekday × hour heatmap: accepts the hub's 7×24 matrix (rows Monday first) or a list of
 * {weekday (1 = lundi … 7), hour, count}. Levels 0 (none) to 4 (busiest), by share of the maximum.
 * @returns {{cells: {day: number, hour: number, count: number, level: number, x: number, y: number}[], max: number,
 *   total: number, peaks: {day: number, hour: number, count: number}[], byDay: number[]}}
 */
export function heatmapCells(input, { cell = 10, gap = 1 } = {}) {
  const matrix = Array.from({ length: 7 }, () => new Array(24).fill(0));
  if (Array.isArray(input) && Array.isArray(input[0])) {
    input.slice(0, 7).forEach((row, d) => row.slice(0, 24).forEach((v, hr) => (matrix[d][hr] = Number(v) || 0)));
  } else if (Array.isArray(input)) {
    for (const item of input) {
      const d = Number(item?.weekday) - 1;
      const hr = Number(item?.hour);
      if (d >= 0 && d < 7 && hr >= 0 && hr < 24) matrix[d][hr] += Number(item.count) || 0;
    }
  }
  let max = 0;
  let total = 0;
  for (const row of matrix) for (const v of row) (max = Math.max(max, v)), (total += v);
  const cells = [];
  matrix.forEach((row, day) =>
    row.forEach((count, hour) => {
      const level = count <= 0 || !max ? 0 : Math.min(4, Math.max(1, Math.ceil((count / max) * 4)));
      cells.push({ day, hour, count, level, x: hour * (cell + gap), y: day * (cell + gap) });
    }),
  );
  const peaks = cells.filter((c) => c.count > 0).sort((a, b) => b.count - a.count || a.day - b.day || a.hour - b.hour)
    .slice(0, 3).map(({ day, hour, count }) => ({ day, hour, count }));
  return { cells, max, total, peaks, byDay: matrix.map((row) => row.reduce((a, b) => a + b, 0)), width: 24 * (cell + gap) - gap, height: 7 * (cell + gap) - gap };
}

/** The satisfaction line: monthly averages on a 0–5 scale zoomed to the data (at least one star of height). */
export function ratingLine(trend, box) {
  const rated = (trend ?? []).map((m) => (m?.count ? Number(m.average) : NaN));
  const finite = rated.filter(Number.isFinite);
  let min = finite.length ? Math.min(...finite) : 0;
  let max = finite.length ? Math.max(...finite) : 5;
  min = Math.max(0, Math.floor((min - 0.25) * 2) / 2);
  max = Math.min(5, Math.ceil((max + 0.25) * 2) / 2);
  if (max - min < 1) min = Math.max(0, max - 1);
  if (max - min < 1) max = min + 1;
  return linePath(rated, { ...box, min, max, zero: false, ticks: 2 });
}

// MARK: - Chart descriptions for the dashboard

const W = 300;
const H = 150;

function dayLabel(day) {
  const [, m, d] = String(day).split('-').map(Number);
  return m ? `${d} ${MONTHS_SHORT[m - 1]}` : String(day);
}

function yLabels(ticks, format) {
  return ticks.map((t) => ({ text: format(t.value), top: round((t.y / H) * 100) }));
}

function gridLines(ticks) {
  return ticks.map((t) => ['line', { class: 'c-grid', x1: 0, x2: W, y1: t.y, y2: t.y }]);
}

/** The 30-day revenue line, from chart-data's `revenue_by_day` [{day, amount}]. */
export function revenueChart(days) {
  const list = days ?? [];
  const geo = linePath(list.map((d) => d.amount), { width: W, height: H, top: 8, bottom: 4 });
  const total = list.reduce((sum, d) => sum + (Number(d.amount) || 0), 0);
  const best = list.reduce((b, d) => (!b || d.amount > b.amount ? d : b), null);
  const worked = list.filter((d) => d.amount > 0).length;
  const summary = !total
    ? `Aucun revenu encaissé sur les ${list.length || 30} derniers jours.`
    : `${formatXAF(total)} encaissés en ${list.length} jours, ${worked} jour${worked > 1 ? 's' : ''} avec recette ; meilleur jour : ${dayLabel(best.day)} (${formatXAF(best.amount)}).`;
  const mid = list[Math.floor((list.length - 1) / 2)];
  return {
    kind: 'line',
    title: 'Évolution des revenus (30 jours)',
    summary: fr(summary),
    empty: !total,
    svg: ['svg', { viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none' },
      ...gridLines(geo.ticks),
      geo.area ? ['path', { class: 'c-area', d: geo.area }] : null,
      geo.d ? ['path', { class: 'c-line', d: geo.d }] : null],
    yLabels: yLabels(geo.ticks, shortXAF),
    xLabels: list.length ? [dayLabel(list[0].day), mid && list.length > 2 ? dayLabel(mid.day) : null, dayLabel(list[list.length - 1].day)].filter(Boolean) : [],
    table: { caption: 'Revenus par jour', head: ['Jour', 'Montant'], rows: list.map((d) => [dayLabel(d.day), formatXAF(d.amount)]) },
  };
}

const SLICE_CLASSES = ['c-s0', 'c-s1', 'c-s2', 'c-s3', 'c-s4'];

/** The services donut, from chart-data's `revenue_by_service` [{service_name, amount, missions_completed}]. */
export function servicesChart(services) {
  const list = (services ?? []).slice().sort((a, b) => (b.amount || 0) - (a.amount || 0));
  // At most 5 colours: the rest is grouped as "Autres".
  const shown = list.length > 5 ? [...list.slice(0, 4), { service_name: 'Autres', amount: list.slice(4).reduce((s, x) => s + (x.amount || 0), 0), missions_completed: list.slice(4).reduce((s, x) => s + (x.missions_completed || 0), 0) }] : list;
  const arcs = donutArcs(shown.map((s) => ({ value: s.amount })), { cx: 50, cy: 50, r: 38 });
  const total = shown.reduce((sum, s) => sum + (s.amount || 0), 0);
  const pct = (v) => (total ? Math.round((v / total) * 100) : 0) + '\u202F%';
  const legend = shown.map((s, i) => ({ label: s.service_name, value: `${formatXAF(s.amount)} · ${pct(s.amount)}`, note: `${s.missions_completed ?? 0} mission${s.missions_completed > 1 ? 's' : ''}`, cls: SLICE_CLASSES[i] }));
  return {
    kind: 'donut',
    title: 'Répartition des services',
    summary: fr(total ? shown.map((s) => `${s.service_name} : ${pct(s.amount)}`).join(', ') + '.' : 'Aucune mission payée sur la période.'),
    empty: !total,
    svg: ['svg', { viewBox: '0 0 100 100' },
      ['circle', { class: 'c-track', cx: 50, cy: 50, r: 38 }],
      ...arcs.map((a) => ['path', { class: 'c-slice ' + SLICE_CLASSES[a.index], d: a.d }])],
    legend,
    table: { caption: 'Revenus par service', head: ['Service', 'Montant', 'Part', 'Missions'], rows: shown.map((s) => [s.service_name, formatXAF(s.amount), pct(s.amount), String(s.missions_completed ?? 0)]) },
  };
}

function monthShort(m) {
  const month = Number(String(m?.month ?? '').split('-')[1]);
  return month ? MONTHS_SHORT[month - 1] : String(m?.label ?? '');
}

function hourRange(hour) {
  return `${hour}\u00A0h–\u2060${hour + 1}\u00A0h`;
}

/** French typography: a no-break space before ":" and ";" so they never start a line. */
const fr = (text) => text.replace(/ ([:;])/g, '\u00A0$1');

/** The weekday × hour heatmap of offers received. */
export function heatmapChart(matrix) {
  const geo = heatmapCells(matrix, { cell: 10, gap: 1 });
  const summary = !geo.total
    ? 'Aucune demande reçue sur la période.'
    : `${geo.total} demande${geo.total > 1 ? 's' : ''} reçue${geo.total > 1 ? 's' : ''}. Créneaux les plus demandés : ` +
      geo.peaks.map((p) => `${WEEKDAYS[p.day]}\u00A0${hourRange(p.hour)}\u00A0(${p.count})`).join(', ') + '.';
  return {
    kind: 'heatmap',
    title: 'Créneaux les plus demandés',
    summary: fr(summary),
    empty: !geo.total,
    svg: ['svg', { viewBox: `0 0 ${geo.width} ${geo.height}`, preserveAspectRatio: 'none' },
      ...geo.cells.map((c) => ['rect', { class: 'c-h' + c.level, x: c.x, y: c.y, width: 10, height: 10, rx: 1.5 }])],
    rowLabels: SHORT_DAYS,
    xLabels: ['0\u00A0h', '6\u00A0h', '12\u00A0h', '18\u00A0h', '24\u00A0h'],
    legend: [0, 1, 2, 3, 4].map((level) => ({ cls: 'c-h' + level })),
    table: {
      caption: 'Demandes reçues par jour et par heure (heures sans demande omises)',
      head: ['Jour', 'Total', 'Heures'],
      rows: WEEKDAYS.map((day, d) => [day, String(geo.byDay[d]),
        geo.cells.filter((c) => c.day === d && c.count).map((c) => `${hourRange(c.hour)} : ${c.count}`).join(' ; ') || '—']),
    },
  };
}

/** The 3-month satisfaction line, from chart-data's `rating_trend` [{month, label, average, count}]. */
export function ratingChart(trend) {
  const list = trend ?? [];
  const pad = list.length > 1 ? 45 : 0;
  const geo = ratingLine(list, { width: W, height: H, top: 30, bottom: 12, left: pad, right: pad });
  const rated = list.filter((m) => m.count);
  const first = rated[0];
  const last = rated[rated.length - 1];
  let summary = 'Pas encore d’avis sur les 3 derniers mois.';
  if (last) {
    const month = (m) => String(m.label ?? m.month).toLowerCase();
    summary = `Note en ${month(last)} : ${formatDecimal(last.average)} / 5 (${last.count} avis)`;
    if (first !== last) {
      const diff = last.average - first.average;
      summary += `, ${diff > 0.05 ? 'en hausse' : diff < -0.05 ? 'en baisse' : 'stable'} depuis ${month(first)} (${formatDecimal(first.average)}).`;
    } else summary += '.';
  }
  return {
    kind: 'line',
    title: 'Satisfaction client (3 mois)',
    summary: fr(summary),
    empty: !rated.length,
    svg: ['svg', { viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none' },
      ...gridLines(geo.ticks),
      geo.d ? ['path', { class: 'c-line c-rating', d: geo.d }] : null],
    dots: geo.coords.map((c) => ({ left: round((c.x / W) * 100), top: round((c.y / H) * 100), text: formatDecimal(c.value) })),
    yLabels: yLabels(geo.ticks, (v) => formatDecimal(v)),
    xLabels: list.map((m, i) => ({
      text: monthShort(m),
      left: round(((list.length > 1 ? pad + (i * (W - 2 * pad)) / (list.length - 1) : W / 2) / W) * 100),
    })),
    table: { caption: 'Note moyenne par mois', head: ['Mois', 'Note', 'Avis'], rows: list.map((m) => [m.label ?? m.month, m.count ? formatDecimal(m.average) + ' / 5' : '—', String(m.count ?? 0)]) },
  };
}
