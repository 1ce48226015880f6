// What the requests list, the request card and the mission screen share: the catalogue's quick replies, questions and
// decline reasons, the urgency and status tags, the offer countdown, the phone's copies of a request, the hub's clock.
import { h } from '/lib/dom.js';
import { URGENCIES } from '/lib/filters.js';
import { GROUP, STATUS, isClosed } from '/lib/transitions.js';

/** The seed's quick replies, as the hub's catalogue codes them. */
export const REPLIES = Object.freeze([
  { code: 'arrive_15min', text: 'J’arrive dans 15 minutes' },
  { code: 'diagnostic_en_cours', text: 'Diagnostic en cours, je vous explique' },
  { code: 'reparation_terminee', text: 'Réparation terminée, tout fonctionne' },
  { code: 'facture_envoyee', text: 'Facture envoyée, merci pour votre confiance' },
]);

/** "Demander des précisions": the catalogue's questions. */
export const QUESTIONS = Object.freeze([
  { code: 'question_photo', text: 'Pouvez-vous m’envoyer une photo du problème ?' },
  { code: 'question_repere', text: 'Pouvez-vous me donner un point de repère près de chez vous ?' },
  { code: 'question_horaire', text: 'À quelle heure êtes-vous disponible ?' },
  { code: 'question_appareil', text: 'Quelle est la marque et le modèle de l’appareil ?' },
  { code: 'question_depuis', text: 'Depuis quand avez-vous ce problème ?' },
]);

/** The hub's DeclineReason, in French. */
export const DECLINE_REASONS = Object.freeze([
  { code: 'agenda_plein', label: 'Agenda plein' },
  { code: 'hors_zone', label: 'Hors de ma zone' },
  { code: 'hors_competence', label: 'Hors de mes compétences' },
  { code: 'budget_insuffisant', label: 'Budget insuffisant' },
  { code: 'indisponible', label: 'Indisponible en ce moment' },
  { code: 'distance_trop_grande', label: 'Distance trop grande' },
  { code: 'autre', label: 'Autre raison' },
]);

export const CALL_DIRECTION = Object.freeze({ out: 'Appel sortant', in: 'Appel reçu', missed: 'Appel manqué' });
export const SLOT_STATE = Object.freeze({ proposed: 'proposé', superseded: 'remplacé', accepted: 'accepté', refused: 'refusé', local: 'en attente d’envoi' });

/** The urgency tag: red for urgent, dark orange for today. */
export function urgencyTag(urgency) {
  if (!urgency?.code) return null;
  const kind = urgency.code === 'urgent' ? 'urgent' : urgency.code === 'aujourd_hui' ? 'today' : '';
  const label = urgency.label || URGENCIES.find((u) => u.code === urgency.code)?.label || urgency.code;
  return h('span', { class: 'tag ' + kind, text: label.toUpperCase() });
}

/** The status badge of a list item or detail (its group): done, closed, new, or under way. */
export function statusBadge(item) {
  const group = item.status;
  const kind = group === GROUP.terminee ? 'st-done' : isClosed(group) ? 'st-off' : group === GROUP.nouvelle ? 'st-new' : 'st-on';
  return h('span', { class: 'badge status ' + kind, text: item.status_label || group });
}

/** Whether the offer waits for this provider's answer (a countdown is shown until it expires). */
export function awaitsAnswer(request) {
  return request?.status === STATUS.nouvelle && Boolean(request.offer_expires_at);
}

/** "dans 12 min 05 s" until an offer expires; null once past. */
export function countdown(iso, now = Date.now()) {
  const left = Math.floor((Date.parse(iso) - now) / 1000);
  if (!Number.isFinite(left) || left <= 0) return null;
  const hours = Math.floor(left / 3600);
  const minutes = Math.floor((left % 3600) / 60);
  const seconds = left % 60;
  if (hours) return `${hours}\u00A0h\u00A0${String(minutes).padStart(2, '0')}`;
  return `${minutes}\u00A0min\u00A0${String(seconds).padStart(2, '0')}\u00A0s`;
}

/**
 * Applies `change(copy, kind)` to the phone's list item ('item') and cached card ('detail') of a request, then tells
 * the screens. Resolves with the new cached detail, or null when none is cached.
 */
export async function patchLocal(ctx, id, change) {
  const item = await ctx.db.get('requests', id);
  if (item) await ctx.db.put('requests', id, change({ ...item }, 'item'));
  const cached = await ctx.db.get('kv', 'detail:' + id);
  let data = null;
  if (cached?.data) {
    data = change({ ...cached.data }, 'detail');
    await ctx.db.put('kv', 'detail:' + id, { ...cached, data });
  }
  ctx.emit?.('requests', { changed: [id], removed: [], touched: [], local: true });
  return data;
}

/**
 * The action path of the request screens: the optimistic `change` of the phone's copies (shown through `setDetail`),
 * then the action queued in the outbox (`ctx.perform`). The phone's store failing to queue it: the hub's copy is read
 * again (`reload`). Refusals are corrected from the outbox list by the screens (`correctRefusals`).
 * @param {{ctx: object, id: string, path: string, title: () => string, detail: () => object, setDetail: Function, reload: Function}} screen
 */
export function requestActions({ ctx, id, path, title, detail, setDetail, reload }) {
  return ({ change = null, method, suffix = '', body, label }) =>
    ctx.perform({
      optimistic: change
        ? async () => {
            const data = await patchLocal(ctx, id, change);
            setDetail(data ?? change({ ...detail() }, 'detail'));
          }
        : null,
      action: { method, path: path + suffix, body, title: `${label} « ${title()} »`, requestId: id },
      rollback: async () => {
        await ctx.db.delete('kv', 'detail:' + id).catch(() => {});
        reload();
      },
    });
}

export function digits(phone) {
  return String(phone ?? '').replace(/\D/g, '');
}

/** "+237660931346" → "+237 6 60 93 13 46"; anything else as given. */
export function prettyPhone(phone) {
  const m = /^\+237(\d)(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(String(phone ?? '').replace(/\s/g, ''));
  return m ? `+237 ${m.slice(1).join(' ')}` : String(phone ?? '');
}

/** Now on the hub's clock (the phone's own clock is often wrong): for every time sent to the hub or compared with its. */
export function clockOf(ctx) {
  return () => (typeof ctx.now === 'function' ? ctx.now() : Date.now());
}
