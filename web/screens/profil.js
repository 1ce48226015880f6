// Profil: who I am (presentation, specialities, zones, rates), when I work (hours, away mode, absences calendar),
// how I am told (notifications, sound, summaries, request types), security, the offline action queue, logout.
// Reads from the phone's cache first; every change goes through the outbox and updates the cached copy at once.
import { absenceDays, absenceLabel, absenceRange, absenceState, addDays, monthTitle, monthWeeks, shiftMonth } from '/lib/calendar.js';
import { doualaDay, doualaParts, formatDate, formatDecimal, formatXAF, relativeTime } from '/lib/format.js';
import { currentState, disablePush, enablePush, rememberOffer } from '/lib/push.js';

/**
 * The choices of the profile editor come from the hub (`GET /provider/catalogue`: the quarters of the provider's hub, the
 * active services). These are the demo hub's, used only until the catalogue has been read once (first visit offline).
 */
let ZONES = [
  ['bonamoussadi-centre', 'Bonamoussadi Centre'], ['denver', 'Denver'], ['santa-barbara', 'Santa Barbara'], ['makepe', 'Makepe'],
  ['makepe-missoke', 'Makepe Missoké'], ['kotto', 'Kotto'], ['bangue', 'Bangue'], ['lycee', 'Lycée de Bonamoussadi'],
];
let SERVICES = [['plomberie', 'Plomberie'], ['electricite', 'Électricité'], ['electromenager', 'Réparation électroménager']];
const FREQUENCIES = [['daily', 'Quotidien'], ['weekly', 'Hebdomadaire'], ['monthly', 'Mensuel'], ['never', 'Jamais']];
const WEEKDAYS = ['Lundi', 'Mardi', 'Mercredi', 'Jeudi', 'Vendredi', 'Samedi', 'Dimanche'];
const KEYS = { profile: 'prof:profile', settings: 'prof:settings', availability: 'prof:availability', absences: 'prof:absences' };

export default {
  title: 'Profil',
  mount(root, ctx, param) {
    ctx.useStyle('/screens/profil.css');
    const { h, icon, fill } = ctx;
    let alive = true;
    const data = { profile: null, settings: null, availability: null, absences: null };
    let shownMonth = (() => {
      const p = doualaParts(Date.now());
      return { year: p.year, month: p.month };
    })();

    const card = (id, title, ...rest) => h('section', { class: 'card prof-section', id: 'profil-' + id, 'aria-labelledby': 'prof-' + id + '-title' },
      h('h2', { id: 'prof-' + id + '-title', text: title }), ...rest);
    const loading = () => h('p', { class: 'skeleton', text: 'Chargement…' });
    const boxes = { profile: h('div', {}, loading()), hours: h('div', {}, loading()), away: h('div', {}, loading()), absences: h('div', {}, loading()),
      settings: h('div', {}, loading()), device: h('div', { class: 'prof-device' }) };
    const outboxList = h('ul', { class: 'list prof-outbox', 'aria-live': 'polite' });
    const appInfo = h('div', {});
    fill(root,
      card('infos', 'Mon profil', boxes.profile),
      card('disponibilite', 'Disponibilité', boxes.away, boxes.hours),
      card('absences', 'Absences', boxes.absences),
      card('notifications', 'Notifications', boxes.settings, boxes.device),
      card('securite', 'Sécurité', h('p', { class: 'muted', text: 'Un mot de passe permet aussi de vous connecter avec votre e-mail, sans code WhatsApp.' }),
        h('div', { class: 'actions' }, h('button', { class: 'btn ghost', type: 'button', onclick: passwordDialog }, h('span', { text: 'Définir ou changer le mot de passe' })))),
      card('file', 'Actions en file', h('p', { class: 'muted', text: 'Vos actions faites hors connexion, envoyées au hub dans l’ordre dès que le réseau revient.' }), outboxList),
      card('application', 'Application', appInfo,
        h('div', { class: 'actions' }, h('button', { class: 'btn danger', type: 'button', onclick: logout }, h('span', { text: 'Se déconnecter' })))));

    const failed = (box, what) => (error) => alive && fill(box, h('p', { class: 'error', role: 'alert', text: `${what} : ${error.message}` }),
      h('button', { class: 'btn ghost small', type: 'button', text: 'Réessayer', onclick: reload }));

    /** Queues a write and updates the cached copy (shown at once, offline too). */
    let dirty = false;
    async function save(key, action, change) {
      dirty = true;
      await ctx.act(action);
      if (data[key] !== null && change) {
        data[key] = change(structuredClone(data[key]));
        await ctx.db.put('kv', KEYS[key], { data: data[key], at: Date.now() });
      }
      render(key);
      ctx.toast(ctx.online ? 'Enregistré.' : 'Enregistré sur le téléphone : envoi dès le retour du réseau.');
    }

    function render(key) {
      if (!alive) return;
      if (key === 'profile') renderProfile();
      if (key === 'settings') (renderHours(), renderSettings());
      if (key === 'availability') renderAway();
      if (key === 'absences') renderAbsences();
    }

    // MARK: Dialogs
    /** A modal form: `fields` are elements; `submit(form)` returns an error message or nothing to close. */
    function dialog(title, fields, submit, submitLabel = 'Enregistrer') {
      const error = h('p', { class: 'error', role: 'alert' });
      const form = h('form', { method: 'dialog', novalidate: true },
        h('h2', { text: title }), fields, error,
        h('div', { class: 'actions' },
          h('button', { class: 'btn ghost', type: 'button', text: 'Annuler', onclick: () => box.close() }),
          h('button', { class: 'btn', type: 'submit', text: submitLabel })));
      const box = h('dialog', { class: 'prof-dialog', 'aria-label': title }, form);
      form.addEventListener('submit', async (event) => {
        event.preventDefault();
        for (const button of form.querySelectorAll('button')) button.disabled = true;
        let message;
        try {
          message = await submit(form);
        } catch (e) {
          message = e?.message ?? 'Erreur inattendue.';
        }
        for (const button of form.querySelectorAll('button')) button.disabled = false;
        if (message) error.textContent = message;
        else box.close();
      });
      box.addEventListener('close', () => box.remove());
      root.append(box);
      box.showModal();
      form.querySelector('input, textarea, select')?.focus();
      return box;
    }
    const field = (label, input, hint) => h('label', { class: 'field' }, h('span', { text: label }), input, hint ? h('small', { class: 'muted prof-hint', text: hint }) : null);
    const check = (label, attrs) => h('label', { class: 'prof-check' }, h('input', { type: 'checkbox', ...attrs }), h('span', { text: label }));
    const toggle = (label, checked, onchange, note) => h('label', { class: 'prof-switch' },
      h('span', { class: 'grow' }, h('span', { text: label }), note ? h('small', { class: 'muted', text: note }) : null),
      h('input', { type: 'checkbox', role: 'switch', checked: Boolean(checked), onchange }));

    // MARK: Profile
    function renderProfile() {
      const p = data.profile;
      if (!p) return;
      const rating = p.average_rating == null ? 'pas encore noté' : `${formatDecimal(p.average_rating)} / 5 (${p.rating_count ?? 0} avis)`;
      fill(boxes.profile,
        h('div', { class: 'prof-head' },
          h('span', { class: 'prof-avatar', 'aria-hidden': 'true', text: (p.name ?? '?').split(/\s+/).map((w) => w[0]).slice(0, 2).join('').toUpperCase() }),
          h('div', { class: 'grow' },
            h('p', { class: 'prof-name', text: p.name ?? '' }),
            h('p', { class: 'muted' }, [p.level_label ? `Niveau ${p.level_label}` : null, rating].filter(Boolean).join(' · ')),
            p.account_status_label ? h('span', { class: 'tag' + (p.account_status === 'active' ? ' done' : ''), text: p.account_status_label }) : null)),
        h('dl', { class: 'prof-dl' },
          h('dt', { text: 'Téléphone' }), h('dd', { text: p.phone ?? '—' }),
          h('dt', { text: 'E-mail' }), h('dd', { text: p.email || '—' }),
          h('dt', { text: 'Présentation' }), h('dd', { text: p.bio || 'Aucune présentation : ajoutez-en une, les clients la lisent.' }),
          h('dt', { text: 'Spécialités et tarifs indicatifs' }),
          h('dd', {}, (p.services ?? []).length ? h('ul', { class: 'prof-plain' }, p.services.map((s) => h('li', {}, h('strong', { text: s.name }),
            s.rate_min || s.rate_max ? ` : de ${formatXAF(s.rate_min)} à ${formatXAF(s.rate_max)}` : ''))) : '—'),
          h('dt', { text: 'Quartiers d’intervention' }),
          h('dd', { text: (p.zones ?? []).map((z) => z.name + (z.code === p.home_zone?.code ? ' (base)' : '')).join(', ') || '—' }),
          h('dt', { text: 'Certifications' }),
          h('dd', {}, (p.certifications ?? []).length ? h('ul', { class: 'prof-plain' }, p.certifications.map((c) => h('li', { class: 'prof-cert' },
            h('span', { class: 'grow' }, h('strong', { text: c.title }), h('br'), [c.issuer, c.obtained_on ? 'obtenue le ' + formatDate(Date.parse(c.obtained_on + 'T12:00:00Z')).replace(/^\S+ /, '') : null].filter(Boolean).join(' · ')),
            c.pending ? h('span', { class: 'badge pending', text: 'en attente' }) : h('button', {
              class: 'btn ghost danger small', type: 'button', 'aria-label': `Retirer la certification « ${c.title} »`,
              onclick: () => save('profile', { method: 'PUT', path: '/provider/profile', body: { remove_certification_ids: [c.id] }, title: `Certification retirée : ${c.title}` },
                (prof) => ({ ...prof, certifications: prof.certifications.filter((x) => x.id !== c.id) })),
            }, icon('trash'))))) : '—'),
          p.member_since ? h('dt', { text: 'Membre depuis' }) : null, p.member_since ? h('dd', { text: formatDate(p.member_since) }) : null),
        h('div', { class: 'actions' },
          h('button', { class: 'btn', type: 'button', onclick: profileDialog }, h('span', { text: 'Modifier le profil' })),
          h('button', { class: 'btn ghost', type: 'button', onclick: certificationDialog }, icon('plus'), h('span', { text: 'Ajouter une certification' }))));
    }

    function profileDialog() {
      const p = data.profile;
      if (!p) return;
      const mine = new Map((p.services ?? []).map((s) => [s.code, s]));
      const zones = new Set((p.zones ?? []).map((z) => z.code));
      const allZones = [...ZONES, ...(p.zones ?? []).filter((z) => !ZONES.some(([c]) => c === z.code)).map((z) => [z.code, z.name])];
      const allServices = [...SERVICES, ...(p.services ?? []).filter((s) => !SERVICES.some(([c]) => c === s.code)).map((s) => [s.code, s.name])];
      const money = (name, value) => h('input', { name, type: 'number', inputmode: 'numeric', min: '0', step: '100', value: value ? String(value) : '' });
      dialog('Modifier le profil', [
        field('Nom affiché', h('input', { name: 'name', required: true, autocomplete: 'name', value: p.name ?? '' })),
        field('E-mail', h('input', { name: 'email', type: 'email', autocomplete: 'email', value: p.email ?? '' })),
        field('Présentation', h('textarea', { name: 'bio', maxlength: '1000', rows: '5', text: p.bio ?? '' }), 'Votre expérience, vos points forts, vos conditions.'),
        h('fieldset', {}, h('legend', { text: 'Spécialités et tarifs indicatifs (FCFA)' }),
          allServices.map(([code, name]) => h('div', { class: 'prof-service' },
            check(name, { name: 'service', value: code, checked: mine.has(code) }),
            h('div', { class: 'prof-rates' },
              field('Dès', money('min-' + code, mine.get(code)?.rate_min)),
              field('Jusqu’à', money('max-' + code, mine.get(code)?.rate_max)))))),
        h('fieldset', {}, h('legend', { text: 'Quartiers d’intervention' }),
          allZones.map(([code, name]) => check(name, { name: 'zone', value: code, checked: zones.has(code) }))),
        field('Quartier de base', h('select', { name: 'home_zone' }, allZones.map(([code, name]) => h('option', { value: code, selected: code === p.home_zone?.code, text: name })))),
      ], async (form) => {
        const values = new FormData(form);
        const name = String(values.get('name') ?? '').trim();
        if (!name) return 'Indiquez votre nom.';
        const services = values.getAll('service').map(String);
        const zoneCodes = values.getAll('zone').map(String);
        if (!services.length) return 'Choisissez au moins une spécialité.';
        if (!zoneCodes.length) return 'Choisissez au moins un quartier.';
        const homeZone = String(values.get('home_zone'));
        if (!zoneCodes.includes(homeZone)) return 'Le quartier de base doit faire partie de vos quartiers.';
        const rates = [];
        for (const code of services) {
          const min = values.get('min-' + code) === '' ? null : Number(values.get('min-' + code));
          const max = values.get('max-' + code) === '' ? null : Number(values.get('max-' + code));
          if (min != null && max != null && min > max) return 'Un tarif minimum dépasse le maximum.';
          const rate = { service_code: code };
          if (min != null) rate.rate_min = Math.round(min);
          if (max != null) rate.rate_max = Math.round(max);
          rates.push(rate);
        }
        const body = { name, bio: String(values.get('bio') ?? '').trim(), services, zones: zoneCodes, home_zone: homeZone, rates };
        const email = String(values.get('email') ?? '').trim();
        if (email && email !== p.email) body.email = email;
        const zoneName = (code) => allZones.find(([c]) => c === code)?.[1] ?? code;
        await save('profile', { method: 'PUT', path: '/provider/profile', body, title: 'Profil modifié' }, (prof) => ({
          ...prof, name, bio: body.bio, email: email || prof.email,
          zones: zoneCodes.map((code) => ({ code, name: zoneName(code) })), home_zone: { code: homeZone, name: zoneName(homeZone) },
          services: rates.map((r) => ({ code: r.service_code, name: allServices.find(([c]) => c === r.service_code)?.[1] ?? r.service_code, rate_min: r.rate_min ?? null, rate_max: r.rate_max ?? null })),
        }));
      });
    }

    function certificationDialog() {
      dialog('Ajouter une certification', [
        field('Intitulé', h('input', { name: 'title', required: true })),
        field('Organisme', h('input', { name: 'issuer' })),
        field('Obtenue le', h('input', { name: 'obtained_on', type: 'date', max: doualaDay(Date.now()) })),
      ], async (form) => {
        const values = new FormData(form);
        const cert = { title: String(values.get('title') ?? '').trim() };
        if (!cert.title) return 'Indiquez l’intitulé.';
        if (values.get('issuer')) cert.issuer = String(values.get('issuer')).trim();
        if (values.get('obtained_on')) cert.obtained_on = String(values.get('obtained_on'));
        await save('profile', { method: 'PUT', path: '/provider/profile', body: { add_certifications: [cert] }, title: `Certification ajoutée : ${cert.title}` },
          (prof) => ({ ...prof, certifications: [...(prof.certifications ?? []), { ...cert, id: 'local-' + Date.now(), pending: true }] }));
      }, 'Ajouter');
    }

    // MARK: Availability: away mode and working hours
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

    // MARK: Absences
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

    // MARK: Notification settings
    function renderSettings() {
      const s = data.settings;
      if (!s) return;
      const put = (body, title, change) => save('settings', { method: 'PUT', path: '/provider/settings', body, title }, (x) => ({ ...x, ...body, ...(change ?? {}) }));
      const offered = (data.profile?.services ?? []).map((x) => [x.code, x.name]);
      // An empty list means every service the provider offers.
      const types = new Set((s.request_types ?? []).length ? s.request_types : offered.map(([code]) => code));
      const typeChoices = offered.length ? offered : SERVICES.filter(([code]) => types.has(code));
      fill(boxes.settings,
        toggle('Notifications', s.notifications_enabled, (e) => put({ notifications_enabled: e.currentTarget.checked }, `Notifications ${e.currentTarget.checked ? 'activées' : 'désactivées'}`),
          'Pour tout votre compte : nouvelles demandes, paiements, rappels.'),
        toggle('Son pour les nouvelles demandes', s.notification_sound && localStorage.getItem('djobea.sound') !== 'off', (e) => {
          const on = e.currentTarget.checked;
          localStorage.setItem('djobea.sound', on ? 'on' : 'off');
          put({ notification_sound: on }, `Son des nouvelles demandes ${on ? 'activé' : 'désactivé'}`);
        }),
        toggle('Accepter d’office mes clients habituels', s.auto_accept_familiar_clients, (e) => put({ auto_accept_familiar_clients: e.currentTarget.checked },
          `Acceptation d’office ${e.currentTarget.checked ? 'activée' : 'désactivée'}`)),
        field('Résumé d’activité', h('select', {
          name: 'summary_frequency',
          onchange: (e) => {
            const code = e.currentTarget.value;
            const label = FREQUENCIES.find(([c]) => c === code)?.[1] ?? code;
            put({ summary_frequency: code }, `Résumé d’activité : ${label.toLowerCase()}`, { summary_frequency_label: label });
          },
        }, FREQUENCIES.map(([code, label]) => h('option', { value: code, selected: code === s.summary_frequency, text: label })))),
        h('fieldset', {}, h('legend', { text: 'Types de demandes à recevoir' }),
          typeChoices.map(([code, name]) => check(name, {
            name: 'type', value: code, checked: types.has(code),
            onchange: (e) => {
              const next = new Set(types);
              if (e.currentTarget.checked) next.add(code);
              else next.delete(code);
              if (!next.size) {
                e.currentTarget.checked = true;
                ctx.toast('Gardez au moins un type de demande.');
                return;
              }
              put({ request_types: [...next] }, `Types de demandes : ${[...next].map((c) => typeChoices.find(([x]) => x === c)?.[1] ?? c).join(', ')}`);
            },
          }))));
      // Keep the app's sound player in step with the hub's setting.
      if (!localStorage.getItem('djobea.sound')) localStorage.setItem('djobea.sound', s.notification_sound ? 'on' : 'off');
    }

    // MARK: This device's notifications (Web Push), apart from the account's setting above
    /** Why the switch is off and cannot be turned on, or what it does. */
    const DEVICE_NOTES = {
      unsupported: 'Ce navigateur ne reçoit pas de notifications. Sur iPhone, ajoutez d’abord l’application à l’écran d’accueil.',
      denied: 'Bloquées dans les réglages du navigateur pour ce site : autorisez les notifications pour pouvoir les activer.',
      on: 'Nouvelles demandes et messages des clients, même application fermée.',
      off: 'Nouvelles demandes et messages des clients, même application fermée. Seulement sur ce téléphone.',
    };
    let deviceBusy = false;
    function renderDevice(state) {
      if (!alive) return;
      const locked = state === 'unsupported' || state === 'denied';
      const input = h('input', {
        type: 'checkbox', role: 'switch', name: 'device_push', checked: state === 'on', disabled: locked, 'aria-busy': deviceBusy ? 'true' : null,
        'aria-describedby': 'prof-device-note',
        onchange: (event) => toggleDevice(event.currentTarget.checked),
      });
      const focused = boxes.device.contains(document.activeElement);
      fill(boxes.device,
        h('h3', { text: 'Sur cet appareil' }),
        h('label', { class: 'prof-switch' + (locked ? ' locked' : '') },
          h('span', { class: 'grow' }, h('span', { text: 'Notifications sur cet appareil' }),
            h('small', { id: 'prof-device-note', class: locked ? 'prof-locked' : 'muted', role: 'status',
              text: deviceBusy ? 'Un instant…' : DEVICE_NOTES[state] ?? DEVICE_NOTES.off })),
          input));
      if (focused) input.focus({ preventScroll: true });
    }
    function toggleDevice(on) {
      if (deviceBusy) return renderDevice(on ? 'off' : 'on'); // a second tap while the first is under way: no change
      deviceBusy = true;
      // enablePush asks the browser's permission first, in this tap.
      const change = on ? enablePush(ctx.api) : disablePush(ctx.api);
      renderDevice(on ? 'on' : 'off');
      change
        .then(() => {
          if (on) rememberOffer('done');
          ctx.toast(on ? 'Notifications activées sur cet appareil.' : 'Notifications désactivées sur cet appareil.');
        })
        .catch((error) => ctx.toast(error?.message || 'Impossible de changer les notifications de cet appareil.'))
        .finally(async () => {
          deviceBusy = false;
          renderDevice(await currentState(ctx.api).catch(() => 'off'));
        });
    }
    function loadDevice() {
      currentState(ctx.online ? ctx.api : null).then(renderDevice, () => renderDevice('off'));
    }

    // MARK: Security
    function passwordDialog() {
      dialog('Mot de passe', [
        h('p', { class: 'muted', text: 'Au moins 8 caractères. Il sert à vous connecter avec votre e-mail.' }),
        field('Nouveau mot de passe', h('input', { name: 'password', type: 'password', autocomplete: 'new-password', required: true, minlength: '8' })),
        field('Confirmez le mot de passe', h('input', { name: 'confirm', type: 'password', autocomplete: 'new-password', required: true })),
      ], async (form) => {
        const values = new FormData(form);
        const password = String(values.get('password') ?? '');
        if (password.length < 8) return 'Le mot de passe doit faire au moins 8 caractères.';
        if (password !== values.get('confirm')) return 'Les deux mots de passe diffèrent.';
        if (!ctx.online) return 'Pas de connexion : le mot de passe n’est jamais gardé sur le téléphone. Réessayez avec du réseau.';
        // Sent directly, not through the outbox: a password must not wait in the phone's storage.
        try {
          await ctx.api.request('POST', '/provider/auth/password', { body: { password } });
        } catch (error) {
          return error.message;
        }
        ctx.toast('Mot de passe enregistré.');
        return null;
      });
    }

    // MARK: Outbox, app, logout
    function renderApp() {
      const last = Number(localStorage.getItem('djobea.lastSync')) || null;
      const script = document.querySelector('script[type=module][src]')?.getAttribute('src') ?? '';
      const version = script.match(/app\.([0-9a-f]{6,})\.js/)?.[1] ?? 'développement';
      ctx.requests.all().then((items) => alive && fill(appInfo, h('dl', { class: 'prof-dl' },
        h('dt', { text: 'Version' }), h('dd', { text: version }),
        h('dt', { text: 'Dernière synchronisation' }), h('dd', { text: last ? `${relativeTime(last, Date.now())} (${formatDate(last)})` : 'jamais' }),
        h('dt', { text: 'Sur le téléphone' }), h('dd', { text: `${items.length} demande${items.length > 1 ? 's' : ''} disponibles hors connexion` }),
        h('dt', { text: 'Réseau' }), h('dd', { text: ctx.online ? 'connecté' : 'hors connexion' })))).catch(() => {});
    }

    async function logout() {
      const pending = (await ctx.outbox.list()).filter((item) => item.state === 'pending').length;
      const warning = pending ? `${pending} action${pending > 1 ? 's' : ''} pas encore envoyée${pending > 1 ? 's' : ''} au hub. ` : '';
      dialog('Se déconnecter', [h('p', { text: `${warning}Voulez-vous vraiment vous déconnecter de ce téléphone ?` })], async () => {
        ctx.logout();
        return null;
      }, 'Se déconnecter');
    }

    // MARK: Loading
    function loadAll() {
      ctx.load('profil.catalogue', '/provider/catalogue', (d) => {
        if (d?.zones?.length) ZONES = d.zones.map((z) => [z.code, z.name]);
        if (d?.services?.length) SERVICES = d.services.map((x) => [x.code, x.name]);
      });
      ctx.load(KEYS.profile, '/provider/profile', (d) => ((data.profile = d), renderProfile(), renderSettings()), failed(boxes.profile, 'Profil indisponible'));
      ctx.load(KEYS.settings, '/provider/settings', (d) => ((data.settings = d), renderHours(), renderSettings()), failed(boxes.settings, 'Paramètres indisponibles'));
      ctx.load(KEYS.availability, '/provider/availability', (d) => ((data.availability = d), renderAway()), failed(boxes.away, 'Disponibilité indisponible'));
      return ctx.load(KEYS.absences, '/provider/absences', (d) => ((data.absences = Array.isArray(d) ? d : d?.items ?? []), renderAbsences()), failed(boxes.absences, 'Absences indisponibles'));
    }
    function reload() {
      if (!alive) return;
      loadAll();
      if (!deviceBusy) loadDevice();
      ctx.renderOutbox(outboxList);
      renderApp();
    }
    reload();
    if (param) {
      const target = root.querySelector('#profil-' + CSS.escape(param));
      if (target) requestAnimationFrame(() => target.scrollIntoView({ block: 'start' }));
    }
    const offs = [
      ctx.on('refresh', reload),
      ctx.on('outbox', (items) => {
        ctx.renderOutbox(outboxList);
        renderApp();
        // Once my writes have reached the hub, show its copy (real ids, labels it computed).
        const mine = /^\/provider\/(profile|settings|availability|absences)/;
        if (dirty && !(items ?? []).some((item) => item.state === 'pending' && mine.test(item.path))) {
          dirty = false;
          loadAll();
        }
      }),
      ctx.on('touched', (names) => (names ?? []).some((n) => /profile|settings|availability|absence/.test(n)) && loadAll()),
    ];
    const onNetwork = () => renderApp();
    addEventListener('online', onNetwork);
    addEventListener('offline', onNetwork);
    return () => {
      alive = false;
      for (const off of offs) off();
      removeEventListener('online', onNetwork);
      removeEventListener('offline', onNetwork);
      for (const open of root.querySelectorAll('dialog[open]')) open.close();
    };
  },
};
