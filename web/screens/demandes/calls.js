// The request card's calls: a tap on "Appeler" or "WhatsApp" is remembered (also across a reload: Android may kill the
// app during a call); back in the app, the provider is offered to note it with its duration. Notes can be edited.
import { h } from '/lib/dom.js';
import { field, openDialog } from '/lib/ui.js';
import { formatDateTime, formatTime } from '/lib/format.js';
import { CALL_DIRECTION } from '/screens/demandes/common.js';

const PENDING_CALL_KEY = 'call.pending';

export function rememberCall(card, channel) {
  const pending = { id: card.id, channel, started_at: card.now() };
  card.ctx.db.put('kv', PENDING_CALL_KEY, pending).catch(() => {});
}

/** Back from a call started on this card (at least 3 s ago, at most 6 h): the note dialog, once. */
export async function offerPendingCall(card) {
  const pending = await card.ctx.db.get('kv', PENDING_CALL_KEY).catch(() => null);
  if (!pending || pending.id !== card.id || !card.alive || card.dialogs.size) return;
  const age = card.now() - pending.started_at;
  if (age < 3000) return; // the page is just being hidden
  await card.ctx.db.delete('kv', PENDING_CALL_KEY).catch(() => {});
  if (age > 6 * 3600_000) return;
  logCall(card, pending);
}

export function logCall(card, pending) {
  if (card.dialogs.size) return; // a double tap opens one dialog
  const now = card.now;
  const started = pending ? pending.started_at : now();
  const minutes = pending ? Math.max(1, Math.round((now() - started) / 60_000)) : 1;
  const duration = h('input', { type: 'number', name: 'minutes', min: 0, max: 600, step: 1, value: minutes, inputmode: 'numeric', required: true });
  const direction = h(
    'select',
    { name: 'direction' },
    Object.entries(CALL_DIRECTION).map(([code, label]) => h('option', { value: code, text: label })),
  );
  const note = h('textarea', { name: 'note', maxlength: 500, rows: 3, placeholder: 'Ce qui a été convenu…' });
  card.track(
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
        const change = (r, kind) =>
          kind === 'detail'
            ? { ...r, calls: [...(r.calls ?? []), { id: 'local-' + now(), ...body, duration_label: `${Math.round(seconds / 60)} min`, note: body.note ?? null }] }
            : r;
        await card.act({ change, method: 'POST', suffix: '/calls', body, label: 'Appel noté' });
        card.ctx.toast('Appel noté au dossier.');
        return null;
      },
    }),
  );
}

export function editNote(card, call) {
  if (card.dialogs.size) return; // a double tap opens one dialog
  const note = h('textarea', { name: 'note', maxlength: 500, rows: 4, text: call.note ?? '' });
  card.track(
    openDialog({
      title: 'Note de l’appel',
      submitLabel: 'Enregistrer',
      body: [h('p', { class: 'muted', text: `${CALL_DIRECTION[call.direction] ?? ''} du ${formatDateTime(call.started_at)}` }), field('Note', note)],
      submit: async () => {
        const value = note.value.trim();
        const change = (r, kind) => (kind === 'detail' ? { ...r, calls: (r.calls ?? []).map((c) => (c.id === call.id ? { ...c, note: value || null } : c)) } : r);
        await card.act({ change, method: 'PUT', suffix: `/calls/${encodeURIComponent(call.id)}`, body: { note: value }, label: 'Note d’appel' });
        card.ctx.toast('Note enregistrée.');
        return null;
      },
    }),
  );
}
