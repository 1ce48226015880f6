// The finance screen's pure parts: periods, the commission breakdown, pending payments in order of urgency,
// the payment history grouped by day, invoice statuses and filters. No DOM.
import { doualaDay, doualaParts, formatDecimal, formatXAF } from './format.js';

/** The period switch, as the hub names the periods. */
export const PERIODS = [
  { code: 'week', label: 'Semaine' },
  { code: 'month', label: 'Mois' },
  { code: 'quarter', label: 'Trimestre' },
  { code: 'year', label: 'Année' },
];

const MONTHS_SHORT = ['janv.', 'févr.', 'mars', 'avr.', 'mai', 'juin', 'juil.', 'août', 'sept.', 'oct.', 'nov.', 'déc.'];
const DAYS = ['dimanche', 'lundi', 'mardi', 'mercredi', 'jeudi', 'vendredi', 'samedi'];

/** "26 nov." or "26 nov. 2025" when `now` is in another year (Douala calendar). */
export function shortDate(at, now = Date.now()) {
  if (!at) return '—';
  const p = doualaParts(at);
  if (!Number.isFinite(p.day)) return '—';
  const year = doualaParts(now).year === p.year ? '' : ' ' + p.year;
  return `${p.day} ${MONTHS_SHORT[p.month - 1]}${year}`;
}

/** The day heading of the payment history: "Aujourd’hui", "Hier", "lundi 23 nov.". */
export function dayHeading(day, now = Date.now()) {
  const today = doualaDay(now);
  const yesterday = doualaDay(new Date(now).getTime() - 86400000);
  if (day === today) return 'Aujourd’hui';
  if (day === yesterday) return 'Hier';
  const at = Date.parse(day + 'T12:00:00Z');
  return `${DAYS[new Date(at).getUTCDay()]} ${shortDate(at, now)}`;
}

/**
 * Gross, commission, net and what the commission is made of, from `GET /provider/finance/earnings/{period}`.
 * @returns {{gross: string, commission: string, net: string, share: string, rates: {text: string, amount: string}[], change: string|null}}
 */
export function commissionBreakdown(earnings) {
  const gross = Number(earnings?.gross) || 0;
  const commission = Number(earnings?.commission) || 0;
  const net = Number.isFinite(Number(earnings?.net)) && earnings?.net != null ? Number(earnings.net) : gross - commission;
  const share = gross ? formatDecimal((commission / gross) * 100) + '\u202F%' : '—';
  const rates = (earnings?.commission_rates ?? []).map((rate) => {
    const percent = rate.percent_label ?? formatDecimal((rate.basis_points ?? 0) / 100, 0) + '\u202F%';
    const missions = `${rate.missions ?? 0} mission${rate.missions > 1 ? 's' : ''}`;
    const since = rate.effective_from ? ` (taux en vigueur depuis le ${shortDate(rate.effective_from)})` : '';
    const level = rate.level ? ` · niveau ${levelLabel(rate.level)}` : '';
    return { text: `${percent} sur ${missions}${level}${since}`, amount: formatXAF(rate.commission) };
  });
  return { gross: formatXAF(gross), commission: formatXAF(commission), net: formatXAF(net), share, rates, change: changeLabel(earnings?.comparison) };
}

const LEVELS = { bronze: 'Bronze', argent: 'Argent', or: 'Or', platine: 'Platine', diamant: 'Diamant' };
function levelLabel(code) {
  return LEVELS[code] ?? code;
}

/**
 * The comparison with the previous period: {previous: "Octobre 2026 : 1 017 600 FCFA", delta: "-19 400 FCFA (-1,9 %)",
 * trend: 'up' | 'down' | 'flat'}, or null without a previous period.
 */
export function changeLabel(comparison) {
  if (!comparison?.previous) return null;
  const change = Number(comparison.gross_change) || 0;
  const sign = change > 0 ? '+' : '';
  const percent = Number.isFinite(comparison.gross_change_percent) ? ` (${sign}${formatDecimal(comparison.gross_change_percent)}\u202F%)` : '';
  return {
    previous: `${comparison.previous.label ?? 'Période précédente'}\u00A0: ${formatXAF(comparison.gross)}`,
    delta: change ? `${sign}${formatXAF(change)}${percent}` : 'identique',
    trend: change > 0 ? 'up' : change < 0 ? 'down' : 'flat',
  };
}

/** Pending payments: late ones first (most days late first), then by due date. */
export function sortPending(items) {
  return (items ?? []).slice().sort((a, b) => {
    const lateA = a.status === 'en_retard' || a.days_late > 0 ? 1 : 0;
    const lateB = b.status === 'en_retard' || b.days_late > 0 ? 1 : 0;
    if (lateA !== lateB) return lateB - lateA;
    if (lateA && (b.days_late ?? 0) !== (a.days_late ?? 0)) return (b.days_late ?? 0) - (a.days_late ?? 0);
    return String(a.due_at ?? '').localeCompare(String(b.due_at ?? ''));
  });
}

/**
 * The payment history grouped by Douala day, newest first; a reversal counts negative, a reversed payment
 * does not count.
 * @returns {{day: string, label: string, total: number, items: object[]}[]}
 */
export function groupHistory(items, now = Date.now()) {
  const groups = new Map();
  const sorted = (items ?? []).slice().sort((a, b) => String(b.recorded_at).localeCompare(String(a.recorded_at)));
  for (const item of sorted) {
    const day = doualaDay(item.recorded_at);
    if (!groups.has(day)) groups.set(day, { day, label: dayHeading(day, now), total: 0, items: [] });
    const group = groups.get(day);
    group.items.push(item);
    if (item.counted !== false && !item.reversed) group.total += item.kind === 'reversal' ? -Math.abs(item.amount) : Number(item.amount) || 0;
  }
  return [...groups.values()];
}

/** Merges a further page of history into what is shown, without duplicates (by entry id). */
export function mergeById(shown, more, key = 'entry_id') {
  const seen = new Set((shown ?? []).map((item) => item[key]));
  return [...(shown ?? []), ...(more ?? []).filter((item) => !seen.has(item[key]))];
}

const STATUS = {
  envoyee: { label: 'Envoyée', tone: '' },
  partielle: { label: 'Partielle', tone: 'today' },
  payee: { label: 'Payée', tone: 'done' },
  surpayee: { label: 'Surpayée', tone: '' },
  en_retard: { label: 'En retard', tone: 'urgent' },
};

/** The invoice status as a tag: {label, tone} (tone is a `.tag` modifier class). */
export function invoiceStatus(invoice) {
  const known = STATUS[invoice?.status];
  return { label: invoice?.status_label ?? known?.label ?? String(invoice?.status ?? ''), tone: known?.tone ?? '' };
}

/** The invoice filter chips with their counts, late first: [{code: null, label: 'Toutes (159)'}, …]. */
export function invoiceFilters(counts) {
  const order = ['en_retard', 'partielle', 'envoyee', 'payee', 'surpayee'];
  const total = order.reduce((sum, code) => sum + (Number(counts?.[code]) || 0), 0);
  return [
    { code: null, label: `Toutes (${total})`, count: total },
    ...order.filter((code) => Number(counts?.[code]) > 0).map((code) => ({ code, label: `${STATUS[code].label} (${counts[code]})`, count: counts[code] })),
  ];
}

/** "payée le 26 nov.", "reste 10 900 FCFA · en retard de 75 j", "reste … · échéance 3 déc.". */
export function invoiceDue(invoice, now = Date.now()) {
  if (invoice.status === 'payee' || invoice.status === 'surpayee' || !(invoice.amount_due > 0)) return 'Réglée';
  const rest = `Reste ${formatXAF(invoice.amount_due)}`;
  if (invoice.days_late > 0) return `${rest} · en retard de ${invoice.days_late}\u00A0j`;
  return invoice.due_at ? `${rest} · échéance ${shortDate(invoice.due_at, now)}` : rest;
}

/** The statement formats the hub exports, in the order of the buttons. */
export const EXPORT_FORMATS = [
  { code: 'pdf', label: 'PDF' },
  { code: 'xlsx', label: 'Excel' },
  { code: 'csv', label: 'CSV' },
];

/** The longest span the hub exports (a whole year, leap or not). */
export const EXPORT_MAX_DAYS = 366;

const dayNumber = (day) => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day ?? '')) return NaN;
  const at = Date.parse(day + 'T00:00:00Z');
  return Number.isFinite(at) && new Date(at).toISOString().slice(0, 10) === day ? at / 86400000 : NaN;
};
const dayText = (n) => new Date(n * 86400000).toISOString().slice(0, 10);

/**
 * Ready-made spans for the export (Douala calendar): this month, last month, this quarter, last quarter, this year,
 * last year (the tax declaration's).
 * @returns {{code: string, label: string, from: string, to: string}[]}
 */
export function exportPresets(now = Date.now()) {
  const p = doualaParts(now);
  const first = (year, month) => dayNumber(`${year}-${String(month).padStart(2, '0')}-01`);
  const span = (code, label, year, month, months) => {
    const endMonth = month + months;
    const end = endMonth > 12 ? first(year + 1, endMonth - 12) : first(year, endMonth);
    return { code, label, from: dayText(first(year, month)), to: dayText(end - 1) };
  };
  const quarter = Math.floor((p.month - 1) / 3) * 3 + 1;
  const [lastMonthYear, lastMonth] = p.month === 1 ? [p.year - 1, 12] : [p.year, p.month - 1];
  const [lastQuarterYear, lastQuarter] = quarter === 1 ? [p.year - 1, 10] : [p.year, quarter - 3];
  return [
    span('month', 'Ce mois', p.year, p.month, 1),
    span('last-month', 'Mois dernier', lastMonthYear, lastMonth, 1),
    span('quarter', 'Ce trimestre', p.year, quarter, 3),
    span('last-quarter', 'Trimestre dernier', lastQuarterYear, lastQuarter, 3),
    span('year', 'Cette année', p.year, 1, 12),
    span('last-year', `Année ${p.year - 1}`, p.year - 1, 1, 12),
  ];
}

/**
 * Why the hub would refuse this span (the same rules, checked before asking): null when it is fine.
 * @returns {string|null} a French message
 */
export function exportPeriodError(from, to) {
  if (!from || !to) return 'Choisissez le premier et le dernier jour.';
  const start = dayNumber(from);
  const end = dayNumber(to);
  if (!Number.isFinite(start) || !Number.isFinite(end)) return 'Date invalide : utilisez le format AAAA-MM-JJ.';
  const years = [from, to].map((d) => Number(d.slice(0, 4)));
  if (years.some((y) => y < 2000 || y > 2099)) return 'Année entre 2000 et 2099.';
  if (start > end) return 'Le dernier jour doit être le même jour que le premier ou après.';
  if (end - start + 1 > EXPORT_MAX_DAYS) return `Période de ${EXPORT_MAX_DAYS} jours au plus (une année entière).`;
  return null;
}

/** `GET /provider/finance/export/{format}` for the span. */
export function exportPath(format, from, to) {
  return `/provider/finance/export/${encodeURIComponent(format)}?` + new URLSearchParams({ from, to });
}

/** "releve-2026-01-01_2026-03-31.xlsx", the name the hub gives the file. */
export function exportFileName(format, from, to) {
  return `releve-${from}_${to}.${format}`;
}

/** `GET /provider/finance/invoices/{id}/pdf`. */
export function invoicePdfPath(invoiceId) {
  return `/provider/finance/invoices/${encodeURIComponent(invoiceId)}/pdf`;
}

/** The file name of a `Content-Disposition` header (`inline; filename="F-2026-0007.pdf"`), or `fallback`. */
export function fileNameFromDisposition(header, fallback) {
  const match = /filename="?([^";]+)"?/i.exec(header ?? '');
  const name = match?.[1]?.trim();
  return name && !/[\\/]/.test(name) ? name : fallback;
}
