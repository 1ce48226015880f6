// "Absences": a month calendar of the days away, the absences under way and to come (and the last past ones), and
// the dialog to add one (the provider's new requests go to colleagues meanwhile).
import { fill, h, icon } from '/lib/dom.js';
import { absenceDays, absenceLabel, absenceRange, absenceState, monthTitle, monthWeeks, shiftMonth } from '/lib/calendar.js';
import { doualaDay, doualaParts } from '/lib/format.js';
import { WEEKDAYS, check, field } from '/screens/profil/common.js';

/** The absences section of profile screen `p`: `{ renderAbsences }`. The month shown is kept while the screen is open. */
export function absencesSection(p) {
  const { data, boxes, save, dialog } = p;

  let shownMonth = (() => {
    const parts = doualaParts(Date.now());
    return { year: parts.year, month: parts.month };
  })();

  function renderAbsences() {
    const list = data.absences;
    if (!list) return;
    const now = Date.now();
    const { year, month } = shownMonth;
    const weeks = monthWeeks(year, month, list, now);
    const sorted = list.slice().sort((a, b) => String(a.starts_at).localeCompare(String(b.starts_at)));
    const current = sorted.filter((a) => absenceState(a, now) !== 'passée');
    const past = sorted.filter((a) => absenceState(a, now) === 'passée').reverse().slice(0, 5);
    const item = (a) => {
      const state = absenceState(a, now);
      return h('li', { class: 'prof-absence' },
        h('div', { class: 'grow' },
          h('strong', { text: absenceLabel(a, now).replace(/^./, (c) => c.toUpperCase()) }), ' ',
          h('span', { class: 'tag' + (state === 'en cours' ? ' today' : ''), text: state }),
          a.reason ? h('div', { text: a.reason }) : null,
          h('div', { class: 'muted', text: a.notify_clients ? 'Clients prévenus' : 'Clients non prévenus' })),
        a.pending ? h('span', { class: 'badge pending', text: 'en attente' })
          : state !== 'passée' ? h('button', {
            class: 'btn ghost danger small', type: 'button', 'aria-label': `Supprimer l’absence ${absenceLabel(a, now)}`,
            onclick: () => dialog('Supprimer l’absence', [h('p', { text: `Supprimer l’absence ${absenceLabel(a, now)} ? Vos demandes vous seront de nouveau proposées ces jours-là.` })],
              async () => {
                await save('absences', { method: 'DELETE', path: '/provider/absences/' + encodeURIComponent(a.id), title: `Absence supprimée (${absenceLabel(a, now)})` },
                  (all) => all.filter((x) => x.id !== a.id));
              }, 'Supprimer'),
          }, icon('trash')) : null);
    };
    const go = (delta) => () => {
      shownMonth = shiftMonth(year, month, delta);
      renderAbsences();
      boxes.absences.querySelector(`[data-nav="${delta}"]`)?.focus();
    };
    const absentDays = weeks.flat().filter((c) => c.inMonth && c.absent).length;
    fill(boxes.absences,
      h('div', { class: 'prof-month' },
        h('button', { class: 'btn ghost small', type: 'button', 'aria-label': 'Mois précédent', dataset: { nav: '-1' }, onclick: go(-1) }, icon('back')),
        h('h3', { class: 'grow', 'aria-live': 'polite', text: monthTitle(year, month) }),
        h('button', { class: 'btn ghost small prof-next', type: 'button', 'aria-label': 'Mois suivant', dataset: { nav: '1' }, onclick: go(1) }, icon('back'))),
      h('table', { class: 'prof-cal' },
        h('caption', { class: 'sr-only', text: `Calendrier de ${monthTitle(year, month)} : ${absentDays} jour${absentDays > 1 ? 's' : ''} d’absence` }),
        h('thead', {}, h('tr', {}, WEEKDAYS.map((d) => h('th', { scope: 'col', abbr: d, text: d.slice(0, 2) })))),
        h('tbody', {}, weeks.map((week) => h('tr', {}, week.map((c) => h('td', {
          class: [c.inMonth ? '' : 'out', c.absent ? 'absent' : '', c.today ? 'today' : ''].filter(Boolean).join(' ') || null,
          'aria-label': c.absent ? `${c.date} : absent` : null,
        }, c.inMonth ? String(c.date) : '')))))),
      h('p', { class: 'prof-legend muted' }, h('span', { class: 'prof-key absent', 'aria-hidden': 'true' }), ' absent ', h('span', { class: 'prof-key today', 'aria-hidden': 'true' }), ' aujourd’hui'),
      h('h3', { text: 'En cours et à venir' }),
      current.length ? h('ul', { class: 'list' }, current.map(item)) : h('p', { class: 'muted', text: 'Aucune absence prévue.' }),
      h('div', { class: 'actions' }, h('button', { class: 'btn', type: 'button', onclick: absenceDialog }, icon('plus'), h('span', { text: 'Ajouter une absence' }))),
      past.length ? h('details', {}, h('summary', { text: 'Absences passées' }), h('ul', { class: 'list' }, past.map(item))) : null);
  }

  function absenceDialog() {
    const today = doualaDay(Date.now());
    dialog('Ajouter une absence', [
      field('Premier jour d’absence', h('input', { name: 'first', type: 'date', required: true, min: today, value: today })),
      field('Dernier jour d’absence', h('input', { name: 'last', type: 'date', required: true, min: today, value: today })),
      field('Motif (visible par vous seulement)', h('input', { name: 'reason', maxlength: '200', placeholder: 'Repos, formation, famille…' })),
      check('Prévenir mes clients en cours', { name: 'notify', checked: true }),
      h('p', { class: 'muted', text: 'Pendant l’absence, vos nouvelles demandes iront automatiquement à vos collègues.' }),
    ], async (form) => {
      const values = new FormData(form);
      const range = absenceRange(String(values.get('first') ?? ''), String(values.get('last') ?? ''));
      if (range.error) return range.error;
      if (Date.parse(range.end) <= Date.now()) return 'Cette absence est déjà passée.';
      const body = { start: range.start, end: range.end, reason: String(values.get('reason') ?? '').trim(), notify_clients: values.get('notify') === 'on' };
      const local = { id: 'local-' + Date.now(), starts_at: range.start, ends_at: range.end, reason: body.reason, notify_clients: body.notify_clients, pending: true };
      const first = absenceDays(local).first;
      shownMonth = { year: Number(first.slice(0, 4)), month: Number(first.slice(5, 7)) };
      await save('absences', { method: 'POST', path: '/provider/absences', body, title: `Absence ${absenceLabel(local)}` }, (all) => [...all, local]);
    }, 'Ajouter');
  }

  return { renderAbsences };
}
