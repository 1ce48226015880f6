// "Disponibilité": the away mode (until a return date, with a message for clients) and the working hours.
import { fill, h, icon } from '/lib/dom.js';
import { addDays } from '/lib/calendar.js';
import { doualaDay, formatDate } from '/lib/format.js';
import { WEEKDAYS, check, field, toggle } from '/screens/profil/common.js';

/** The availability section of profile screen `p`: `{ renderAway, renderHours }`. */
export function availabilitySection(p) {
  const { data, boxes, save, dialog } = p;

  function renderAway() {
    const a = data.availability;
    if (!a) return;
    const until = a.away_until ? ` jusqu’au ${formatDate(a.away_until)}` : '';
    fill(boxes.away,
      h('p', {}, h('span', { class: 'muted', text: 'État actuel : ' }), h('strong', { text: a.status_label ?? (a.away_mode ? 'Absent' : 'Disponible') })),
      toggle('Mode absent', a.away_mode, (event) => {
        const input = event.currentTarget;
        if (input.checked) {
          input.checked = false;
          awayDialog();
        } else {
          save('availability', { method: 'POST', path: '/provider/availability', body: { away: false }, title: 'Mode absent désactivé' },
            (av) => ({ ...av, away_mode: false, away_until: null, away_message: null, status: 'available', status_label: 'Disponible' }));
        }
      }, a.away_mode ? `Vos demandes vont à vos collègues${until}.` : 'Vos nouvelles demandes iront à vos collègues.'),
      a.away_mode && a.away_message ? h('p', { class: 'prof-quote', text: `« ${a.away_message} »` }) : null);
  }

  function awayDialog() {
    const tomorrow = addDays(doualaDay(Date.now()), 1);
    dialog('Mode absent', [
      h('p', { class: 'muted', text: 'Pendant votre absence, les nouvelles demandes sont proposées à vos collègues. Le mode absent s’arrête seul à la date de retour.' }),
      field('Retour le', h('input', { name: 'until', type: 'date', required: true, min: tomorrow, max: addDays(tomorrow, 89), value: tomorrow })),
      field('Heure de retour', h('input', { name: 'time', type: 'time', value: '08:00' })),
      field('Message pour vos clients', h('textarea', { name: 'message', maxlength: '300', rows: '3', text: 'Je suis absent, je reviens bientôt.' })),
    ], async (form) => {
      const values = new FormData(form);
      const day = String(values.get('until') ?? '');
      if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return 'Choisissez la date de retour.';
      const [hh, mm] = String(values.get('time') || '08:00').split(':').map(Number);
      const until = new Date(Date.parse(day + 'T00:00:00Z') - 3600000 + ((hh || 0) * 60 + (mm || 0)) * 60000);
      if (until.getTime() <= Date.now()) return 'La date de retour doit être future.';
      const message = String(values.get('message') ?? '').trim();
      await save('availability', { method: 'POST', path: '/provider/availability', body: { away: true, until: until.toISOString(), message }, title: `Mode absent jusqu’au ${formatDate(until)}` },
        (av) => ({ ...av, away_mode: true, away_until: until.toISOString(), away_message: message, status: 'away', status_label: 'Absent' }));
    }, 'Activer');
  }

  function renderHours() {
    const wh = data.settings?.working_hours;
    if (!wh) return;
    const days = (wh.days ?? []).slice().sort();
    const text = days.length === 7 ? 'Tous les jours' : days.map((d) => WEEKDAYS[d - 1]).join(', ') || 'Aucun jour';
    fill(boxes.hours,
      h('h3', { text: 'Horaires de travail' }),
      h('p', {}, h('strong', { text: `${wh.start} – ${wh.end}` }), h('br'), text),
      h('div', { class: 'actions' }, h('button', { class: 'btn ghost', type: 'button', onclick: hoursDialog }, icon('clock'), h('span', { text: 'Modifier les horaires' }))));
  }

  function hoursDialog() {
    const wh = data.settings?.working_hours ?? { start: '08:00', end: '18:00', days: [1, 2, 3, 4, 5, 6] };
    dialog('Horaires de travail', [
      h('fieldset', {}, h('legend', { text: 'Jours travaillés' }),
        h('div', { class: 'prof-days' }, WEEKDAYS.map((name, i) => check(name, { name: 'day', value: String(i + 1), checked: (wh.days ?? []).includes(i + 1) })))),
      h('div', { class: 'prof-rates' },
        field('Début', h('input', { name: 'start', type: 'time', required: true, value: wh.start })),
        field('Fin', h('input', { name: 'end', type: 'time', required: true, value: wh.end }))),
    ], async (form) => {
      const values = new FormData(form);
      const hours = { start: String(values.get('start')), end: String(values.get('end')), days: values.getAll('day').map(Number) };
      if (!hours.days.length) return 'Choisissez au moins un jour.';
      if (!hours.start || !hours.end || hours.end <= hours.start) return 'L’heure de fin doit suivre l’heure de début.';
      await save('settings', { method: 'PUT', path: '/provider/settings', body: { working_hours: hours }, title: `Horaires : ${hours.start} – ${hours.end}` },
        (s) => ({ ...s, working_hours: hours }));
    });
  }

  return { renderAway, renderHours };
}
