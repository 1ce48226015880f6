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

/** The payment history as CSV for a spreadsheet (";" separated, as French Excel expects; amounts in francs). */
export function historyCsv(items) {
  const cell = (value) => {
    let text = String(value ?? '');
    // A name starting with = + - @ (or a tab/CR) would run as a formula in Excel or Sheets: make it text.
    if (/^[=+\-@\t\r]/.test(text) && !/^-?\d+$/.test(text)) text = "'" + text;
    return /[";\n\r]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  };
  const head = ['Date', 'Heure', 'Type', 'Client', 'Service', 'Facture', 'Moyen', 'Montant (FCFA)', 'Annulé'];
  const rows = (items ?? []).map((item) => {
    const p = doualaParts(item.recorded_at);
    const sign = item.kind === 'reversal' ? -1 : 1;
    return [
      doualaDay(item.recorded_at), `${String(p.hour).padStart(2, '0')}:${String(p.minute).padStart(2, '0')}`,
      item.kind_label ?? item.kind, item.client_name, item.service_name, item.invoice_number, item.method_label ?? item.method,
      String(sign * Math.abs(Number(item.amount) || 0)), item.reversed ? 'oui' : 'non',
    ];
  });
  return [head, ...rows].map((row) => row.map(cell).join(';')).join('\r\n') + '\r\n';
}
