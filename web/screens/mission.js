// "Suivi de mission" (#mission/<request id>): the stages Arrivé → Diagnostic → Réparation → Terminé, the work timer,
// before/after photos (compressed on the phone, resumable upload), materials and costs, the payment request and the
// payment received. Works offline: every write goes through ctx.act with an optimistic change of the local copy.
import { fill, h, icon } from '/lib/dom.js';
import { field, openDialog, place, refusalNotices, rerender } from '/lib/ui.js';
import { formatDateTime, formatXAF, relativeTime } from '/lib/format.js';
import { afterStage, answeredSince, canRequestPayment, concerns, correctRefusals, currentStatus, isWorkOpen, nextStage, stepper } from '/lib/mission.js';
import { compressImage, formatBytes } from '/lib/photo.js';
import { applyTap, elapsedSeconds, formatHMS, isRunning, mergeTimer, spokenDuration, start, stop, timerPending } from '/lib/timer.js';

const METHODS = [
  { code: 'cash', label: 'Espèces' },
  { code: 'mtn_momo', label: 'MTN Mobile Money' },
  { code: 'orange_money', label: 'Orange Money' },
];

export default {
  title: 'Suivi de mission',
  mount(root, ctx, id) {
    ctx.useStyle('/screens/demandes.css');
    ctx.useStyle('/screens/mission.css');
    if (!id) {
      ctx.navigate('#demandes');
      return undefined;
    }
    return mountMission(root, ctx, id);
  },
};

/** A whole number of francs typed by the provider ("15 000", "15000 F") → 15000; NaN when not a number. */
function francs(text) {
  const cleaned = String(text ?? '').replace(/[\s\u00A0\u202F.]/g, '').replace(/f(cfa)?$/i, '');
  return /^\d{1,9}$/.test(cleaned) ? Number(cleaned) : Number.NaN;
}

function mountMission(root, ctx, id) {
  const path = '/provider/requests/' + encodeURIComponent(id);
  const timerKey = 'timer:' + id;
  let detail = null;
  let fresh = false;
  let alive = true;
  let failed = null;
  let timer = null; // the merged timer state
  let localPhotos = [];
  let refusals = []; // refused outbox items of this request, shown until the provider dismisses them
  const dialogs = new Set();
  const urls = new Map(); // photo key → object URL
  const busy = new Set(); // controls whose action is being queued (data-busy keys)
  /** The app's one upload queue (run by the core at startup, online, after a refresh or an outbox flush). */
  const uploads = ctx.uploads;
  /** Now on the hub's clock: every time sent to the hub (timer taps, photo times) uses it, never the phone's. */
  const now = () => (typeof ctx.now === 'function' ? ctx.now() : Date.now());

  const back = h('a', { class: 'btn ghost small back', href: '#demandes/' + encodeURIComponent(id) }, icon('back'), 'Fiche de la demande');
  const body = h('div', { class: 'mission' });
  fill(root, back, body);
  fill(body, h('p', { class: 'card muted skeleton', text: 'Chargement de la mission…' }));

  const track = (dialog) => {
    dialogs.add(dialog);
    dialog.addEventListener('close', () => dialogs.delete(dialog));
    return dialog;
  };
  const title = () => detail?.title || 'la mission';

  /**
   * Runs `task` once at a time per `key`: the controls marked `data-busy="<key>"` stay disabled until the action is
   * queued and the local copy changed, and a second tap meanwhile is ignored (no duplicate with a new idempotency key).
   */
  async function guard(key, task) {
    if (busy.has(key)) return undefined;
    busy.add(key);
    markBusy();
    try {
      return await task();
    } finally {
      busy.delete(key);
      markBusy();
    }
  }
  function markBusy() {
    for (const element of body.querySelectorAll('[data-busy]')) element.disabled = busy.has(element.dataset.busy);
  }

  // MARK: Local copy

  async function applyLocal(change) {
    const item = await ctx.db.get('requests', id);
    if (item) await ctx.db.put('requests', id, change({ ...item }, 'item'));
    const cached = await ctx.db.get('kv', 'detail:' + id);
    if (cached?.data) {
      const data = change({ ...cached.data }, 'detail');
      await ctx.db.put('kv', 'detail:' + id, { ...cached, data });
      detail = data;
    } else detail = change({ ...detail }, 'detail');
    ctx.emit?.('requests', { changed: [id], removed: [], touched: [], local: true });
    render();
  }

  /**
   * Queues an action. Callers change the local copy first (applyLocal), then act: the hub's answer (a refusal, or a
   * reload once sent) always comes after the optimistic change. The phone's store failing to queue it: the hub's copy
   * is shown again.
   */
  async function act(method, suffix, requestBody, label) {
    try {
      return await ctx.act({ method, path: path + suffix, body: requestBody, title: `${label} « ${title()} »`, requestId: id });
    } catch (error) {
      await ctx.db.delete('kv', 'detail:' + id).catch(() => {});
      load();
      throw error;
    }
  }

  // MARK: Refusals

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

  function readOutbox(items) {
    refusals = (items ?? []).filter((item) => item.state === 'refused' && concerns(item, path));
  }

  /** Refused actions: the optimistic copy goes, the hub's detail comes back, the list item follows it. */
  const fixing = new Set();
  async function correct(items, announce) {
    const results = await correctRefusals(ctx, items, { path, fixing }).catch(() => []);
    if (!alive) return results;
    for (const result of results) {
      if (announce) ctx.toast(`Refusé par le hub : ${result.refusals.map((item) => item.reason || 'action refusée').join(' ; ')}`);
      if (result.detail) {
        detail = result.detail;
        fresh = true;
        failed = null;
        await loadTimer();
      } else if (result.error?.status === 404) {
        detail = null;
        failed = 'Cette mission n’existe plus ou ne vous est plus attribuée.';
      }
    }
    if (results.length) await refreshLocalPhotos();
    return results;
  }

  // MARK: Forms kept from one render to the next (typed text, focus and keyboard survive outbox and sync events)

  const addPhotoLabels = {};
  for (const [kind, label] of [['before', 'Avant'], ['after', 'Après']]) {
    const input = h('input', { type: 'file', accept: 'image/*', capture: 'environment', class: 'sr-only', dataset: { focusKey: 'add-' + kind } });
    input.addEventListener('change', () => addPhoto(input, kind, label));
    addPhotoLabels[kind] = h('label', { class: 'btn ghost photo-add' }, input, icon('camera'), `Photo ${label.toLowerCase()}`);
  }

  const matLabel = h('input', { name: 'label', maxlength: 160, required: true, autocomplete: 'off', placeholder: 'Ex. : joint, siphon, câble 2,5 mm²', dataset: { focusKey: 'mat-label' } });
  const matQuantity = h('input', { name: 'quantity', type: 'number', min: 1, max: 10000, step: 1, value: 1, inputmode: 'numeric', required: true });
  const matPrice = h('input', { name: 'unit_price', inputmode: 'numeric', required: true, placeholder: '0', autocomplete: 'off' });
  const matError = h('p', { class: 'error', role: 'alert' });
  const matForm = h(
    'form',
    {
      class: 'material-form',
      novalidate: true,
      onsubmit: (event) => {
        event.preventDefault();
        guard('materials', addMaterial);
      },
    },
    field('Matériel', matLabel),
    h('div', { class: 'date-row' }, field('Quantité', matQuantity), field('Prix unitaire (FCFA)', matPrice)),
    matError,
    h('button', { class: 'btn wide', type: 'submit', dataset: { busy: 'materials' } }, icon('plus'), 'Ajouter'),
  );
  const matSection = h('section', { class: 'card', 'aria-labelledby': 'mat-title' });
  const matTitle = h('h2', { id: 'mat-title', text: 'Matériaux et coûts' });

  let payMaterialsTotal = 0;
  const payLabour = h('input', { name: 'labour', inputmode: 'numeric', required: true, autocomplete: 'off', placeholder: 'Ex. : 15 000', dataset: { focusKey: 'labour' } });
  const payTravel = h('input', { name: 'travel', inputmode: 'numeric', autocomplete: 'off', placeholder: '0' });
  const payNote = h('textarea', { name: 'note', maxlength: 500, rows: 2 });
  const payMaterials = h('span', { text: formatXAF(0) });
  const payTotal = h('strong', { text: formatXAF(0) });
  const payError = h('p', { class: 'error', role: 'alert' });
  const updatePayTotal = () => {
    payMaterials.textContent = formatXAF(payMaterialsTotal);
    payTotal.textContent = formatXAF((francs(payLabour.value) || 0) + (francs(payTravel.value) || 0) + payMaterialsTotal);
  };
  payLabour.addEventListener('input', updatePayTotal);
  payTravel.addEventListener('input', updatePayTotal);
  const payForm = h(
    'form',
    {
      novalidate: true,
      onsubmit: (event) => {
        event.preventDefault();
        guard('payment-request', requestPayment);
      },
    },
    h('p', { class: 'muted', text: 'Le client reçoit le montant détaillé par WhatsApp, avec les moyens de paiement.' }),
    field('Main d’œuvre (FCFA)', payLabour),
    field('Déplacement (FCFA)', payTravel),
    h('p', { class: 'total' }, h('span', { text: 'Matériel' }), payMaterials),
    h('p', { class: 'total grand' }, h('span', { text: 'Total à payer' }), payTotal),
    field('Message au client (facultatif)', payNote),
    payError,
    h('button', { class: 'btn success wide', type: 'submit', dataset: { busy: 'payment-request' } }, icon('send'), 'Envoyer la demande de paiement'),
  );
  const paySection = h('section', { class: 'card', 'aria-labelledby': 'pay-title' });
  const payTitle = h('h2', { id: 'pay-title', text: 'Paiement' });

  // MARK: Rendering

  function render() {
    if (!alive) return;
    if (!detail) {
      renderRefusals();
      if (failed) fill(body, refusals.length ? refusalBox : null, h('div', { class: 'card' }, h('p', { class: 'error', role: 'alert', text: failed }), h('a', { class: 'btn', href: '#demandes', text: 'Retour aux demandes' })));
      return;
    }
    renderRefusals();
    rerender(body, refusals.length ? refusalBox : null, view());
    markBusy();
    updateClock();
    observeThumbs();
  }

  function view() {
    const status = currentStatus(detail);
    const open = isWorkOpen(detail);
    return [
      h(
        'header',
        { class: 'card mission-head' },
        h('h2', { class: 'req-title', text: detail.title || 'Mission' }),
        h('p', { class: 'req-line' }, icon('user'), h('span', { text: [detail.client?.first_name ?? detail.client_first_name, detail.address || detail.zone?.name].filter(Boolean).join(' — ') })),
        !fresh ? h('p', { class: 'muted', text: 'Copie enregistrée sur le téléphone.' }) : null,
        detail.mission?.conflicts?.length ? h('ul', { class: 'conflicts' }, detail.mission.conflicts.map((c) => h('li', { class: 'error', text: c.message }))) : null,
      ),
      stagesView(status),
      open ? timerView() : null,
      photosView(open),
      materialsView(open),
      paymentView(status),
    ];
  }

  function stagesView(status) {
    const steps = stepper(status);
    const next = nextStage(status, Array.isArray(detail.actions) ? detail.actions : null);
    const timeOf = (entry) => detail.mission?.steps?.find((s) => s.stage === entry.status)?.at;
    return h(
      'section',
      { class: 'card', 'aria-labelledby': 'stages-title' },
      h('h2', { id: 'stages-title', text: 'Étapes' }),
      h(
        'ol',
        { class: 'stepper' },
        steps.map((step, index) => {
          const at = timeOf(step);
          const stateLabel = { done: 'fait', current: 'étape actuelle', next: 'prochaine étape', later: 'à venir' }[step.state];
          return h(
            'li',
            { class: 'step ' + step.state, 'aria-current': step.state === 'current' ? 'step' : null },
            h('span', { class: 'step-dot', 'aria-hidden': 'true' }, step.state === 'done' || step.state === 'current' ? icon('check') : String(index + 1)),
            h('span', { class: 'step-text' }, h('strong', { text: step.label }), h('span', { class: 'sr-only', text: ` (${stateLabel})` }), at ? h('span', { class: 'muted block', text: relativeTime(at, now()) }) : null),
          );
        }),
      ),
      next
        ? h('button', { class: 'btn success wide next-stage', type: 'button', dataset: { focusKey: 'next-stage' }, onclick: () => advance(next) }, icon('check'), `${next.action}`)
        : progressStatusNote(status),
    );
  }

  function progressStatusNote(status) {
    if (status === 'terminee') return h('p', { class: 'done-note' }, icon('check'), 'Mission terminée.');
    if (['annulee', 'declinee', 'expiree'].includes(status)) return h('p', { class: 'error', text: 'Mission annulée : plus d’étape à signaler.' });
    if (status === 'nouvelle') return h('p', { class: 'muted', text: 'Acceptez d’abord la demande.' });
    return null;
  }

  function advance(next) {
    if (dialogs.size) return; // a double tap opens one dialog
    const note = h('textarea', { name: 'note', maxlength: 500, rows: 2 });
    const warning = next.stage === 'completed' ? h('p', { class: 'muted', text: 'Le client sera prévenu que le travail est terminé. Une étape signalée ne peut pas être annulée.' }) : h('p', { class: 'muted', text: 'Une étape signalée ne peut pas être annulée.' });
    track(
      openDialog({
        title: `Passer à « ${next.label} » ?`,
        submitLabel: 'Confirmer',
        submitClass: 'success',
        body: [warning, field('Note (facultatif)', note)],
        submit: async () => {
          const requestBody = { stage: next.stage };
          if (note.value.trim()) requestBody.note = note.value.trim();
          const at = new Date(now()).toISOString();
          await applyLocal((r) => afterStage(r, next.stage, at));
          await act('PUT', '/update-status', requestBody, next.label);
          if (next.stage === 'completed' && isRunning(timer)) await toggleTimer();
          else if (next.stage === 'arrived' && !isRunning(timer)) await toggleTimer();
          ctx.toast(`Étape « ${next.label} » enregistrée.`);
          return null;
        },
      }),
    );
  }

  // MARK: Timer

  function timerView() {
    const running = isRunning(timer);
    return h(
      'section',
      { class: 'card timer-card', 'aria-labelledby': 'timer-title' },
      h('h2', { id: 'timer-title', text: 'Temps passé' }),
      h('p', { class: 'clock', role: 'timer', 'aria-live': 'off', 'data-clock': '' }, formatHMS(elapsedSeconds(timer, now()))),
      h('p', { class: 'muted', 'data-clock-state': '' }, running ? 'Chronomètre en marche.' : 'Chronomètre à l’arrêt.'),
      h(
        'button',
        { class: 'btn wide ' + (running ? 'accent' : ''), type: 'button', 'aria-pressed': String(running), dataset: { focusKey: 'timer', busy: 'timer' }, onclick: () => guard('timer', toggleTimer) },
        icon(running ? 'pause' : 'play'),
        running ? 'Mettre en pause' : elapsedSeconds(timer, now()) ? 'Reprendre' : 'Démarrer',
      ),
    );
  }

  function updateClock() {
    const clock = body.querySelector('[data-clock]');
    if (!clock || !timer) return;
    const seconds = elapsedSeconds(timer, now());
    clock.textContent = formatHMS(seconds);
    clock.setAttribute('aria-label', spokenDuration(seconds));
  }

  /** A start or pause, at the hub's time: kept on the phone, applied to the cached detail, then queued. */
  async function toggleTimer() {
    const at = now();
    const running = isRunning(timer);
    const action = running ? 'stop' : 'start';
    const iso = new Date(at).toISOString();
    timer = running ? stop(timer, at) : start(timer, at);
    await ctx.db.put('kv', timerKey, timer);
    await applyLocal((r, kind) => (kind === 'detail' && r.timer ? { ...r, timer: applyTap(r.timer, action, iso) } : r));
    await act('POST', '/timer', { action, at: iso }, running ? 'Pause du chronomètre' : 'Chronomètre');
    render();
  }

  /** The phone's timer wins only while one of its taps waits in the outbox; otherwise the hub's sessions. */
  async function loadTimer() {
    const local = await ctx.db.get('kv', timerKey).catch(() => null);
    const items = await ctx.outbox.list().catch(() => []);
    timer = mergeTimer(local, detail?.timer ?? null, { pending: timerPending(items, path) });
    await ctx.db.put('kv', timerKey, timer).catch(() => {});
  }

  // MARK: Photos

  function photosView(open) {
    const server = Array.isArray(detail.photos) ? detail.photos : [];
    const known = new Set(server.map((p) => p.sha256));
    const waiting = localPhotos.filter((p) => !known.has(p.sha256));
    const group = (kind, label) => {
      const items = [
        ...server.filter((p) => p.kind === kind).map((p) => thumbFromHub(p, label)),
        ...waiting.filter((p) => p.kind === kind).map((p) => thumbFromPhone(p, label)),
      ];
      return h(
        'div',
        { class: 'photo-group' },
        h('h3', { text: label }),
        items.length ? h('ul', { class: 'thumbs' }, items) : h('p', { class: 'muted', text: 'Aucune photo.' }),
        open ? addPhotoLabels[kind] : null,
      );
    };
    return h(
      'section',
      { class: 'card', 'aria-labelledby': 'photos-title' },
      h('h2', { id: 'photos-title', text: 'Photos avant / après' }),
      group('before', 'Avant'),
      group('after', 'Après'),
    );
  }

  function thumbFromHub(photo, label) {
    const img = h('img', { alt: `Photo ${label.toLowerCase()} du ${formatDateTime(photo.taken_at)}`, loading: 'lazy', decoding: 'async', width: 96, height: 96, dataset: { photo: photo.id } });
    const cachedUrl = urls.get('thumb:' + photo.id);
    if (cachedUrl) img.src = cachedUrl;
    return h('li', {}, h('button', { class: 'thumb', type: 'button', dataset: { focusKey: 'ph-' + photo.id }, onclick: () => showFull(photo, label) }, img));
  }

  function thumbFromPhone(job, label) {
    let src = urls.get('local:' + job.sha256);
    if (!src && job.thumbBytes) {
      src = URL.createObjectURL(new Blob([job.thumbBytes], { type: job.mime }));
      urls.set('local:' + job.sha256, src);
    }
    const state =
      job.state === 'failed'
        ? h('span', { class: 'thumb-state error', text: job.error || 'Échec' })
        : job.state === 'attached'
          ? h('span', { class: 'thumb-state', text: 'Envoyée' })
          : h('span', { class: 'thumb-state', dataset: { progress: job.sha256 }, text: progressText(job) });
    return h(
      'li',
      { class: 'local' },
      src ? h('img', { src, alt: `Photo ${label.toLowerCase()} en attente d’envoi`, loading: 'lazy', width: 96, height: 96 }) : null,
      state,
      job.state === 'failed'
        ? h(
            'div',
            { class: 'row' },
            h('button', { class: 'btn small', type: 'button', text: 'Réessayer', dataset: { busy: 'photo:' + job.sha256 }, onclick: () => guard('photo:' + job.sha256, () => uploads.retry(job.sha256).then(refreshLocalPhotos)) }),
            h('button', { class: 'btn small ghost danger', type: 'button', text: 'Supprimer', dataset: { busy: 'photo:' + job.sha256 }, onclick: () => guard('photo:' + job.sha256, () => uploads.forget(job.sha256).then(refreshLocalPhotos)) }),
          )
        : null,
    );
  }

  function progressText(job) {
    if (!ctx.online) return 'En attente de réseau';
    const ratio = job.size ? Math.min(1, (job.sent ?? 0) / job.size) : 0;
    return `Envoi ${Math.round(ratio * 100)} %`;
  }

  function updateProgress(job) {
    const element = body.querySelector(`[data-progress="${job.sha256}"]`);
    if (element) element.textContent = progressText(job);
  }

  async function addPhoto(input, kind, label) {
    const file = input.files?.[0];
    input.value = '';
    if (!file) return;
    if (!/^image\//.test(file.type || 'image/')) return ctx.toast('Choisissez une image.');
    ctx.toast('Préparation de la photo…');
    try {
      const photo = await compressImage(file);
      // The file's time is on the phone's clock: moved to the hub's by the measured offset.
      const skew = now() - Date.now();
      const takenAt = file.lastModified && Math.abs(Date.now() - file.lastModified) < 7 * 86400_000 ? file.lastModified + skew : now();
      await uploads.add({ requestId: id, kind, title: `Photo ${label.toLowerCase()} « ${title()} »`, photo, takenAt });
      ctx.toast(`Photo prête (${formatBytes(photo.full.bytes.length)}) : envoi ${ctx.online ? 'en cours' : 'dès le retour du réseau'}.`);
      await refreshLocalPhotos();
    } catch (error) {
      ctx.toast(error?.message || 'Photo illisible.');
    }
  }

  async function refreshLocalPhotos() {
    if (!alive) return;
    localPhotos = await uploads.list(id);
    if (!alive) return;
    // Photos the hub now lists are freed from the phone.
    const known = new Set((detail?.photos ?? []).map((p) => p.sha256));
    for (const job of localPhotos) {
      if (known.has(job.sha256) && job.state === 'attached') {
        await uploads.forget(job.sha256);
        const url = urls.get('local:' + job.sha256);
        if (url) URL.revokeObjectURL(url);
        urls.delete('local:' + job.sha256);
      }
    }
    localPhotos = localPhotos.filter((job) => !(known.has(job.sha256) && job.state === 'attached'));
    // Thumbnails of photos no longer on the phone (forgotten, or listed by the hub) are freed.
    const onPhone = new Set(localPhotos.map((job) => 'local:' + job.sha256));
    for (const [key, url] of urls) {
      if (key.startsWith('local:') && !onPhone.has(key)) {
        URL.revokeObjectURL(url);
        urls.delete(key);
      }
    }
    render();
  }

  /** Hub photos need the bearer token: fetched as blobs when they come into view. */
  async function photoUrl(photoId, size) {
    const key = size + ':' + photoId;
    if (urls.has(key)) return urls.get(key);
    const token = ctx.api.accessToken?.();
    const response = await fetch(`/provider/photos/${encodeURIComponent(photoId)}?size=${size}`, { headers: token ? { Authorization: 'Bearer ' + token } : {} });
    if (!response.ok) throw new Error(response.status === 404 ? 'Photo introuvable.' : 'Photo indisponible pour le moment.');
    const blob = await response.blob();
    if (!alive) throw new Error('Écran fermé.');
    if (urls.has(key)) return urls.get(key);
    const url = URL.createObjectURL(blob);
    urls.set(key, url);
    return url;
  }

  let observer = null;
  /** Hub thumbnails load when they come into view; one observer per render, for this render's images only. */
  function observeThumbs() {
    observer?.disconnect();
    observer = null;
    const images = [...body.querySelectorAll('img[data-photo]:not([src])')];
    if (!images.length || !alive) return;
    const load = (img) =>
      photoUrl(img.dataset.photo, 'thumb')
        .then((url) => {
          img.src = url;
        })
        .catch(() => {
          img.alt = ctx.online ? 'Photo indisponible pour le moment' : 'Photo indisponible hors connexion';
        });
    if (!('IntersectionObserver' in globalThis)) return images.forEach(load);
    const watcher = new IntersectionObserver((entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        watcher.unobserve(entry.target);
        load(entry.target);
      }
    }, { rootMargin: '200px' });
    for (const img of images) watcher.observe(img);
    observer = watcher;
  }

  function showFull(photo, label) {
    if (dialogs.size) return;
    const img = h('img', { alt: `Photo ${label.toLowerCase()} du ${formatDateTime(photo.taken_at)}`, class: 'full-photo' });
    const status = h('p', { class: 'muted', text: 'Chargement de la photo…' });
    track(openDialog({ title: `Photo ${label.toLowerCase()}`, body: [status, img], cancelLabel: 'Fermer' }));
    photoUrl(photo.id, 'full')
      .then((url) => {
        img.src = url;
        status.textContent = formatDateTime(photo.taken_at);
      })
      .catch((error) => {
        status.textContent = error.message;
      });
  }

  // MARK: Materials

  function materialsView(open) {
    const materials = Array.isArray(detail.materials) ? detail.materials : [];
    const frozen = Boolean(detail.invoice);
    const total = detail.materials_total ?? materials.reduce((sum, m) => sum + (m.total ?? 0), 0);
    return place(
      matSection,
      matTitle,
      materials.length
        ? h(
            'ul',
            { class: 'list materials' },
            materials.map((m) =>
              h(
                'li',
                { class: 'material' },
                h('span', { class: 'grow' }, h('strong', { text: m.label }), h('span', { class: 'muted block', text: `${m.quantity} × ${formatXAF(m.unit_price)}` })),
                h('span', { class: 'amount', text: m.total_label || formatXAF(m.total) }),
                open && !frozen
                  ? String(m.id).startsWith('local-')
                    ? h('span', { class: 'badge pending', text: 'en attente' })
                    : h('button', { class: 'btn ghost danger small', type: 'button', 'aria-label': `Supprimer ${m.label}`, dataset: { focusKey: 'del-' + m.id }, onclick: () => removeMaterial(m) }, icon('trash'))
                  : null,
              ),
            ),
          )
        : h('p', { class: 'muted', text: 'Aucun matériel noté.' }),
      h('p', { class: 'total' }, h('span', { text: 'Total matériel' }), h('strong', { text: formatXAF(total) })),
      open && !frozen ? matForm : frozen ? h('p', { class: 'muted', text: 'Demande de paiement envoyée : le matériel ne change plus.' }) : null,
    );
  }

  async function addMaterial() {
    const text = matLabel.value.trim();
    const qty = Number(matQuantity.value);
    const unit = francs(matPrice.value);
    if (!text) return (matError.textContent = 'Indiquez le matériel.');
    if (!Number.isInteger(qty) || qty < 1 || qty > 10000) return (matError.textContent = 'Quantité : nombre entier de 1 à 10 000.');
    if (!Number.isInteger(unit) || unit > 10_000_000) return (matError.textContent = 'Prix unitaire : montant entier en FCFA.');
    matError.textContent = '';
    const at = now();
    await applyLocal((r, kind) => {
      if (kind !== 'detail') return r;
      const line = { id: 'local-' + at, label: text, quantity: qty, unit_price: unit, total: qty * unit, total_label: formatXAF(qty * unit), recorded_at: new Date(at).toISOString() };
      const list = [...(r.materials ?? []), line];
      const total = list.reduce((sum, m) => sum + (m.total ?? 0), 0);
      return { ...r, materials: list, materials_total: total, materials_total_label: formatXAF(total) };
    });
    await act('POST', '/materials', { label: text, quantity: qty, unit_price: unit }, 'Matériel');
    matLabel.value = '';
    matQuantity.value = '1';
    matPrice.value = '';
    ctx.toast('Matériel ajouté.');
    matLabel.focus();
    return null;
  }

  function removeMaterial(material) {
    if (dialogs.size) return;
    track(
      openDialog({
        title: 'Supprimer ce matériel ?',
        body: h('p', { text: `${material.label} — ${material.total_label || formatXAF(material.total)}` }),
        submitLabel: 'Supprimer',
        submitClass: 'danger',
        submit: async () => {
          await applyLocal((r, kind) => {
            if (kind !== 'detail') return r;
            const list = (r.materials ?? []).filter((m) => m.id !== material.id);
            const total = list.reduce((sum, m) => sum + (m.total ?? 0), 0);
            return { ...r, materials: list, materials_total: total, materials_total_label: formatXAF(total) };
          });
          await act('DELETE', '/materials/' + encodeURIComponent(material.id), undefined, 'Supprimer matériel');
          ctx.toast('Matériel supprimé.');
          return null;
        },
      }),
    );
  }

  // MARK: Payment

  function paymentView(status) {
    const invoice = detail.invoice;
    const section = (...children) => place(paySection, payTitle, children);
    if (invoice) {
      const paid = invoice.status === 'payee' || invoice.status === 'surpayee' || (invoice.total > 0 && invoice.paid >= invoice.total);
      return section(
        h(
          'dl',
          { class: 'invoice' },
          h('dt', { text: 'Facture' }),
          h('dd', { text: invoice.number || 'en attente du hub' }),
          h('dt', { text: 'Montant' }),
          h('dd', { text: invoice.total_label || formatXAF(invoice.total) }),
          h('dt', { text: 'Statut' }),
          h('dd', {}, h('span', { class: 'badge ' + (paid ? 'sent' : 'pending'), text: invoice.status_label || invoice.status })),
          h('dt', { text: 'Déjà reçu' }),
          h('dd', { text: invoice.paid_label || formatXAF(invoice.paid ?? 0) }),
        ),
        !paid ? h('button', { class: 'btn success wide', type: 'button', dataset: { focusKey: 'paid', busy: 'payment' }, onclick: () => recordPayment(invoice) }, icon('wallet'), 'Paiement reçu') : h('p', { class: 'done-note' }, icon('check'), 'Mission payée.'),
      );
    }
    if (!canRequestPayment(detail)) {
      if (['annulee', 'declinee', 'expiree', 'nouvelle'].includes(status)) return null;
      return section(h('p', { class: 'muted', text: 'La demande de paiement sera possible à l’étape « Réparation ».' }));
    }
    payMaterialsTotal = detail.materials_total ?? 0;
    updatePayTotal();
    return section(payForm);
  }

  async function requestPayment() {
    const l = francs(payLabour.value);
    const t = payTravel.value.trim() ? francs(payTravel.value) : 0;
    if (!Number.isInteger(l) || l < 1 || l > 10_000_000) return (payError.textContent = 'Main d’œuvre : montant entier de 1 à 10 000 000 FCFA.');
    if (!Number.isInteger(t) || t > 1_000_000) return (payError.textContent = 'Déplacement : montant entier de 0 à 1 000 000 FCFA.');
    payError.textContent = '';
    const sum = l + t + payMaterialsTotal;
    const requestBody = { labour: l, travel: t };
    if (payNote.value.trim()) requestBody.note = payNote.value.trim();
    await applyLocal((r, kind) =>
      kind === 'detail'
        ? { ...r, invoice: { id: 'local', number: '', total: sum, total_label: formatXAF(sum), status: 'local', status_label: 'En attente d’envoi', paid: 0, paid_label: formatXAF(0) } }
        : r,
    );
    await act('POST', '/payment-request', requestBody, 'Demande de paiement');
    ctx.toast('Demande de paiement envoyée au client.');
    return null;
  }

  function recordPayment(invoice) {
    if (dialogs.size) return; // a double tap opens one dialog
    const remaining = Math.max(0, (invoice.total ?? 0) - (invoice.paid ?? 0));
    const amount = h('input', { name: 'amount', inputmode: 'numeric', required: true, value: remaining ? String(remaining) : '', autocomplete: 'off' });
    const reference = h('input', { name: 'reference', maxlength: 100, autocomplete: 'off', placeholder: 'Ex. : MP240312.1234.A56789' });
    const referenceField = field('Référence de la transaction', reference);
    referenceField.hidden = true;
    const methods = h(
      'fieldset',
      {
        onchange: (event) => {
          referenceField.hidden = event.target.value === 'cash';
        },
      },
      h('legend', { text: 'Moyen de paiement' }),
      METHODS.map((m, index) => h('label', { class: 'radio' }, h('input', { type: 'radio', name: 'method', value: m.code, checked: index === 0 }), h('span', { text: m.label }))),
    );
    track(
      openDialog({
        title: 'Paiement reçu',
        submitLabel: 'Enregistrer',
        submitClass: 'success',
        body: [methods, field('Montant reçu (FCFA)', amount), referenceField],
        submit: async (form) => {
          const method = form.elements.method.value;
          const value = francs(amount.value);
          if (!Number.isInteger(value) || value < 1) return 'Indiquez le montant reçu en FCFA.';
          const ref = reference.value.trim();
          if (method !== 'cash' && !ref) return 'Indiquez la référence de la transaction Mobile Money.';
          const requestBody = { method, amount: value };
          if (ref && method !== 'cash') requestBody.reference = ref;
          await applyLocal((r, kind) => {
            if (kind !== 'detail' || !r.invoice) return r;
            const paid = (r.invoice.paid ?? 0) + value;
            const full = paid >= (r.invoice.total ?? 0);
            return { ...r, invoice: { ...r.invoice, paid, paid_label: formatXAF(paid), status: full ? 'payee' : 'partielle', status_label: full ? 'Payée' : 'Partiellement payée' } };
          });
          await act('POST', '/payments', requestBody, 'Paiement reçu');
          ctx.toast('Paiement enregistré.');
          return null;
        },
      }),
    );
  }

  // MARK: Loading

  async function load() {
    if (!detail) {
      const item = await ctx.requests.get(id).catch(() => null);
      const cached = await ctx.db.get('kv', 'detail:' + id).catch(() => null);
      if (item && !cached && alive) {
        detail = item;
        await loadTimer();
        render();
      }
    }
    await ctx.detail(
      id,
      async (data, meta) => {
        if (!alive) return;
        detail = data;
        fresh = !meta?.cached;
        failed = null;
        await loadTimer();
        await refreshLocalPhotos();
      },
      (error) => {
        failed = error?.status === 404 ? 'Cette mission n’existe plus ou ne vous est plus attribuée.' : error?.message || 'Impossible de charger la mission.';
        if (!detail) render();
      },
    );
  }

  const seenAnswers = new Set();
  ctx.outbox
    .list()
    .then((items) => {
      answeredSince(items, path, seenAnswers);
      readOutbox(items);
      return correct(items, false);
    })
    .catch(() => {});
  load();

  const offRequests = ctx.on('requests', (change) => {
    if (change?.local || !change?.changed?.includes(id)) return;
    load();
  });
  const offRefresh = ctx.on('refresh', () => load());
  const offOutbox = ctx.on('outbox', async (items) => {
    if (!alive) return;
    const before = refusals.map((item) => item.seq).join(',');
    readOutbox(items);
    const news = answeredSince(items, path, seenAnswers);
    if (news.refused.length) {
      const results = await correct(items, true);
      if (!results?.some((result) => result.detail || result.error?.status === 404)) load();
    } else if (news.sent.length) load();
    else if (before !== refusals.map((item) => item.seq).join(',')) render();
  });
  // The app's upload queue reports each photo's progress and state.
  const offUpload = ctx.on('upload', (job) => {
    if (!alive || job?.requestId !== id) return;
    if (job.state !== 'uploading') refreshLocalPhotos();
    else updateProgress(job);
  });
  // "En attente de réseau" ↔ "Envoi n %": the core runs the queue when the link is back.
  const onNetwork = () => refreshLocalPhotos();
  addEventListener('online', onNetwork);
  addEventListener('offline', onNetwork);
  const tick = setInterval(updateClock, 1000);

  return () => {
    alive = false;
    offRequests();
    offRefresh();
    offOutbox();
    offUpload();
    removeEventListener('online', onNetwork);
    removeEventListener('offline', onNetwork);
    clearInterval(tick);
    observer?.disconnect();
    observer = null;
    for (const dialog of [...dialogs]) dialog.close();
    for (const url of urls.values()) URL.revokeObjectURL(url);
    urls.clear();
  };
}

