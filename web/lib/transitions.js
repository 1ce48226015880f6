// The request and mission state machine as the hub applies it, pure: what each status is called and grouped under,
// which move an event makes from which status, which buttons the card offers, and the optimistic copy (list item and
// detail) each provider action produces. The screens use it instead of restating statuses as literals.
//
// Mirrors the server: `DjobeaDomain/Lifecycle/RequestStatus.swift` (statuses, labels, groups, ranks),
// `MissionLifecycle.swift` (the transition table), `MissionStatusFold.swift` (stages move forward only; a stage
// already reached is a replay), `DjobeaStore/ProviderRequests/ProviderRequestsQuery.swift` (`allowedActions`) and
// `DjobeaDomain/Ledger/InvoiceStatus.swift` (invoice labels). Change them together.

/** The precise statuses (`RequestStatus`). */
export const STATUS = Object.freeze({
  nouvelle: 'nouvelle',
  acceptee: 'acceptee',
  arrive: 'arrive',
  diagnostic: 'diagnostic',
  reparation: 'reparation',
  terminee: 'terminee',
  declinee: 'declinee',
  annulee: 'annulee',
  expiree: 'expiree',
});

/** `RequestStatus.labelFR`. */
export const STATUS_LABELS = Object.freeze({
  nouvelle: 'Nouvelle',
  acceptee: 'Acceptée',
  arrive: 'Arrivé',
  diagnostic: 'Diagnostic',
  reparation: 'Réparation',
  terminee: 'Terminée',
  declinee: 'Déclinée',
  annulee: 'Annulée',
  expiree: 'Expirée',
});

/** The list groups (`StatusGroup`): a list item's `status`; "en_cours" gathers the three stages on site. */
export const GROUP = Object.freeze({
  nouvelle: 'nouvelle',
  acceptee: 'acceptee',
  enCours: 'en_cours',
  terminee: 'terminee',
  declinee: 'declinee',
  annulee: 'annulee',
  expiree: 'expiree',
});

/** The forward path, nouvelle (rank 0) to terminee (rank 5); the side exits are off it. */
export const PATH = Object.freeze([STATUS.nouvelle, STATUS.acceptee, STATUS.arrive, STATUS.diagnostic, STATUS.reparation, STATUS.terminee]);

/** The side exits: declined, cancelled, expired (no work can be reported there). */
export const CLOSED = Object.freeze([STATUS.annulee, STATUS.declinee, STATUS.expiree]);

/** The four work stages: the hub's `update-status` stage (and event kind), the status it leads to, the labels. */
export const STAGES = Object.freeze([
  Object.freeze({ stage: 'arrived', status: STATUS.arrive, label: 'Arrivé', action: 'Je suis arrivé' }),
  Object.freeze({ stage: 'diagnosed', status: STATUS.diagnostic, label: 'Diagnostic', action: 'Je commence le diagnostic' }),
  Object.freeze({ stage: 'repairing', status: STATUS.reparation, label: 'Réparation', action: 'Je commence la réparation' }),
  Object.freeze({ stage: 'completed', status: STATUS.terminee, label: 'Terminé', action: 'Le travail est terminé' }),
]);

/** `RequestStatus.progressRank`: 0 (nouvelle) … 5 (terminee); null for the side exits and anything unknown. */
export function rank(status) {
  const index = PATH.indexOf(status);
  return index < 0 ? null : index;
}

/** `RequestStatus.group`: arrive, diagnostic, reparation → en_cours; the others are their own group. */
export function groupOf(status) {
  if (status === STATUS.arrive || status === STATUS.diagnostic || status === STATUS.reparation) return GROUP.enCours;
  return Object.values(GROUP).includes(status) ? status : null;
}

/** The French label of a status ("Acceptée"); the code itself when unknown. */
export function labelOf(status) {
  return STATUS_LABELS[status] ?? status ?? '';
}

/** On site and not done yet (the floating "mission en cours" button). */
export function isUnderWay(status) {
  return status === STATUS.arrive || status === STATUS.diagnostic || status === STATUS.reparation;
}

/** Declined, cancelled or expired: a side exit, nothing more to do on it. */
export function isClosed(status) {
  return CLOSED.includes(status);
}

/** `RequestStatus.isTerminal`: no event moves it on, except an explicit reopen. */
export function isTerminal(status) {
  return status === STATUS.terminee || status === STATUS.annulee || status === STATUS.expiree;
}

// MARK: - The transition table (MissionLifecycle.table, reopen aside)

const TABLE = (() => {
  const rows = [];
  const add = (kind, sources, target) => sources.forEach((from) => rows.push(Object.freeze({ from, kind, to: target })));
  add('accepted', [STATUS.nouvelle], STATUS.acceptee);
  add('declined', [STATUS.nouvelle], STATUS.declinee);
  add('reoffered', [STATUS.declinee, STATUS.expiree], STATUS.nouvelle);
  add('reassigned', [STATUS.nouvelle, STATUS.declinee, STATUS.expiree], STATUS.acceptee);
  for (const entry of STAGES) add(entry.stage, PATH.slice(1, rank(entry.status)), entry.status);
  add('cancelled', [STATUS.nouvelle, STATUS.declinee, STATUS.acceptee], STATUS.annulee);
  add('expired', [STATUS.nouvelle, STATUS.declinee], STATUS.expiree);
  return Object.freeze(rows);
})();

/** Every legal move but reopens, as `{from, kind, to}` rows. */
export const TRANSITIONS = TABLE;

/** The status after event `kind` (accepted, declined, arrived…) from `from`, or null when the hub refuses the move. */
export function transition(from, kind) {
  return TABLE.find((row) => row.from === from && row.kind === kind)?.to ?? null;
}

/** Whether the hub takes event `kind` from `from`. */
export function allows(from, kind) {
  return transition(from, kind) !== null;
}

/**
 * The card's buttons (`ProviderRequestContext.allowedActions`): accept/decline while the offer is open; once the
 * mission is the provider's, the stages the table allows from `status`, call and message, questions until the
 * mission ends, a new slot while only accepted. Nothing on someone else's request.
 */
export function allowedActions(status, { offerOpen = false, mine = true } = {}) {
  if (offerOpen) return ['accept', 'decline', 'ask_details', 'postpone'];
  if (!mine) return [];
  const actions = STAGES.filter((entry) => allows(status, entry.stage)).map((entry) => entry.stage);
  actions.push('call', 'message');
  if (!isTerminal(status)) actions.push('ask_details');
  if (status === STATUS.acceptee) actions.push('postpone');
  return actions;
}

// MARK: - Optimistic copies: what the phone shows at once, before the hub answers

/**
 * The list item (`kind` 'item') or detail ('detail') after accepting the offer: Acceptée, read, no expiry; the
 * detail offers what an accepted mission offers. Unchanged when the move is not allowed from its status.
 */
export function afterAccept(request, kind = 'item') {
  if (!request || !allows(request.stage ?? request.status, 'accepted')) return request;
  const next = { ...request, status: GROUP.acceptee, stage: STATUS.acceptee, status_label: labelOf(STATUS.acceptee), offer_unseen: false, offer_expires_at: null };
  if (kind === 'detail') next.actions = allowedActions(STATUS.acceptee);
  return next;
}

/** The list item or detail after declining the offer: Déclinée, read, no action left. Unchanged when not allowed. */
export function afterDecline(request, kind = 'item') {
  if (!request || !allows(request.stage ?? request.status, 'declined')) return request;
  const next = { ...request, status: GROUP.declinee, stage: STATUS.declinee, status_label: labelOf(STATUS.declinee), offer_unseen: false };
  if (kind === 'detail') next.actions = [];
  return next;
}

/** The precise status of a detail or list item: `stage` ("diagnostic"), else `mission.status`, else `status`. */
export function currentStatus(request) {
  if (!request) return '';
  for (const value of [request.stage, request.mission?.status, request.status]) {
    if (value && value !== GROUP.enCours) return value;
  }
  return request.status ?? '';
}

/**
 * The list item and detail after reporting `stage` (arrived, diagnosed, repairing, completed): the stage's status,
 * its group and label, the stages ahead offered, the mission's steps done up to it. A stage the mission has already
 * reached or passed (a backwards step, which the hub refuses or replays) leaves the copy unchanged.
 */
export function afterStage(request, stage, at = new Date().toISOString()) {
  const entry = STAGES.find((s) => s.stage === stage);
  if (!request || !entry) return request;
  const from = rank(currentStatus(request));
  if (from !== null && from >= rank(entry.status)) return request;
  const label = labelOf(entry.status);
  const next = { ...request, stage: entry.status, status: groupOf(entry.status), status_label: label };
  if (Array.isArray(request.actions)) {
    const rest = STAGES.slice(STAGES.indexOf(entry) + 1).map((s) => s.stage);
    next.actions = request.actions.filter((a) => !['accept', 'decline', ...STAGES.map((s) => s.stage)].includes(a) || rest.includes(a));
    if (rest[0] && !next.actions.includes(rest[0])) next.actions.push(rest[0]);
  }
  if (request.mission && typeof request.mission === 'object') {
    const reached = rank(entry.status);
    next.mission = {
      ...request.mission,
      status: entry.status,
      status_label: label,
      steps: (request.mission.steps ?? []).map((step) =>
        (rank(step.stage) ?? Infinity) <= reached && !step.done ? { ...step, done: true, at: step.stage === entry.status ? at : step.at } : step,
      ),
    };
  }
  return next;
}

/**
 * The next stage the provider may report from `status`, or null (not accepted, closed, or already done).
 * With the detail's `actions`, only an offered stage counts: the first one the hub offers after the current one.
 */
export function nextStage(status, actions = null) {
  const at = rank(status);
  if (at === null || at < 1 || at >= PATH.length - 1) return null;
  const ahead = STAGES.filter((entry) => rank(entry.status) > at);
  if (!Array.isArray(actions)) return ahead[0];
  return ahead.find((entry) => actions.includes(entry.stage)) ?? null;
}

/** Accepted and not closed: the mission screen applies (Acceptée to Terminée). */
export function isMission(request) {
  return (rank(currentStatus(request)) ?? 0) >= 1;
}

/** The payment request may be sent at Réparation or Terminée (`MissionPaymentRequest`). */
export function canRequestPayment(request) {
  return (rank(currentStatus(request)) ?? 0) >= rank(STATUS.reparation);
}

// MARK: - The invoice (InvoiceStatus)

/** `InvoiceStatus.labelFR`, and the phone's own "local" (not sent yet). */
export const INVOICE_LABELS = Object.freeze({
  brouillon: 'Brouillon',
  envoyee: 'Envoyée',
  partielle: 'Partiellement payée',
  payee: 'Payée',
  surpayee: 'Surpayée',
  en_retard: 'En retard',
  local: 'En attente d’envoi',
});

/** Whether an invoice is settled: payée, surpayée, or paid up to its total. */
export function isPaid(invoice) {
  if (!invoice) return false;
  return invoice.status === 'payee' || invoice.status === 'surpayee' || (invoice.total > 0 && invoice.paid >= invoice.total);
}

/** The invoice shown at once after a payment request of `total` francs (`formatXAF` labels the amounts). */
export function pendingInvoice(total, formatXAF) {
  return { id: 'local', number: '', total, total_label: formatXAF(total), status: 'local', status_label: INVOICE_LABELS.local, paid: 0, paid_label: formatXAF(0) };
}

/** The invoice after `amount` francs were received: partielle, or payée once the total is reached. */
export function afterPayment(invoice, amount, formatXAF) {
  if (!invoice) return invoice;
  const paid = (invoice.paid ?? 0) + amount;
  const status = paid >= (invoice.total ?? 0) ? 'payee' : 'partielle';
  return { ...invoice, paid, paid_label: formatXAF(paid), status, status_label: INVOICE_LABELS[status] };
}
