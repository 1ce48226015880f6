// The request card's view, drawn from the card's state: the request (client, address, description, budget, slots),
// its buttons, the messages section and the call log.
import { h, icon } from '/lib/dom.js';
import { formatDateTime, formatTime, relativeTime } from '/lib/format.js';
import { STATUS, isMission } from '/lib/transitions.js';
import { CALL_DIRECTION, SLOT_STATE, awaitsAnswer, countdown, digits, prettyPhone, statusBadge, urgencyTag } from '/screens/demandes/common.js';
import { accept, askDetails, decline, postpone } from '/screens/demandes/dialogs.js';
import { editNote, logCall, rememberCall } from '/screens/demandes/calls.js';

/** The card's elements for `card.detail`. */
export function cardView(card) {
  const d = card.detail;
  const now = card.now();
  const actions = Array.isArray(d.actions) ? d.actions : [];
  const client = d.client ?? { first_name: d.client_first_name };
  const phoneVisible = Boolean(client.phone_visible && digits(client.phone).length >= 8);
  const left = awaitsAnswer(d) ? countdown(d.offer_expires_at, now) : null;
  const expired = awaitsAnswer(d) && !left;
  const pending = card.pendingCount;
  return [
    h(
      'article',
      { class: 'card req-card', 'aria-labelledby': 'req-title' },
      h('div', { class: 'row req-tags' }, urgencyTag(d.urgency), statusBadge(d), !card.fresh ? h('span', { class: 'badge', text: 'copie locale' }) : null),
      h('h2', { id: 'req-title', class: 'req-title', text: d.title || d.service?.name || 'Demande' }),
      h('p', { class: 'req-line' }, icon('clock'), `Demandé ${relativeTime(d.created_at, now)}`),
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
      pending ? h('p', { class: 'pending-note', role: 'status' }, icon('clock'), pending === 1 ? '1 action en attente d’envoi au hub.' : `${pending} actions en attente d’envoi au hub.`) : null,
      actionsView(card, d, actions, phoneVisible, client),
    ),
    isMission(d) && d.status !== STATUS.annulee
      ? h('a', { class: 'btn accent wide mission-link', href: '#mission/' + encodeURIComponent(d.id) }, icon('tool'), 'Suivi de mission')
      : null,
    card.messages.view(d, actions),
    callsView(card, d, phoneVisible),
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

/** The buttons the hub offers (`detail.actions`), and the phone and WhatsApp links once the number is visible. */
function actionsView(card, d, actions, phoneVisible, client) {
  const buttons = [];
  if (actions.includes('accept')) buttons.push(h('button', { class: 'btn success', type: 'button', dataset: { focusKey: 'accept', busy: 'accept' }, onclick: () => card.guard('accept', () => accept(card)) }, icon('check'), 'Accepter'));
  if (actions.includes('decline')) buttons.push(h('button', { class: 'btn danger', type: 'button', dataset: { focusKey: 'decline' }, onclick: () => decline(card) }, icon('x'), 'Décliner'));
  if (phoneVisible && (actions.includes('call') || isMission(d))) {
    const number = digits(client.phone);
    buttons.push(h('a', { class: 'btn', href: 'tel:+' + number, onclick: () => rememberCall(card, 'tel') }, icon('phone'), 'Appeler'));
    buttons.push(h('a', { class: 'btn', href: 'https://wa.me/' + number, target: '_blank', rel: 'noopener', onclick: () => rememberCall(card, 'whatsapp') }, icon('chat'), 'WhatsApp'));
  }
  if (actions.includes('ask_details')) buttons.push(h('button', { class: 'btn ghost', type: 'button', dataset: { focusKey: 'ask' }, onclick: () => askDetails(card) }, icon('chat'), 'Demander des précisions'));
  if (actions.includes('postpone')) buttons.push(h('button', { class: 'btn ghost', type: 'button', dataset: { focusKey: 'postpone' }, onclick: () => postpone(card) }, icon('calendar'), 'Reporter'));
  if (!buttons.length) return h('p', { class: 'muted', text: 'Aucune action possible sur cette demande pour le moment.' });
  return h('div', { class: 'actions req-actions' }, buttons);
}

function callsView(card, d, phoneVisible) {
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
                : h('button', { class: 'btn ghost small', type: 'button', dataset: { focusKey: 'note-' + call.id }, onclick: () => editNote(card, call) }, 'Modifier la note'),
            ),
          ),
        )
      : h('p', { class: 'muted', text: 'Aucun appel noté.' }),
    phoneVisible ? h('button', { class: 'btn ghost', type: 'button', dataset: { focusKey: 'log-call' }, onclick: () => logCall(card, null) }, icon('plus'), 'Noter un appel') : null,
  );
}
