// Quotes (devis) on the mission screen: the lines the provider types (checked with the hub's bounds, in French), their
// total, a template's lines, how a quote's status reads, which buttons a quote offers at the mission's status, and the
// actions still waiting in the outbox. Pure functions (node --test).

/** The kinds of line, as the hub codes them (`BillingLineKind`), with their French labels. */
export const KINDS = Object.freeze([
  Object.freeze({ code: 'main_oeuvre', label: 'Main d’œuvre' }),
  Object.freeze({ code: 'materiel', label: 'Matériel' }),
  Object.freeze({ code: 'deplacement', label: 'Déplacement' }),
]);

/** The hub's bounds (`QuoteRules`). */
export const LIMITS = Object.freeze({ lines: 30, label: 120, quantity: 1000, unitPrice: 10_000_000, total: 50_000_000, minDays: 1, maxDays: 90, days: 15 });

/** `QuoteRules.label`, and the phone's own "local" (created offline, not on the hub yet). */
export const STATUS_LABELS = Object.freeze({
  brouillon: 'Brouillon (pas encore envoyé)',
  envoye: 'Envoyé, en attente de réponse',
  accepte: 'Accepté par le client',
  refuse: 'Refusé par le client',
  expire: 'Expiré sans réponse',
  local: 'En attente d’envoi au hub',
});

/** The badge tone of each status (CSS class): grey draft, amber waiting, green accepted, red refused, grey expired. */
const TONES = Object.freeze({ brouillon: 'draft', envoye: 'pending', accepte: 'sent', refuse: 'refused', expire: 'off', local: 'pending' });

/** The mission statuses a quote can be made at (accepted, before the mission ends), and invoiced at. */
const CREATE_AT = Object.freeze(['acceptee', 'arrive', 'diagnostic', 'reparation']);
const INVOICE_AT = Object.freeze(['reparation', 'terminee']);

/** The French label of a line kind; the code itself when unknown. */
export function kindLabel(code) {
  return KINDS.find((kind) => kind.code === code)?.label ?? code ?? '';
}

/** A whole number typed by the provider ("15 000", "15000 F", 3) → 15000; NaN when not a whole number. */
export function wholeNumber(value) {
  if (typeof value === 'number') return Number.isInteger(value) ? value : Number.NaN;
  const cleaned = String(value ?? '').replace(/[\s\u00A0\u202F.]/g, '').replace(/f(cfa)?$/i, '');
  return /^\d{1,9}$/.test(cleaned) ? Number(cleaned) : Number.NaN;
}

/** A quantity typed by the provider ("2", " 12 ") → 2; NaN for anything else ("1,5", "1.5"). */
export function quantityOf(value) {
  if (typeof value === 'number') return Number.isInteger(value) ? value : Number.NaN;
  const cleaned = String(value ?? '').trim();
  return /^\d{1,7}$/.test(cleaned) ? Number(cleaned) : Number.NaN;
}

/** A line as the form edits it: the kind, the label and the typed quantity and unit price (strings). */
export function emptyLine(kind = 'main_oeuvre') {
  return { kind, label: '', quantity: '1', unit_price: '' };
}

/** Whether the provider typed nothing on a line (such lines are left out, not refused). */
export function isBlank(line) {
  return !String(line?.label ?? '').trim() && !String(line?.unit_price ?? '').trim();
}

/** A line's total in francs, 0 while its quantity or price is not a number yet. */
export function lineTotal(line) {
  const quantity = quantityOf(line?.quantity);
  const price = wholeNumber(line?.unit_price);
  return Number.isInteger(quantity) && Number.isInteger(price) ? quantity * price : 0;
}

/** The live total of the typed lines (what is not a number yet counts 0). */
export function quoteTotal(lines) {
  return (lines ?? []).reduce((sum, line) => sum + lineTotal(line), 0);
}

/**
 * Checks and normalises the typed lines as the hub does: `{ lines }` ready to send (label trimmed, whole numbers), or
 * `{ error }` in French naming the line. Blank lines are left out.
 */
export function checkLines(typed, noun = { one: 'Un devis', of: 'du devis' }) {
  const kept = (typed ?? []).map((line, index) => ({ line, number: index + 1 })).filter(({ line }) => !isBlank(line));
  if (!kept.length) return { error: 'Ajoutez au moins une ligne : main d’œuvre, matériel ou déplacement.' };
  if (kept.length > LIMITS.lines) return { error: `${noun.one} compte au plus ${LIMITS.lines} lignes.` };
  const lines = [];
  for (const { line, number } of kept) {
    if (!KINDS.some((kind) => kind.code === line.kind)) return { error: `Ligne ${number} : choisissez main d’œuvre, matériel ou déplacement.` };
    const label = String(line.label ?? '').trim().replace(/\s+/g, ' ');
    if (!label || [...label].length > LIMITS.label || /[\u0000-\u001f\u007f]/.test(label)) return { error: `Ligne ${number} : libellé de 1 à ${LIMITS.label} caractères.` };
    const quantity = quantityOf(line.quantity);
    if (!Number.isInteger(quantity) || quantity < 1 || quantity > LIMITS.quantity) return { error: `Ligne ${number} : quantité entière de 1 à 1 000.` };
    const price = String(line.unit_price ?? '').trim() === '' ? Number.NaN : wholeNumber(line.unit_price);
    if (!Number.isInteger(price) || price < 0 || price > LIMITS.unitPrice) return { error: `Ligne ${number} : prix unitaire entier de 0 à 10 000 000 FCFA.` };
    lines.push({ kind: line.kind, label, quantity, unit_price: price });
  }
  const total = quoteTotal(lines);
  if (total < 1 || total > LIMITS.total) return { error: `Total ${noun.of} : de 1 à 50 000 000 FCFA.` };
  return { lines };
}

/** The validity typed, in days: `{ days }` (15 when left empty) or `{ error }`. */
export function checkValidity(typed) {
  if (String(typed ?? '').trim() === '') return { days: LIMITS.days };
  const days = wholeNumber(typed);
  if (!Number.isInteger(days) || days < LIMITS.minDays || days > LIMITS.maxDays) return { error: 'Validité : de 1 à 90 jours.' };
  return { days };
}

/** The body of `POST …/quotes` from the form: `{ body }` or `{ error }` in French. */
export function quoteRequest({ lines, validDays, templateId = null }) {
  const checked = checkLines(lines);
  if (checked.error) return checked;
  const validity = checkValidity(validDays);
  if (validity.error) return validity;
  const body = { lines: checked.lines, valid_days: validity.days };
  if (templateId) body.template_id = templateId;
  return { body };
}

/** A template's lines as the form edits them (strings for the numbers); an unknown kind becomes labour. */
export function templateLines(template) {
  const lines = (template?.lines ?? []).slice(0, LIMITS.lines).map((line) => ({
    kind: KINDS.some((kind) => kind.code === line.kind) ? line.kind : 'main_oeuvre',
    label: String(line.label ?? ''),
    quantity: String(line.quantity ?? 1),
    unit_price: String(line.unit_price ?? ''),
  }));
  return lines.length ? lines : [emptyLine()];
}

/** "Dépannage fuite — Plomberie" for the template picker; "(mon modèle)" marks the provider's own. */
export function templateTitle(template) {
  const parts = [template?.title || 'Modèle', template?.service].filter(Boolean).join(' — ');
  return template?.own ? `${parts} (mon modèle)` : parts;
}

/** The status shown: a sent quote past its validity reads expired, even on a copy kept offline since. */
export function shownStatus(quote, now = Date.now()) {
  const status = quote?.status ?? '';
  const until = Date.parse(quote?.valid_until ?? '');
  if (status === 'envoye' && Number.isFinite(until) && until < now) return 'expire';
  return status;
}

/** `{ code, label, tone }` of a quote's status, in French. */
export function statusDisplay(quote, now = Date.now()) {
  const code = shownStatus(quote, now);
  const label = code === quote?.status && quote?.status_label ? quote.status_label : STATUS_LABELS[code] ?? code;
  return { code, label, tone: TONES[code] ?? 'draft' };
}

/**
 * The lines under a quote's title: when it was sent, who decided and when ("Accepté par Jean Kouam le …"), until when
 * it is valid. `formatDate` prints a date in French.
 */
export function quoteHistory(quote, formatDate, now = Date.now()) {
  const code = shownStatus(quote, now);
  const out = [];
  if (quote?.sent_at) out.push(`Envoyé au client le ${formatDate(quote.sent_at)}`);
  if (code === 'accepte' || code === 'refuse') {
    const verb = code === 'accepte' ? 'Accepté' : 'Refusé';
    const who = quote.decided_by_name ? ` par ${quote.decided_by_name}` : ' par le client';
    out.push(quote.decided_at ? `${verb}${who} le ${formatDate(quote.decided_at)}` : `${verb}${who}`);
  } else if (quote?.valid_until && code !== 'local') {
    out.push(code === 'expire' ? `Expiré le ${formatDate(quote.valid_until)}` : `Valable jusqu’au ${formatDate(quote.valid_until)}`);
  }
  if (quote?.invoice_id) out.push('Facturé');
  return out;
}

/** Whether a new quote may be made at the mission's status (accepted to Réparation, no invoice yet). */
export function canCreateQuote(missionStatus, invoiced = false) {
  return !invoiced && CREATE_AT.includes(missionStatus);
}

/**
 * The buttons of a quote at the mission's status: 'send' (a draft), 'resend' (sent, still valid), 'pdf' (on the hub),
 * 'invoice' (accepted, mission at Réparation or Terminée, no invoice yet); none while an action of it waits.
 * @param {object} quote  a QuoteView (with `pending` when an action of it waits in the outbox)
 * @param {{missionStatus: string, invoiced?: boolean, now?: number}} mission
 */
export function quoteActions(quote, { missionStatus, invoiced = false, now = Date.now() }) {
  if (!quote || quote.status === 'local') return [];
  const code = shownStatus(quote, now);
  const actions = [];
  if (!quote.pending) {
    if (code === 'brouillon') actions.push('send');
    if (code === 'envoye') actions.push('resend');
    if (code === 'accepte' && !invoiced && !quote.invoice_id && INVOICE_AT.includes(missionStatus)) actions.push('invoice');
  }
  actions.push('pdf');
  return actions;
}

/** The quote an outbox path acts on ('/provider/quotes/<id>/send' → { id, action: 'send' }), or null. */
export function quoteActionOf(path) {
  const match = /^\/provider\/quotes\/([^/?#]+)\/(send|invoice)$/.exec(path ?? '');
  if (!match) return null;
  try {
    return { id: decodeURIComponent(match[1]), action: match[2] };
  } catch {
    return null;
  }
}

/** A quote created offline, shown at once from its outbox item until the hub numbers it. */
export function localQuote(item, formatXAF) {
  const lines = (item.body?.lines ?? []).map((line) => ({ ...line, kind_label: kindLabel(line.kind), total: line.quantity * line.unit_price }));
  const total = quoteTotal(lines);
  return {
    id: 'local-' + item.seq, number: '', status: 'local', status_label: STATUS_LABELS.local, total, total_label: formatXAF(total),
    lines, created_at: item.createdAt ? new Date(item.createdAt).toISOString() : null, pending: 'create',
  };
}

/**
 * The hub's quotes of a request (`quotes`, newest first) with what the outbox holds for them (`items`): the quotes
 * created offline first, `pending: 'send' | 'invoice'` on a quote whose action waits, a send or invoice the hub took
 * already shown before the list is read again, and the refused actions about these quotes (to show with their
 * reason). `path` is the request's ('/provider/requests/<id>').
 */
export function withOutbox(quotes, items, path, formatXAF) {
  const known = new Set((quotes ?? []).map((quote) => quote.id));
  const waiting = new Map();
  const done = new Map();
  const created = [];
  const refused = [];
  for (const item of items ?? []) {
    if (item.method !== 'POST') continue;
    const target = quoteActionOf(item.path);
    if (item.path === path + '/quotes') {
      if (item.state === 'pending') created.unshift(localQuote(item, formatXAF));
    } else if (target && known.has(target.id)) {
      if (item.state === 'pending') waiting.set(target.id, target.action);
      else if (item.state === 'refused') refused.push(item);
      else if (item.state === 'sent') done.set(target.id + ' ' + target.action, item.doneAt);
    }
  }
  const list = (quotes ?? []).map((quote) => {
    let shown = quote;
    const sentAt = done.get(quote.id + ' send');
    if (quote.status === 'brouillon' && sentAt !== undefined) {
      shown = { ...shown, status: 'envoye', status_label: STATUS_LABELS.envoye, sent_at: new Date(sentAt ?? Date.now()).toISOString() };
    }
    if (!quote.invoice_id && done.has(quote.id + ' invoice')) shown = { ...shown, invoice_id: 'local' };
    return waiting.has(quote.id) ? { ...shown, pending: waiting.get(quote.id) } : shown;
  });
  return { quotes: [...created, ...list], refused };
}

/**
 * The quote actions of the outbox answered by the hub since the last call (each seq remembered in `seen`): how many
 * creations, sends and invoices went through, and how many were refused. `path` is the request's.
 */
export function quoteAnswers(items, path, seen) {
  const news = { created: 0, sent: 0, invoiced: 0, refused: 0 };
  for (const item of items ?? []) {
    if (item.method !== 'POST' || (item.state !== 'sent' && item.state !== 'refused') || seen.has(item.seq)) continue;
    const target = quoteActionOf(item.path);
    if (item.path !== path + '/quotes' && !target) continue;
    seen.add(item.seq);
    if (item.state === 'refused') news.refused += 1;
    else if (!target) news.created += 1;
    else if (target.action === 'send') news.sent += 1;
    else news.invoiced += 1;
  }
  return news;
}

/** What a waiting action reads as on its quote. */
export function pendingLabel(pending) {
  if (pending === 'send') return 'Envoi au client en attente';
  if (pending === 'invoice') return 'Facturation en attente';
  if (pending === 'create') return 'En attente d’envoi au hub';
  return '';
}
