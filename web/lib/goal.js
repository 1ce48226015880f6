// The monthly goal card's pure parts: reading the amount typed, the progress bar, the projection and its range,
// the outlook's tone, the body sent to the hub and the phone's copy changed at once. No DOM.
import { doualaParts, formatDecimal, formatXAF, groupDigits } from './format.js';

/** The most a goal may be, in francs (as the hub checks). */
export const MAX_TARGET = 100_000_000;

/** The current month in Douala: "2026-12". */
export function monthKey(now = Date.now()) {
  const p = doualaParts(now);
  return `${p.year}-${String(p.month).padStart(2, '0')}`;
}

/**
 * Reads the amount typed: digits, with spaces or dots between groups ("250 000", "250.000", "250000 FCFA").
 * @returns {{ok: true, value: number} | {ok: false, error: string}}
 */
export function parseTarget(input) {
  const text = String(input ?? '').replace(/fcfa|f\s*cfa|xaf/gi, '').replace(/[\s\u00A0\u202F]/g, '');
  if (!text) return { ok: false, error: 'Indiquez un montant en FCFA.' };
  if (/^-/.test(text)) return { ok: false, error: 'Le montant ne peut pas être négatif.' };
  if (/,\d*$/.test(text) || /\.\d{1,2}$/.test(text)) return { ok: false, error: 'Indiquez un montant entier, sans centimes.' };
  if (!/^\d{1,3}(\.\d{3})*$/.test(text) && !/^\d+$/.test(text)) return { ok: false, error: 'Indiquez un montant en chiffres, par exemple 250 000.' };
  const value = Number(text.replace(/\./g, ''));
  if (!Number.isSafeInteger(value)) return { ok: false, error: 'Indiquez un montant en chiffres, par exemple 250 000.' };
  if (value > MAX_TARGET) return { ok: false, error: `L’objectif ne peut pas dépasser ${formatXAF(MAX_TARGET)}.` };
  return { ok: true, value };
}

/** "45 %" or "45,5 %" (one decimal only when it is not 0); "—" for null. */
export function percentLabel(percent) {
  if (percent === null || percent === undefined || !Number.isFinite(percent)) return '—';
  const rounded = Math.round(percent * 10) / 10;
  return (Number.isInteger(rounded) ? String(rounded) : formatDecimal(rounded)) + '\u202F%';
}

/**
 * The progress bar: what is received against the goal.
 * `text` is the whole sentence (the bar's spoken value), `summary` the same without the percent (shown beside it).
 * @returns {{hasGoal: boolean, earned: string, target: string|null, percent: number|null, width: number, label: string, text: string, summary: string, reached: boolean}}
 */
export function goalProgress(view) {
  const earned = Number(view?.progress?.earned) || 0;
  const target = view?.goal ? Number(view.goal.target_revenue) || 0 : null;
  const percent = target ? (Number.isFinite(view?.progress?.percent) ? view.progress.percent : (earned / target) * 100) : null;
  const width = percent === null ? 0 : Math.max(0, Math.min(100, percent));
  const reached = target !== null && earned >= target;
  const text = target === null
    ? `${formatXAF(earned)} encaissés ce mois-ci, sans objectif fixé.`
    : `${formatXAF(earned)} encaissés sur ${formatXAF(target)} (${percentLabel(percent)}).`;
  const summary = target === null ? `${formatXAF(earned)} encaissés ce mois-ci` : `${formatXAF(earned)} encaissés sur ${formatXAF(target)}`;
  return {
    hasGoal: target !== null, earned: formatXAF(earned), target: target === null ? null : formatXAF(target), percent, width,
    label: percent === null ? 'Pas d’objectif' : percentLabel(percent), text, summary, reached,
  };
}

const TONES = { reached: 'done', on_track: 'done', difficult: 'today', out_of_reach: 'urgent' };
const OUTLOOK_LABELS = { reached: 'Objectif atteint', on_track: 'Objectif atteignable', difficult: 'Objectif difficile', out_of_reach: 'Objectif hors de portée' };

/**
 * The projection as the card shows it.
 * @returns {{amount: string, range: string, outlook: {label: string, tone: string, sentence: string, detail: string}|null, days: string, method: string}}
 */
export function projectionSummary(view) {
  const p = view?.projection ?? {};
  const label = p.outlook_label ?? OUTLOOK_LABELS[p.outlook] ?? p.outlook;
  const sentence = p.outlook_fr ?? '';
  // The tag shows the label: the sentence goes on after it ("[Objectif hors de portée] au rythme actuel : …").
  const detail = sentence.startsWith(label) ? sentence.slice(label.length).replace(/^\s*:\s*/, '').trimStart() : sentence;
  const outlook = p.outlook ? { label, tone: TONES[p.outlook] ?? '', sentence, detail } : null;
  const left = Number(view?.progress?.days_left) || 0;
  const working = Number(view?.progress?.working_days_left) || 0;
  const days = left
    ? `${left} jour${left > 1 ? 's' : ''} restant${left > 1 ? 's' : ''}, dont ${working} travaillé${working > 1 ? 's' : ''}`
    : 'Mois terminé';
  return {
    amount: formatXAF(Number(p.amount) || 0),
    range: `entre ${formatXAF(Number(p.low) || 0)} et ${formatXAF(Number(p.high) || 0)}`,
    outlook, days, method: view?.method_fr ?? '',
  };
}

/** The body of `PUT /provider/finance/goal`: the month always named, so a replay after the month ends is refused, not misfiled. */
export function goalBody(month, target) {
  return { month, target_revenue: target };
}

/**
 * The phone's copy of the goal view with a new target, shown at once (offline too) until the hub's answer: the goal,
 * the progress percent and its labels; the projection and advice stay the hub's until it answers.
 */
export function withTarget(view, target, month = view?.month) {
  if (!view || view.month !== month) return view;
  const earned = Number(view.progress?.earned) || 0;
  const goal = { ...(view.goal ?? { id: null, target_missions: 0 }), month, target_revenue: target, target_revenue_label: formatXAF(target) };
  const percent = target > 0 ? Math.round((earned / target) * 1000) / 10 : null;
  return { ...view, goal, progress: { ...view.progress, percent }, projection: { ...view.projection, pending: true } };
}

/** The input's starting text: the current goal grouped by three ("250 000"), or empty. */
export function targetInputValue(view) {
  const target = view?.goal?.target_revenue;
  return Number.isFinite(target) ? groupDigits(target).replace(/\u202F/g, ' ') : '';
}
