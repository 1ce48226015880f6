// "Demandes": the requests list with its filters (on the phone's copy, offline too) and, at #demandes/<id>, the
// request card with its actions, the quick replies, the messages and the call log. Every write goes through
// ctx.act (the outbox), with an optimistic change of the local copy so the screen reflects it at once.
import { fill, h, icon } from '/lib/dom.js';
import { busyGuard, field, openDialog, place, refusalNotices, rerender } from '/lib/ui.js';
import { doualaDay, formatDateTime, formatTime, relativeTime } from '/lib/format.js';
import {
  STATUSES, URGENCIES, activeCount, applyFilters, countLabel, describeFilters, emptyFilters, normalizeFilters, optionsOf, toggle,
} from '/lib/filters.js';
import { answeredSince, concerns, correctRefusals, doualaSlot, isMission } from '/lib/mission.js';
import { usableTemplates } from '/lib/templates.js';
import { deliveryView, sortedMessages } from '/lib/delivery.js';

const FILTERS_KEY = 'demandes.filters';
const PENDING_CALL_KEY = 'call.pending';
/** Cards drawn at once (a long list is slow on an entry-level phone); "Afficher plus" adds as many. */
const PAGE = 30;

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

const CALL_DIRECTION = { out: 'Appel sortant', in: 'Appel reçu', missed: 'Appel manqué' };
const SLOT_STATE = { proposed: 'proposé', superseded: 'remplacé', accepted: 'accepté', refused: 'refusé', local: 'en attente d’envoi' };

export default {
  title: 'Demandes',
  mount(root, ctx, param) {
    ctx.useStyle('/screens/demandes.css');
    return param ? mountCard(root, ctx, param) : mountList(root, ctx);
  },
};

// MARK: - Shared helpers

/** The urgency tag: red for urgent, dark orange for today. */
function urgencyTag(urgency) {
  if (!urgency?.code) return null;
  const kind = urgency.code === 'urgent' ? 'urgent' : urgency.code === 'aujourd_hui' ? 'today' : '';
  const label = urgency.label || URGENCIES.find((u) => u.code === urgency.code)?.label || urgency.code;
  return h('span', { class: 'tag ' + kind, text: label.toUpperCase() });
}

function statusBadge(item) {
  const group = item.status;
  const kind = group === 'terminee' ? 'st-done' : ['annulee', 'declinee', 'expiree'].includes(group) ? 'st-off' : group === 'nouvelle' ? 'st-new' : 'st-on';
  return h('span', { class: 'badge status ' + kind, text: item.status_label || group });
}

/** "dans 12 min 05 s" until an offer expires; null once past. */
function countdown(iso, now = Date.now()) {
  const left = Math.floor((Date.parse(iso) - now) / 1000);
  if (!Number.isFinite(left) || left <= 0) return null;
  const hours = Math.floor(left / 3600);
  const minutes = Math.floor((left % 3600) / 60);
  const seconds = left % 60;
  if (hours) return `${hours}\u00A0h\u00A0${String(minutes).padStart(2, '0')}`;
  return `${minutes}\u00A0min\u00A0${String(seconds).padStart(2, '0')}\u00A0s`;
}

/** Applies `change` to the phone's list item and cached card of a request, then tells the screens. */
async function patchLocal(ctx, id, change) {
  const item = await ctx.db.get('requests', id);
  if (item) await ctx.db.put('requests', id, change({ ...item }, 'item'));
  const cached = await ctx.db.get('kv', 'detail:' + id);
  if (cached?.data) await ctx.db.put('kv', 'detail:' + id, { ...cached, data: change({ ...cached.data }, 'detail') });
  ctx.emit?.('requests', { changed: [id], removed: [], touched: [], local: true });
}

function digits(phone) {
  return String(phone ?? '').replace(/\D/g, '');
}

/** "+237660931346" → "+237 6 60 93 13 46"; anything else as given. */
function prettyPhone(phone) {
  const m = /^\+237(\d)(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(String(phone ?? '').replace(/\s/g, ''));
  return m ? `+237 ${m.slice(1).join(' ')}` : String(phone ?? '');
}

/** Now on the hub's clock (the phone's own clock is often wrong): for every time sent to the hub or compared with its. */
function clockOf(ctx) {
  return () => (typeof ctx.now === 'function' ? ctx.now() : Date.now());
}

// MARK: - List

function mountList(root, ctx) {
  const now = clockOf(ctx);
  let filters = emptyFilters();
  let items = [];
  let open = false;
  let alive = true;
  let limit = PAGE;

  const search = h('input', {
    type: 'search',
    id: 'req-search',
    name: 'q',
    autocomplete: 'off',
    enterkeyhint: 'search',
    placeholder: 'Titre, client, quartier…',
  });
  const serviceSelect = h('select', { id: 'req-service', name: 'service' });
  const zoneSelect = h('select', { id: 'req-zone', name: 'zone' });
  const fromInput = h('input', { type: 'date', id: 'req-from', name: 'from' });
  const toInput = h('input', { type: 'date', id: 'req-to', name: 'to' });
  const statusChips = h('div', { class: 'chips', role: 'group', 'aria-label': 'Statut' });
  const urgencyChips = h('div', { class: 'chips', role: 'group', 'aria-label': 'Urgence' });
  const filterCount = h('span', { class: 'badge', hidden: true });
  const details = h(
    'details',
    { class: 'card filters' },
    h('summary', {}, icon('filter'), h('span', { text: 'Filtrer' }), filterCount),
    h('fieldset', {}, h('legend', { text: 'Statut' }), statusChips),
    h('fieldset', {}, h('legend', { text: 'Urgence' }), urgencyChips),
    field('Service', serviceSelect),
    field('Quartier', zoneSelect),
    h('fieldset', { class: 'dates' }, h('legend', { text: 'Date de la demande' }), h('div', { class: 'date-row' }, field('Du', fromInput), field('Au', toInput))),
  );
  details.addEventListener('toggle', () => {
    open = details.open;
  });
  const summary = h('p', { class: 'summary muted', 'aria-live': 'polite' });
  const count = h('strong', { class: 'count' });
  const clear = h('button', { class: 'btn ghost small', type: 'button', text: 'Effacer les filtres', hidden: true, onclick: () => setFilters(emptyFilters()) });
  const list = h('ul', { class: 'req-list', 'aria-label': 'Demandes' });

  fill(
    root,
    h('form', { role: 'search', class: 'req-search', onsubmit: (e) => e.preventDefault() }, field('Rechercher une demande', search)),
    details,
    h('div', { class: 'row req-meta' }, h('p', { class: 'grow' }, count, h('br'), summary), clear),
    list,
  );
  fill(list, h('li', { class: 'muted skeleton', text: 'Chargement des demandes…' }));

  function chip(kind, option) {
    return h('button', {
      class: 'chip',
      type: 'button',
      'aria-pressed': String(filters[kind].includes(option.code)),
      text: option.label,
      onclick: () => setFilters(toggle(filters, kind, option.code)),
    });
  }

  function renderControls() {
    fill(statusChips, STATUSES.map((option) => chip('statuses', option)));
    fill(urgencyChips, URGENCIES.map((option) => chip('urgencies', option)));
    const options = optionsOf(items, filters);
    fill(serviceSelect, h('option', { value: '', text: 'Tous les services' }), options.services.map((o) => h('option', { value: o.code, text: o.name })));
    fill(zoneSelect, h('option', { value: '', text: 'Tous les quartiers' }), options.zones.map((o) => h('option', { value: o.code, text: o.name })));
    serviceSelect.value = filters.services[0] ?? '';
    zoneSelect.value = filters.zones[0] ?? '';
    if (fromInput.value !== filters.from) fromInput.value = filters.from;
    if (toInput.value !== filters.to) toInput.value = filters.to;
    if (document.activeElement !== search && search.value !== filters.q) search.value = filters.q;
    const active = activeCount(filters);
    filterCount.hidden = active === 0;
    filterCount.textContent = String(active);
    filterCount.setAttribute('aria-label', active === 1 ? '1 filtre actif' : `${active} filtres actifs`);
    details.open = open;
    clear.hidden = active === 0;
    return options;
  }

  function renderList() {
    const options = renderControls();
    const shown = applyFilters(items, filters);
    count.textContent = countLabel(shown.length, items.length);
    summary.textContent = describeFilters(filters, options);
    if (!items.length) {
      fill(list, h('li', { class: 'card empty' }, h('p', { text: 'Aucune demande pour l’instant.' }), h('p', { class: 'muted', text: 'Les nouvelles demandes de votre zone apparaîtront ici. Tirez vers le bas pour actualiser.' })));
      return;
    }
    if (!shown.length) {
      fill(
        list,
        h(
          'li',
          { class: 'card empty' },
          h('p', { text: 'Aucune demande ne correspond à ces filtres.' }),
          h('button', { class: 'btn ghost', type: 'button', text: 'Effacer les filtres', onclick: () => setFilters(emptyFilters()) }),
        ),
      );
      return;
    }
    const at = now();
    const rest = shown.length - limit;
    fill(
      list,
      shown.slice(0, limit).map((item) => h('li', {}, itemCard(item, at))),
      rest > 0
        ? h(
            'li',
            {},
            h('button', {
              class: 'btn ghost wide',
              type: 'button',
              dataset: { focusKey: 'more' },
              text: `Afficher ${Math.min(rest, PAGE)} de plus (${rest} restantes)`,
              onclick: () => {
                limit += PAGE;
                renderList();
              },
            }),
          )
        : null,
    );
  }

  function setFilters(next) {
    filters = normalizeFilters(next);
    limit = PAGE;
    ctx.db.put('kv', FILTERS_KEY, filters).catch(() => {});
    renderList();
  }

  let searchTimer = null;
  search.addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => setFilters({ ...filters, q: search.value }), 200);
  });
  serviceSelect.addEventListener('change', () => setFilters({ ...filters, services: serviceSelect.value ? [serviceSelect.value] : [] }));
  zoneSelect.addEventListener('change', () => setFilters({ ...filters, zones: zoneSelect.value ? [zoneSelect.value] : [] }));
  fromInput.addEventListener('change', () => setFilters({ ...filters, from: fromInput.value }));
  toInput.addEventListener('change', () => setFilters({ ...filters, to: toInput.value }));

  async function reload() {
    items = await ctx.requests.all();
    if (alive) renderList();
  }

  (async () => {
    filters = normalizeFilters(await ctx.db.get('kv', FILTERS_KEY).catch(() => null));
    open = activeCount(filters) > 0 && activeCount({ ...filters, q: '' }) > 0;
    await reload();
    if (!items.length) ctx.requests.sync().catch(() => {});
  })();

  const off = ctx.on('requests', reload);
  // A refused action (an accept of an offer taken or expired): the list item takes the hub's status back.
  const fixing = new Set();
  const correct = (outboxItems) => {
    if (alive) correctRefusals(ctx, outboxItems, { fixing }).catch(() => {});
  };
  ctx.outbox.list().then(correct).catch(() => {});
  const offOutbox = ctx.on('outbox', correct);
  const tick = setInterval(() => alive && items.length && renderList(), 30_000);
  return () => {
    alive = false;
    off();
    offOutbox();
    clearInterval(tick);
    clearTimeout(searchTimer);
  };
}

function itemCard(item, now) {
  const left = item.status === 'nouvelle' && item.offer_expires_at ? countdown(item.offer_expires_at, now) : null;
  return h(
    'a',
    { class: 'req card', href: '#demandes/' + encodeURIComponent(item.id), dataset: { status: item.status, urgency: item.urgency?.code ?? '' } },
    h(
      'span',
      { class: 'row req-tags' },
      urgencyTag(item.urgency),
      statusBadge(item),
      item.offer_unseen ? h('span', { class: 'badge unseen', text: 'Non lue' }) : null,
    ),
    h('strong', { class: 'req-title', text: item.title || item.service?.name || 'Demande' }),
    h(
      'span',
      { class: 'req-facts' },
      h('span', { class: 'req-line' }, icon('clock'), h('span', { text: `Demandé ${relativeTime(item.created_at, now)}` })),
      item.zone?.name ? h('span', { class: 'req-line' }, icon('pin'), h('span', { text: item.zone.name })) : null,
    ),
    h('span', { class: 'req-line' }, icon('wallet'), h('span', { text: item.budget_label || 'Budget à discuter' })),
    left ? h('span', { class: 'req-line expires' }, icon('alert'), `Répondre avant ${formatTime(item.offer_expires_at)} (reste ${left})`) : null,
  );
}

// MARK: - Card

function mountCard(root, ctx, id) {
  let detail = null;
  let fresh = false;
  let alive = true;
  let failed = null;
  let pendingCount = 0;
  let refusals = []; // refused outbox items of this request, shown until the provider dismisses them
  const dialogs = new Set();
  const path = '/provider/requests/' + encodeURIComponent(id);
  const now = clockOf(ctx);

  const back = h('a', { class: 'btn ghost small back', href: '#demandes' }, icon('back'), 'Toutes les demandes');
  const body = h('div', { class: 'req-detail' });
  fill(root, back, body);
  fill(body, h('p', { class: 'card muted skeleton', text: 'Chargement de la demande…' }));
  const guard = busyGuard(body);

  function track(dialog) {
    dialogs.add(dialog);
    dialog.addEventListener('close', () => dialogs.delete(dialog));
  }

  // The refusals box and the message form are made once per mount: a re-render (an outbox or sync event while the
  // provider types) keeps them in the page, with the typed text, the focus and the keyboard.
  const refusalView = refusalNotices(dismiss);
  const refusalBox = refusalView.element;
  function renderRefusals() {
    refusalView.show(refusals);
  }

  async function dismiss(seq) {
    await ctx.outbox.dismiss(seq).catch(() => {});
    readOutbox(await ctx.outbox.list().catch(() => []));
    render();
  }

  const msgText = h('textarea', { id: 'msg-body', name: 'body', maxlength: 1000, rows: 3, dataset: { focusKey: 'msg' } });
  const msgTitle = h('h2', { id: 'msg-title' }, icon('chat'), ' Messages');
  const msgHint = h('p', { class: 'muted', text: 'Réponses rapides (envoyées par WhatsApp) :' });
  // The provider's own quick replies and questions come from the hub (GET /provider/message-templates); until they
  // are known (first visit offline), the catalogue's four and five.
  let replies = REPLIES;
  let questions = QUESTIONS;
  const replyButtons = (list) =>
    list.map((reply) =>
      h(
        'button',
        { class: 'btn ghost quick-reply', type: 'button', dataset: { focusKey: 'r-' + reply.code, busy: 'msg' }, onclick: () => guard('msg', () => sendMessage({ template_code: reply.code }, reply.text)) },
        icon('send'),
        reply.text,
      ),
    );
  const quickReplies = h('div', { class: 'quick' }, replyButtons(replies));
  const templateValues = () => ({ client: detail?.client?.first_name ?? detail?.client_first_name, titre: detail?.title, service: detail?.service?.name, zone: detail?.zone?.name });
  ctx.load('templates', '/provider/message-templates', (data) => {
    const ownReplies = usableTemplates(data?.replies, templateValues());
    const ownQuestions = usableTemplates(data?.questions, templateValues());
    if (ownReplies.length) {
      replies = ownReplies;
      fill(quickReplies, replyButtons(replies));
    }
    if (ownQuestions.length) questions = ownQuestions;
  });
  const msgForm = h(
    'form',
    {
      class: 'msg-form',
      onsubmit: (event) => {
        event.preventDefault();
        const value = msgText.value.trim();
        if (!value) return ctx.toast('Écrivez un message.');
        guard('msg', async () => {
          await sendMessage({ body: value }, value);
          // Text typed after the tap is kept.
          if (msgText.value.trim() === value) msgText.value = '';
        });
      },
    },
    field('Votre message', msgText),
    h('button', { class: 'btn', type: 'submit', dataset: { busy: 'msg' } }, icon('send'), 'Envoyer'),
  );
  const msgHistoryTitle = h('h3', { text: 'Historique' });
  const msgSection = h('section', { class: 'card', 'aria-labelledby': 'msg-title' });

  function render() {
    if (!alive) return;
    if (!detail) {
      renderRefusals();
      if (failed) fill(body, refusals.length ? refusalBox : null, h('div', { class: 'card' }, h('p', { class: 'error', role: 'alert', text: failed }), h('a', { class: 'btn', href: '#demandes', text: 'Retour à la liste' })));
      return;
    }
    renderRefusals();
    rerender(body, refusals.length ? refusalBox : null, cardView());
    for (const element of body.querySelectorAll('[data-busy]')) element.disabled = guard.has(element.dataset.busy);
  }

  function cardView() {
    const d = detail;
    const actions = Array.isArray(d.actions) ? d.actions : [];
    const client = d.client ?? { first_name: d.client_first_name };
    const phoneVisible = Boolean(client.phone_visible && digits(client.phone).length >= 8);
    const left = d.status === 'nouvelle' && d.offer_expires_at ? countdown(d.offer_expires_at, now()) : null;
    const expired = d.status === 'nouvelle' && d.offer_expires_at && !left;
    return [
      h(
        'article',
        { class: 'card req-card', 'aria-labelledby': 'req-title' },
        h('div', { class: 'row req-tags' }, urgencyTag(d.urgency), statusBadge(d), !fresh ? h('span', { class: 'badge', text: 'copie locale' }) : null),
        h('h2', { id: 'req-title', class: 'req-title', text: d.title || d.service?.name || 'Demande' }),
        h('p', { class: 'req-line' }, icon('clock'), `Demandé ${relativeTime(d.created_at, now())}`),
        left
          ? h('p', { class: 'req-line expires', role: 'timer', 'aria-live': 'off' }, icon('alert'), `Offre valable encore ${left} (jusqu’à ${formatTime(d.offer_expires_at)})`)
          : expired
            ? h('p', { class: 'req-line expires', text: 'Délai de réponse dépassé.' })
            : null,
        h(
          'section',
          { class: 'req-block', 'aria-label': 'Client' },
          h('p', { class: 'req-line' }, icon('user'), h('span', {}, h('strong', { text: client.first_name || d.client_first_name || 'Client' }), client.reputation_label ? [' — ', icon('star'), ' ', client.reputation_label] : null)),
          d.address || d.zone?.name ? h('p', { class: 'req-line' }, icon('pin'), [d.address, d.address?.includes(d.zone?.name ?? '\u0000') ? null : d.zone?.name].filter(Boolean).join(', ')) : null,
          client.phone
            ? h(
                'p',
                { class: 'req-line' },
                icon('phone'),
                phoneVisible ? h('a', { href: 'tel:+' + digits(client.phone), text: prettyPhone(client.phone) }) : h('span', {}, client.phone, h('span', { class: 'muted', text: ' (visible après acceptation)' })),
              )
            : null,
        ),
        d.description !== undefined
          ? h('section', { class: 'req-block' }, h('h3', { text: 'Description' }), h('p', { class: 'req-description', text: d.description || '—' }))
          : h('p', { class: 'muted', text: 'Détails en cours de chargement…' }),
        h(
          'section',
          { class: 'req-block' },
          h('p', { class: 'req-line' }, icon('wallet'), h('span', {}, h('strong', { text: 'Budget indicatif : ' }), d.budget_label || 'Budget à discuter')),
          d.wished_time
            ? h('p', { class: 'req-line' }, icon('calendar'), h('span', {}, h('strong', { text: 'Délai souhaité : ' }), d.wished_time.label, d.wished_time.at ? ` (${formatDateTime(d.wished_time.at)})` : ''))
            : null,
        ),
        slotsView(d),
        pendingCount ? h('p', { class: 'pending-note', role: 'status' }, icon('clock'), pendingCount === 1 ? '1 action en attente d’envoi au hub.' : `${pendingCount} actions en attente d’envoi au hub.`) : null,
        actionsView(d, actions, phoneVisible, client),
      ),
      isMission(d) && d.status !== 'annulee'
        ? h('a', { class: 'btn accent wide mission-link', href: '#mission/' + encodeURIComponent(d.id) }, icon('tool'), 'Suivi de mission')
        : null,
      messagesView(d, actions),
      callsView(d, actions, phoneVisible),
    ];
  }

  function slotsView(d) {
    const slots = d.slot_proposals ?? [];
    if (!slots.length) return null;
    return h(
      'section',
      { class: 'req-block' },
      h('h3', { text: 'Créneaux proposés' }),
      h('ul', { class: 'list' }, slots.map((s) => h('li', {}, h('span', { text: s.label }), ' ', h('span', { class: 'badge', text: SLOT_STATE[s.state] ?? s.state }), s.note ? h('span', { class: 'muted block', text: s.note }) : null))),
    );
  }

  function actionsView(d, actions, phoneVisible, client) {
    const buttons = [];
    if (actions.includes('accept')) buttons.push(h('button', { class: 'btn success', type: 'button', dataset: { focusKey: 'accept', busy: 'accept' }, onclick: () => guard('accept', accept) }, icon('check'), 'Accepter'));
    if (actions.includes('decline')) buttons.push(h('button', { class: 'btn danger', type: 'button', dataset: { focusKey: 'decline' }, onclick: decline }, icon('x'), 'Décliner'));
    if (phoneVisible && (actions.includes('call') || isMission(d))) {
      const number = digits(client.phone);
      buttons.push(h('a', { class: 'btn', href: 'tel:+' + number, onclick: () => rememberCall('tel') }, icon('phone'), 'Appeler'));
      buttons.push(h('a', { class: 'btn', href: 'https://wa.me/' + number, target: '_blank', rel: 'noopener', onclick: () => rememberCall('whatsapp') }, icon('chat'), 'WhatsApp'));
    }
    if (actions.includes('ask_details')) buttons.push(h('button', { class: 'btn ghost', type: 'button', dataset: { focusKey: 'ask' }, onclick: askDetails }, icon('chat'), 'Demander des précisions'));
    if (actions.includes('postpone')) buttons.push(h('button', { class: 'btn ghost', type: 'button', dataset: { focusKey: 'postpone' }, onclick: postpone }, icon('calendar'), 'Reporter'));
    if (!buttons.length) return h('p', { class: 'muted', text: 'Aucune action possible sur cette demande pour le moment.' });
    return h('div', { class: 'actions req-actions' }, buttons);
  }

  function messagesView(d, actions) {
    const messages = sortedMessages(d.messages);
    const canSend = actions.includes('message');
    if (!canSend && !messages.length) return null;
    const at = now();
    const clientName = (d.client?.first_name ?? d.client_first_name ?? '').trim();
    const history = messages.length
      ? h('ol', { class: 'messages' }, messages.map((m) => messageItem(m, at, clientName)))
      : h('p', { class: 'muted', text: 'Aucun message échangé.' });
    return place(msgSection, msgTitle, canSend ? [msgHint, quickReplies, msgForm] : null, msgHistoryTitle, history);
  }

  /** One message: who wrote it, the text, then the time and its state (tick + French label, "SMS", the reason). */
  function messageItem(m, at, clientName) {
    const v = deliveryView(m);
    const who = v.incoming ? (clientName ? `Client · ${clientName}` : 'Client') : 'Vous';
    const stateBits = v.incoming
      ? [h('span', { class: 'msg-label', text: v.label })]
      : [
          v.icon ? icon(v.icon) : null,
          v.tick ? h('span', { class: 'msg-tick', 'aria-hidden': 'true', text: v.tick }) : null,
          h('span', { class: 'msg-label', text: v.label }),
        ];
    return h(
      'li',
      { class: 'msg ' + (v.incoming ? 'in' : 'out') + (v.failed ? ' failed' : ''), dataset: { state: v.state } },
      h('span', { class: 'msg-who' }, v.incoming ? icon('user') : null, h('strong', { text: who })),
      h('span', { class: 'msg-body', text: m.body }),
      h(
        'span',
        { class: 'msg-meta' },
        h('time', { datetime: m.sent_at ?? '', title: m.sent_at ? formatDateTime(m.sent_at) : null, text: m.sent_at ? relativeTime(m.sent_at, at) : '' }),
        h('span', { class: 'msg-state ' + v.className, title: v.ariaLabel }, stateBits),
        v.sms ? h('span', { class: 'msg-channel', text: 'SMS' }) : null,
      ),
      v.reason ? h('span', { class: v.failed ? 'msg-reason error' : 'msg-reason', text: v.reason }) : null,
    );
  }

  function callsView(d, actions, phoneVisible) {
    const calls = (d.calls ?? []).slice().sort((a, b) => String(b.started_at).localeCompare(String(a.started_at)));
    if (!phoneVisible && !calls.length) return null;
    return h(
      'section',
      { class: 'card', 'aria-labelledby': 'calls-title' },
      h('h2', { id: 'calls-title' }, icon('phone'), ' Appels'),
      calls.length
        ? h(
            'ul',
            { class: 'list calls' },
            calls.map((call) =>
              h(
                'li',
                {},
                h('strong', { text: CALL_DIRECTION[call.direction] ?? call.direction }),
                h('span', { class: 'muted block', text: `${formatDateTime(call.started_at)} · ${call.duration_label ?? Math.round((call.duration_seconds ?? 0) / 60) + ' min'}` }),
                h('p', { class: 'call-note', text: call.note ? call.note : 'Pas de note.' }),
                String(call.id).startsWith('local-')
                  ? h('span', { class: 'badge pending', text: 'en attente' })
                  : h('button', { class: 'btn ghost small', type: 'button', dataset: { focusKey: 'note-' + call.id }, onclick: () => editNote(call) }, 'Modifier la note'),
              ),
            ),
          )
        : h('p', { class: 'muted', text: 'Aucun appel noté.' }),
      phoneVisible ? h('button', { class: 'btn ghost', type: 'button', dataset: { focusKey: 'log-call' }, onclick: () => logCall(null) }, icon('plus'), 'Noter un appel') : null,
    );
  }

  // MARK: Actions

  const title = () => detail?.title || 'la demande';

  /**
   * Queues an action. Callers change the local copy first (applyLocal), then act: the hub's answer (a refusal, or a
   * reload after it is sent) always comes after the optimistic change, never before it (which would leave it on screen).
   * The phone's store failing to queue it: the hub's copy is shown again.
   */
  async function act(method, suffix, body, label) {
    try {
      await ctx.act({ method, path: path + suffix, body, title: `${label} « ${title()} »`, requestId: id });
    } catch (error) {
      await ctx.db.delete('kv', 'detail:' + id).catch(() => {});
      load();
      throw error;
    }
    readOutbox(await ctx.outbox.list().catch(() => []));
    render();
  }

  async function applyLocal(change) {
    await patchLocal(ctx, id, change);
    const cached = await ctx.db.get('kv', 'detail:' + id);
    if (cached?.data) detail = cached.data;
    else detail = change({ ...detail }, 'detail');
    render();
  }

  async function accept() {
    await applyLocal((r, kind) => {
      const next = { ...r, status: 'acceptee', stage: 'acceptee', status_label: 'Acceptée', offer_unseen: false, offer_expires_at: null };
      if (kind === 'detail') next.actions = ['arrived', 'diagnosed', 'repairing', 'completed', 'call', 'message', 'ask_details', 'postpone'];
      return next;
    });
    await act('PUT', '/accept', undefined, 'Accepter');
    ctx.toast('Demande acceptée : le client est prévenu.');
  }

  function decline() {
    if (dialogs.size) return; // a double tap opens one dialog
    const note = h('textarea', { name: 'note', maxlength: 500, rows: 3 });
    track(
      openDialog({
        title: 'Décliner la demande',
        submitLabel: 'Décliner',
        submitClass: 'danger',
        body: [
          h(
            'fieldset',
            {},
            h('legend', { text: 'Raison' }),
            DECLINE_REASONS.map((reason, index) =>
              h('label', { class: 'radio' }, h('input', { type: 'radio', name: 'reason', value: reason.code, checked: index === 0 }), h('span', { text: reason.label })),
            ),
          ),
          field('Précision (facultatif)', note),
        ],
        submit: async (form) => {
          const reason = form.elements.reason.value;
          if (!reason) return 'Choisissez une raison.';
          const body = { reason };
          if (note.value.trim()) body.note = note.value.trim();
          await applyLocal((r, kind) => ({ ...r, status: 'declinee', stage: 'declinee', status_label: 'Déclinée', offer_unseen: false, ...(kind === 'detail' ? { actions: [] } : {}) }));
          await act('PUT', '/decline', body, 'Décliner');
          ctx.toast('Demande déclinée.');
          ctx.navigate('#demandes');
          return null;
        },
      }),
    );
  }

  function askDetails() {
    if (dialogs.size) return; // a double tap opens one dialog
    const free = h('textarea', { name: 'question', maxlength: 500, rows: 3 });
    const freeField = field('Votre question', free);
    freeField.hidden = true;
    const radios = [
      ...questions.map((q, index) => h('label', { class: 'radio' }, h('input', { type: 'radio', name: 'code', value: q.code, checked: index === 0 }), h('span', { text: q.text }))),
      h('label', { class: 'radio' }, h('input', { type: 'radio', name: 'code', value: '' }), h('span', { text: 'Autre question…' })),
    ];
    const set = h('fieldset', { onchange: (e) => { freeField.hidden = e.target.value !== ''; if (!freeField.hidden) free.focus(); } }, h('legend', { text: 'Question au client' }), radios);
    track(
      openDialog({
        title: 'Demander des précisions',
        submitLabel: 'Envoyer',
        body: [set, freeField],
        submit: async (form) => {
          const code = form.elements.code.value;
          const question = free.value.trim();
          if (!code && !question) return 'Écrivez votre question.';
          const text = code ? questions.find((q) => q.code === code)?.text : question;
          await addLocalMessage(text);
          await act('POST', '/ask-details', code ? { question_code: code } : { question }, 'Question');
          ctx.toast('Question envoyée au client.');
          return null;
        },
      }),
    );
  }

  function postpone() {
    if (dialogs.size) return; // a double tap opens one dialog
    const today = doualaDay(now());
    const day = h('input', { type: 'date', name: 'day', min: today, value: today, required: true });
    const from = h('input', { type: 'time', name: 'from', value: '09:00', step: 900, required: true });
    const to = h('input', { type: 'time', name: 'to', value: '11:00', step: 900, required: true });
    const note = h('textarea', { name: 'note', maxlength: 500, rows: 2 });
    track(
      openDialog({
        title: 'Proposer un nouveau créneau',
        submitLabel: 'Proposer',
        body: [
          h('p', { class: 'muted', text: 'Heure de Douala. Le client reçoit la proposition par WhatsApp.' }),
          field('Jour', day),
          h('div', { class: 'date-row' }, field('De', from), field('À', to)),
          field('Message (facultatif)', note),
        ],
        submit: async () => {
          const slot = doualaSlot(day.value, from.value, to.value);
          if (!slot) return 'Indiquez le jour et les heures.';
          if (Date.parse(slot.start) < now() - 60_000) return 'Ce créneau est déjà passé.';
          const body = { ...slot };
          if (note.value.trim()) body.note = note.value.trim();
          const label = `${day.value.split('-').reverse().join('/')} entre ${from.value} et ${to.value}`;
          await applyLocal((r, kind) =>
            kind === 'detail'
              ? { ...r, slot_proposals: [...(r.slot_proposals ?? []), { id: 'local-' + now(), proposed_start: slot.start, proposed_end: slot.end, label, note: body.note ?? null, state: 'local' }] }
              : r,
          );
          await act('POST', '/postpone', body, 'Reporter');
          ctx.toast('Nouveau créneau proposé au client.');
          return null;
        },
      }),
    );
  }

  async function addLocalMessage(text) {
    await applyLocal((r, kind) =>
      kind === 'detail'
        ? { ...r, messages: [...(r.messages ?? []), { id: 'local-' + now(), direction: 'out', channel: 'whatsapp', body: text, sent_at: new Date(now()).toISOString(), delivery_status: 'local' }] }
        : r,
    );
  }

  async function sendMessage(body, text) {
    await addLocalMessage(text);
    await act('POST', '/message', body, 'Message');
    ctx.toast('Message envoyé au client.');
  }

  // Calls: the tap is remembered (also across a reload: Android may kill the app during a call); back in the app,
  // the provider is offered to note it with its duration.
  function rememberCall(channel) {
    const pending = { id, channel, started_at: now() };
    ctx.db.put('kv', PENDING_CALL_KEY, pending).catch(() => {});
  }

  async function offerPendingCall() {
    const pending = await ctx.db.get('kv', PENDING_CALL_KEY).catch(() => null);
    if (!pending || pending.id !== id || !alive || dialogs.size) return;
    const age = now() - pending.started_at;
    if (age < 3000) return; // the page is just being hidden
    await ctx.db.delete('kv', PENDING_CALL_KEY).catch(() => {});
    if (age > 6 * 3600_000) return;
    logCall(pending);
  }

  function logCall(pending) {
    if (dialogs.size) return; // a double tap opens one dialog
    const started = pending ? pending.started_at : now();
    const minutes = pending ? Math.max(1, Math.round((now() - started) / 60_000)) : 1;
    const duration = h('input', { type: 'number', name: 'minutes', min: 0, max: 600, step: 1, value: minutes, inputmode: 'numeric', required: true });
    const direction = h(
      'select',
      { name: 'direction' },
      Object.entries(CALL_DIRECTION).map(([code, label]) => h('option', { value: code, text: label })),
    );
    const note = h('textarea', { name: 'note', maxlength: 500, rows: 3, placeholder: 'Ce qui a été convenu…' });
    track(
      openDialog({
        title: pending ? 'Noter l’appel avec le client' : 'Noter un appel',
        submitLabel: 'Enregistrer',
        body: [
          pending ? h('p', { class: 'muted', text: `Appel ${pending.channel === 'whatsapp' ? 'WhatsApp ' : ''}commencé à ${formatTime(started)}.` }) : null,
          field('Type d’appel', direction),
          field('Durée (minutes)', duration),
          field('Note (facultatif)', note),
        ],
        submit: async () => {
          const value = Number(duration.value);
          if (!Number.isFinite(value) || value < 0 || value > 600) return 'Durée en minutes : de 0 à 600.';
          const seconds = direction.value === 'missed' ? 0 : Math.round(value * 60);
          const body = { direction: direction.value, started_at: new Date(started).toISOString(), duration_seconds: seconds };
          if (note.value.trim()) body.note = note.value.trim();
          await applyLocal((r, kind) =>
            kind === 'detail'
              ? { ...r, calls: [...(r.calls ?? []), { id: 'local-' + now(), ...body, duration_label: `${Math.round(seconds / 60)} min`, note: body.note ?? null }] }
              : r,
          );
          await act('POST', '/calls', body, 'Appel noté');
          ctx.toast('Appel noté au dossier.');
          return null;
        },
      }),
    );
  }

  function editNote(call) {
    if (dialogs.size) return; // a double tap opens one dialog
    const note = h('textarea', { name: 'note', maxlength: 500, rows: 4, text: call.note ?? '' });
    track(
      openDialog({
        title: 'Note de l’appel',
        submitLabel: 'Enregistrer',
        body: [h('p', { class: 'muted', text: `${CALL_DIRECTION[call.direction] ?? ''} du ${formatDateTime(call.started_at)}` }), field('Note', note)],
        submit: async () => {
          const value = note.value.trim();
          await applyLocal((r, kind) => (kind === 'detail' ? { ...r, calls: (r.calls ?? []).map((c) => (c.id === call.id ? { ...c, note: value || null } : c)) } : r));
          await act('PUT', `/calls/${encodeURIComponent(call.id)}`, { note: value }, 'Note d’appel');
          ctx.toast('Note enregistrée.');
          return null;
        },
      }),
    );
  }

  // MARK: Loading

  /** The pending count and the refusals of this request, from the outbox list. */
  function readOutbox(items) {
    const mine = (items ?? []).filter((item) => concerns(item, path));
    pendingCount = mine.filter((item) => item.state === 'pending').length;
    refusals = mine.filter((item) => item.state === 'refused');
  }

  /**
   * Refused actions: the optimistic copy (an "Acceptée" for an offer taken or expired) is dropped, the hub's detail
   * shown again, the list item corrected; the refusal's reason stays on the card until dismissed.
   */
  const fixing = new Set();
  async function correct(items, announce) {
    const results = await correctRefusals(ctx, items, { path, fixing }).catch(() => []);
    if (!alive) return;
    for (const result of results) {
      if (result.detail) {
        detail = result.detail;
        fresh = true;
        failed = null;
      } else if (result.error?.status === 404) {
        detail = null;
        failed = 'Cette demande n’existe plus ou ne vous est plus proposée.';
      }
      if (announce) ctx.toast(`Refusé par le hub : ${result.refusals.map((item) => item.reason || 'action refusée').join(' ; ')}`);
    }
    if (results.length) render();
    return results;
  }

  async function load() {
    readOutbox(await ctx.outbox.list().catch(() => []));
    if (!detail) {
      const item = await ctx.requests.get(id).catch(() => null);
      const cached = await ctx.db.get('kv', 'detail:' + id).catch(() => null);
      if (item && !cached && alive) {
        detail = item;
        render();
      }
    }
    await ctx.detail(
      id,
      (data, meta) => {
        if (!alive) return;
        detail = data;
        fresh = !meta?.cached;
        failed = null;
        render();
      },
      (error) => {
        failed = error?.status === 404 ? 'Cette demande n’existe plus ou ne vous est plus proposée.' : error?.message || 'Impossible de charger la demande.';
        if (!detail) render();
        else ctx.toast(failed);
      },
    );
    // Opening the card reads the offer: the list's "Non lue" goes at once, offline too.
    const item = await ctx.requests.get(id).catch(() => null);
    if (item?.offer_unseen) {
      await ctx.db.put('requests', id, { ...item, offer_unseen: false });
      ctx.emit?.('requests', { changed: [id], removed: [], touched: [], local: true });
    }
    offerPendingCall();
  }

  load();

  const offRequests = ctx.on('requests', (change) => {
    if (!change?.changed?.includes(id) && !change?.removed?.includes(id)) return;
    if (change.local) return;
    load();
  });
  const seenAnswers = new Set();
  ctx.outbox
    .list()
    .then((items) => {
      answeredSince(items, path, seenAnswers);
      return correct(items, false);
    })
    .catch(() => {});
  const offOutbox = ctx.on('outbox', async (items) => {
    if (!alive) return;
    const before = `${pendingCount}/${refusals.map((item) => item.seq)}`;
    readOutbox(items);
    const news = answeredSince(items, path, seenAnswers);
    if (news.refused.length) {
      const results = await correct(items, true);
      if (!results?.some((result) => result.detail || result.error?.status === 404)) load();
    } else if (news.sent.length) {
      // An action on this request reached the hub: its answer (message ids, call ids, status) is worth a reload.
      load();
    } else if (before !== `${pendingCount}/${refusals.map((item) => item.seq)}`) render();
  });
  const offRefresh = ctx.on('refresh', () => load());
  // The client wrote about this request (live feed): their message and the states of mine, fresh from the hub.
  const offLive = ctx.on('live', (event) => {
    if (alive && event?.kind === 'client_message' && event.request_id === id) load();
  });
  const onVisible = () => {
    if (document.visibilityState === 'visible') offerPendingCall();
  };
  document.addEventListener('visibilitychange', onVisible);
  addEventListener('focus', onVisible);
  const tick = setInterval(() => {
    const timer = body.querySelector('.req-card [role="timer"]');
    if (!timer || !detail?.offer_expires_at) return;
    const left = countdown(detail.offer_expires_at, now());
    if (!left) return render();
    timer.lastChild.textContent = `Offre valable encore ${left} (jusqu’à ${formatTime(detail.offer_expires_at)})`;
  }, 1000);

  return () => {
    alive = false;
    offRequests();
    offOutbox();
    offRefresh();
    offLive();
    clearInterval(tick);
    document.removeEventListener('visibilitychange', onVisible);
    removeEventListener('focus', onVisible);
    for (const dialog of dialogs) dialog.close();
  };
}

