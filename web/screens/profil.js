// Profil: who I am (presentation, specialities, zones, rates), when I work (hours, away mode, absences calendar),
// how I am told (notifications, sound, summaries, request types), security, the offline action queue, logout.
// Reads from the phone's cache first; every change goes through the outbox and updates the cached copy at once.
import { formatDate, relativeTime } from '/lib/format.js';
import { KEYS, catalogue, dialogIn, field } from '/screens/profil/common.js';
import { profileSection } from '/screens/profil/profile.js';
import { availabilitySection } from '/screens/profil/availability.js';
import { absencesSection } from '/screens/profil/absences.js';
import { notificationsSection } from '/screens/profil/notifications.js';

export default {
  title: 'Profil',
  mount(root, ctx, param) {
    ctx.useStyle('/screens/profil.css');
    const { h, icon, fill } = ctx;
    let alive = true;
    const data = { profile: null, settings: null, availability: null, absences: null };

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

    /**
     * A write through the one action path: the cached copy changed at once (offline too), then the outbox; the phone
     * failing to queue it puts the copy back. Once the writes reach the hub, its copy is read again (below).
     */
    let dirty = false;
    async function save(key, action, change) {
      dirty = true;
      const before = data[key];
      const store = (value) => ctx.db.put('kv', KEYS[key], { data: value, at: Date.now() });
      await ctx.perform({
        optimistic: async () => {
          if (before === null || !change) return;
          data[key] = change(structuredClone(before));
          await store(data[key]);
        },
        action,
        rollback: async () => {
          if (before === null || !change) return;
          data[key] = before;
          await store(before).catch(() => {});
          render(key);
        },
      });
      render(key);
      ctx.toast(ctx.online ? 'Enregistré.' : 'Enregistré sur le téléphone : envoi dès le retour du réseau.');
    }

    /** The state the sections share. */
    const p = { ctx, data, boxes, save, dialog: dialogIn(root), get alive() { return alive; } };
    const dialog = p.dialog;
    const { renderProfile } = profileSection(p);
    const { renderAway, renderHours } = availabilitySection(p);
    const { renderAbsences } = absencesSection(p);
    const { renderSettings, reloadDevice } = notificationsSection(p);

    function render(key) {
      if (!alive) return;
      if (key === 'profile') renderProfile();
      if (key === 'settings') (renderHours(), renderSettings());
      if (key === 'availability') renderAway();
      if (key === 'absences') renderAbsences();
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
        if (d?.zones?.length) catalogue.zones = d.zones.map((z) => [z.code, z.name]);
        if (d?.services?.length) catalogue.services = d.services.map((x) => [x.code, x.name]);
      });
      ctx.load(KEYS.profile, '/provider/profile', (d) => ((data.profile = d), renderProfile(), renderSettings()), failed(boxes.profile, 'Profil indisponible'));
      ctx.load(KEYS.settings, '/provider/settings', (d) => ((data.settings = d), renderHours(), renderSettings()), failed(boxes.settings, 'Paramètres indisponibles'));
      ctx.load(KEYS.availability, '/provider/availability', (d) => ((data.availability = d), renderAway()), failed(boxes.away, 'Disponibilité indisponible'));
      return ctx.load(KEYS.absences, '/provider/absences', (d) => ((data.absences = Array.isArray(d) ? d : d?.items ?? []), renderAbsences()), failed(boxes.absences, 'Absences indisponibles'));
    }
    function reload() {
      if (!alive) return;
      loadAll();
      reloadDevice();
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
