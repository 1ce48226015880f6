// "Notifications": the account's settings (notifications, sound, auto-accept of familiar clients, activity summary,
// request types) and, apart from them, this device's Web Push switch.
import { fill, h } from '/lib/dom.js';
import { currentState, disablePush, enablePush, rememberOffer } from '/lib/push.js';
import { FREQUENCIES, catalogue, check, field, toggle } from '/screens/profil/common.js';

/** The notifications section of profile screen `p`: `{ renderSettings, reloadDevice }`. */
export function notificationsSection(p) {
  const { ctx, data, boxes, save } = p;

  function renderSettings() {
    const s = data.settings;
    if (!s) return;
    const put = (body, title, change) => save('settings', { method: 'PUT', path: '/provider/settings', body, title }, (x) => ({ ...x, ...body, ...(change ?? {}) }));
    const offered = (data.profile?.services ?? []).map((x) => [x.code, x.name]);
    // An empty list means every service the provider offers.
    const types = new Set((s.request_types ?? []).length ? s.request_types : offered.map(([code]) => code));
    const typeChoices = offered.length ? offered : catalogue.services.filter(([code]) => types.has(code));
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

  /** Why the switch is off and cannot be turned on, or what it does. */
  const DEVICE_NOTES = {
    unsupported: 'Ce navigateur ne reçoit pas de notifications. Sur iPhone, ajoutez d’abord l’application à l’écran d’accueil.',
    denied: 'Bloquées dans les réglages du navigateur pour ce site : autorisez les notifications pour pouvoir les activer.',
    on: 'Nouvelles demandes et messages des clients, même application fermée.',
    off: 'Nouvelles demandes et messages des clients, même application fermée. Seulement sur ce téléphone.',
  };
  let deviceBusy = false;
  function renderDevice(state) {
    if (!p.alive) return;
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

  return { renderSettings, reloadDevice: () => deviceBusy || loadDevice() };
}
