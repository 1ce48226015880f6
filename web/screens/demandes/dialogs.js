// The request card's answers to the offer and to the client: accept, the decline sheet (a reason, a note), a question
// to the client, a new slot. Each goes through `card.act`: the optimistic copy from transitions.js, then the outbox.
import { h } from '/lib/dom.js';
import { field, openDialog } from '/lib/ui.js';
import { doualaDay } from '/lib/format.js';
import { defaultSlot, doualaSlot } from '/lib/mission.js';
import { afterAccept, afterDecline } from '/lib/transitions.js';
import { DECLINE_REASONS } from '/screens/demandes/common.js';

export async function accept(card) {
  await card.act({ change: afterAccept, method: 'PUT', suffix: '/accept', label: 'Accepter' });
  card.ctx.toast('Demande acceptée : le client est prévenu.');
}

export function decline(card) {
  if (card.dialogs.size) return; // a double tap opens one dialog
  const note = h('textarea', { name: 'note', maxlength: 500, rows: 3 });
  card.track(
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
        await card.act({ change: afterDecline, method: 'PUT', suffix: '/decline', body, label: 'Décliner' });
        card.ctx.toast('Demande déclinée.');
        card.ctx.navigate('#demandes');
        return null;
      },
    }),
  );
}

export function askDetails(card) {
  if (card.dialogs.size) return; // a double tap opens one dialog
  const questions = card.messages.questions();
  const free = h('textarea', { name: 'question', maxlength: 500, rows: 3 });
  const freeField = field('Votre question', free);
  freeField.hidden = true;
  const radios = [
    ...questions.map((q, index) => h('label', { class: 'radio' }, h('input', { type: 'radio', name: 'code', value: q.code, checked: index === 0 }), h('span', { text: q.text }))),
    h('label', { class: 'radio' }, h('input', { type: 'radio', name: 'code', value: '' }), h('span', { text: 'Autre question…' })),
  ];
  const set = h('fieldset', { onchange: (e) => { freeField.hidden = e.target.value !== ''; if (!freeField.hidden) free.focus(); } }, h('legend', { text: 'Question au client' }), radios);
  card.track(
    openDialog({
      title: 'Demander des précisions',
      submitLabel: 'Envoyer',
      body: [set, freeField],
      submit: async (form) => {
        const code = form.elements.code.value;
        const question = free.value.trim();
        if (!code && !question) return 'Écrivez votre question.';
        const text = code ? questions.find((q) => q.code === code)?.text : question;
        await card.act({ change: card.messages.withMessage(text), method: 'POST', suffix: '/ask-details', body: code ? { question_code: code } : { question }, label: 'Question' });
        card.ctx.toast('Question envoyée au client.');
        return null;
      },
    }),
  );
}

export function postpone(card) {
  if (card.dialogs.size) return; // a double tap opens one dialog
  const today = doualaDay(card.now());
  const first = defaultSlot(card.now());
  const day = h('input', { type: 'date', name: 'day', min: today, value: first.day, required: true });
  const from = h('input', { type: 'time', name: 'from', value: first.from, step: 900, required: true });
  const to = h('input', { type: 'time', name: 'to', value: first.to, step: 900, required: true });
  const note = h('textarea', { name: 'note', maxlength: 500, rows: 2 });
  card.track(
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
        if (Date.parse(slot.start) < card.now() - 60_000) return 'Ce créneau est déjà passé.';
        const body = { ...slot };
        if (note.value.trim()) body.note = note.value.trim();
        const label = `${day.value.split('-').reverse().join('/')} entre ${from.value} et ${to.value}`;
        const change = (r, kind) =>
          kind === 'detail'
            ? { ...r, slot_proposals: [...(r.slot_proposals ?? []), { id: 'local-' + card.now(), proposed_start: slot.start, proposed_end: slot.end, label, note: body.note ?? null, state: 'local' }] }
            : r;
        await card.act({ change, method: 'POST', suffix: '/postpone', body, label: 'Reporter' });
        card.ctx.toast('Nouveau créneau proposé au client.');
        return null;
      },
    }),
  );
}
