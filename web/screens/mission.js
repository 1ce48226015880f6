// "Suivi de mission" (#mission/<request id>): the stages Arrivé → Diagnostic → Réparation → Terminé, the work timer,
// before/after photos (compressed on the phone, resumable upload), materials and costs, the payment request and the
// payment received. Works offline: every write goes through ctx.act with an optimistic change of the local copy.
import { fill, h, icon } from '/lib/dom.js';
import { formatDateTime, formatXAF, relativeTime } from '/lib/format.js';
import { afterStage, canRequestPayment, currentStatus, isWorkOpen, nextStage, stepper } from '/lib/mission.js';
import { compressImage, formatBytes } from '/lib/photo.js';
import { elapsedSeconds, formatHMS, isRunning, mergeTimer, spokenDuration, start, stop } from '/lib/timer.js';
import { createUploadQueue } from '/lib/uploads.js';

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

function field(label, control) {
  return h('label', { class: 'field' }, h('span', { text: label }), control);
}

function openDialog({ title, body, submitLabel, submitClass = '', submit, cancelLabel = 'Annuler' }) {
  const labelId = 'dlg-' + Math.random().toString(36).slice(2);
  const error = h('p', { class: 'error', role: 'alert' });
  const submitButton = submitLabel ? h('button', { class: 'btn ' + submitClass, type: 'submit', text: submitLabel }) : null;
  const form = h(
    'form',
    { method: 'dialog', novalidate: true },
    h('h2', { id: labelId, text: title }),
    body,
    error,
    h('div', { class: 'actions' }, h('button', { class: 'btn ghost', type: 'button', text: cancelLabel, onclick: () => dialog.close() }), submitButton),
  );
  const dialog = h('dialog', { class: 'dj-dialog', 'aria-labelledby': labelId }, form);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!submit) return dialog.close();
    submitButton.disabled = true;
    error.textContent = '';
    try {
      const problem = await submit(form);
      if (problem) error.textContent = problem;
      else dialog.close();
    } catch (failure) {
      error.textContent = failure?.message || 'Erreur inattendue. Réessayez.';
    } finally {
      submitButton.disabled = false;
    }
  });
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}

/** A whole number of francs typed by the provider ("15 000", "15000 F") → 15000; NaN when not a number. */
function francs(text) {
  const cleaned = String(text ?? '').replace(/[\s\u00A0\u202F.]/g, '').replace(/f(cfa)?$/i, '');
  return /^\d{1,9}$/.test(cleaned) ? Number(cleaned) : Number.NaN;
}

/** Whether the outbox sent an action on this request since the last call (remembered in `seen`). */
function sentFor(items, path, seen) {
  let fresh = false;
  for (const item of items ?? []) {
    if (item.state !== 'sent' || !(item.path === path || item.path?.startsWith(path + '/')) || seen.has(item.seq)) continue;
    seen.add(item.seq);
    fresh = true;
  }
  return fresh;
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
  const dialogs = new Set();
  const urls = new Map(); // photo key → object URL
  const progress = new Map(); // sha256 → job

  const uploads = createUploadQueue({
    db: ctx.db,
    api: ctx.api,
    act: (action) => ctx.act(action),
    onChange: (job) => {
      progress.set(job.sha256, job);
      if (job.state !== 'uploading' || !alive) refreshLocalPhotos();
      else updateProgress(job);
    },
  });

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

  function act(method, suffix, requestBody, label) {
    return ctx.act({ method, path: path + suffix, body: requestBody, title: `${label} « ${title()} »`, requestId: id });
  }

  // MARK: Rendering

  function render() {
    if (!alive) return;
    if (!detail) {
      if (failed) fill(body, h('div', { class: 'card' }, h('p', { class: 'error', role: 'alert', text: failed }), h('a', { class: 'btn', href: '#demandes', text: 'Retour aux demandes' })));
      return;
    }
    const scroll = scrollY;
    const focusKey = document.activeElement?.dataset?.focusKey;
    fill(body, view());
    if (focusKey) body.querySelector(`[data-focus-key="${focusKey}"]`)?.focus({ preventScroll: true });
    scrollTo(0, scroll);
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
            h('span', { class: 'step-text' }, h('strong', { text: step.label }), h('span', { class: 'sr-only', text: ` (${stateLabel})` }), at ? h('span', { class: 'muted block', text: relativeTime(at) }) : null),
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
          await act('PUT', '/update-status', requestBody, next.label);
          if (next.stage === 'completed' && isRunning(timer)) await toggleTimer();
          else if (next.stage === 'arrived' && !isRunning(timer)) await toggleTimer();
          await applyLocal((r) => afterStage(r, next.stage));
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
      h('p', { class: 'clock', role: 'timer', 'aria-live': 'off', 'data-clock': '' }, formatHMS(elapsedSeconds(timer))),
      h('p', { class: 'muted', 'data-clock-state': '' }, running ? 'Chronomètre en marche.' : 'Chronomètre à l’arrêt.'),
      h(
        'button',
        { class: 'btn wide ' + (running ? 'accent' : ''), type: 'button', 'aria-pressed': String(running), dataset: { focusKey: 'timer' }, onclick: toggleTimer },
        icon(running ? 'pause' : 'play'),
        running ? 'Mettre en pause' : elapsedSeconds(timer) ? 'Reprendre' : 'Démarrer',
      ),
    );
  }

  function updateClock() {
    const clock = body.querySelector('[data-clock]');
    if (!clock || !timer) return;
    const seconds = elapsedSeconds(timer);
    clock.textContent = formatHMS(seconds);
    clock.setAttribute('aria-label', spokenDuration(seconds));
  }

  async function toggleTimer() {
    const now = Date.now();
    const running = isRunning(timer);
    timer = running ? stop(timer, now) : start(timer, now);
    await ctx.db.put('kv', timerKey, timer);
    await act('POST', '/timer', { action: running ? 'stop' : 'start', at: new Date(now).toISOString() }, running ? 'Pause du chronomètre' : 'Chronomètre');
    render();
  }

  async function loadTimer() {
    const local = await ctx.db.get('kv', timerKey).catch(() => null);
    timer = mergeTimer(local, detail?.timer ?? null);
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
      const input = h('input', { type: 'file', accept: 'image/*', capture: 'environment', class: 'sr-only', dataset: { focusKey: 'add-' + kind } });
      input.addEventListener('change', () => addPhoto(input, kind, label));
      return h(
        'div',
        { class: 'photo-group' },
        h('h3', { text: label }),
        items.length ? h('ul', { class: 'thumbs' }, items) : h('p', { class: 'muted', text: 'Aucune photo.' }),
        open ? h('label', { class: 'btn ghost photo-add' }, input, icon('camera'), `Photo ${label.toLowerCase()}`) : null,
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
            h('button', { class: 'btn small', type: 'button', text: 'Réessayer', onclick: () => uploads.retry(job.sha256).then(refreshLocalPhotos) }),
            h('button', { class: 'btn small ghost danger', type: 'button', text: 'Supprimer', onclick: () => uploads.forget(job.sha256).then(refreshLocalPhotos) }),
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
      const takenAt = file.lastModified && Math.abs(Date.now() - file.lastModified) < 7 * 86400_000 ? file.lastModified : Date.now();
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
    render();
  }

  /** Hub photos need the bearer token: fetched as blobs when they come into view. */
  async function photoUrl(photoId, size) {
    const key = size + ':' + photoId;
    if (urls.has(key)) return urls.get(key);
    const token = ctx.api.accessToken?.();
    const response = await fetch(`/provider/photos/${encodeURIComponent(photoId)}?size=${size}`, { headers: token ? { Authorization: 'Bearer ' + token } : {} });
    if (!response.ok) throw new Error(response.status === 404 ? 'Photo introuvable.' : 'Photo indisponible pour le moment.');
    const url = URL.createObjectURL(await response.blob());
    urls.set(key, url);
    return url;
  }

  let observer = null;
  function observeThumbs() {
    const images = [...body.querySelectorAll('img[data-photo]:not([src])')];
    if (!images.length) return;
    const load = (img) =>
      photoUrl(img.dataset.photo, 'thumb')
        .then((url) => {
          img.src = url;
        })
        .catch(() => {
          img.alt = ctx.online ? 'Photo indisponible pour le moment' : 'Photo indisponible hors connexion';
        });
    if (!('IntersectionObserver' in globalThis)) return images.forEach(load);
    observer ??= new IntersectionObserver((entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        observer.unobserve(entry.target);
        load(entry.target);
      }
    }, { rootMargin: '200px' });
    for (const img of images) observer.observe(img);
  }

  function showFull(photo, label) {
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
    const label = h('input', { name: 'label', maxlength: 160, required: true, autocomplete: 'off', placeholder: 'Ex. : joint, siphon, câble 2,5 mm²', dataset: { focusKey: 'mat-label' } });
    const quantity = h('input', { name: 'quantity', type: 'number', min: 1, max: 10000, step: 1, value: 1, inputmode: 'numeric', required: true });
    const price = h('input', { name: 'unit_price', inputmode: 'numeric', required: true, placeholder: '0', autocomplete: 'off' });
    const error = h('p', { class: 'error', role: 'alert' });
    const form = h(
      'form',
      {
        class: 'material-form',
        novalidate: true,
        onsubmit: async (event) => {
          event.preventDefault();
          const text = label.value.trim();
          const qty = Number(quantity.value);
          const unit = francs(price.value);
          if (!text) return (error.textContent = 'Indiquez le matériel.');
          if (!Number.isInteger(qty) || qty < 1 || qty > 10000) return (error.textContent = 'Quantité : nombre entier de 1 à 10 000.');
          if (!Number.isInteger(unit) || unit > 10_000_000) return (error.textContent = 'Prix unitaire : montant entier en FCFA.');
          error.textContent = '';
          await act('POST', '/materials', { label: text, quantity: qty, unit_price: unit }, 'Matériel');
          await applyLocal((r, kind) => {
            if (kind !== 'detail') return r;
            const line = { id: 'local-' + Date.now(), label: text, quantity: qty, unit_price: unit, total: qty * unit, total_label: formatXAF(qty * unit), recorded_at: new Date().toISOString() };
            const list = [...(r.materials ?? []), line];
            const total = list.reduce((sum, m) => sum + (m.total ?? 0), 0);
            return { ...r, materials: list, materials_total: total, materials_total_label: formatXAF(total) };
          });
          ctx.toast('Matériel ajouté.');
          body.querySelector('[data-focus-key="mat-label"]')?.focus();
        },
      },
      field('Matériel', label),
      h('div', { class: 'date-row' }, field('Quantité', quantity), field('Prix unitaire (FCFA)', price)),
      error,
      h('button', { class: 'btn wide', type: 'submit' }, icon('plus'), 'Ajouter'),
    );
    const total = detail.materials_total ?? materials.reduce((sum, m) => sum + (m.total ?? 0), 0);
    return h(
      'section',
      { class: 'card', 'aria-labelledby': 'mat-title' },
      h('h2', { id: 'mat-title', text: 'Matériaux et coûts' }),
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
      open && !frozen ? form : frozen ? h('p', { class: 'muted', text: 'Demande de paiement envoyée : le matériel ne change plus.' }) : null,
    );
  }

  function removeMaterial(material) {
    track(
      openDialog({
        title: 'Supprimer ce matériel ?',
        body: h('p', { text: `${material.label} — ${material.total_label || formatXAF(material.total)}` }),
        submitLabel: 'Supprimer',
        submitClass: 'danger',
        submit: async () => {
          await act('DELETE', '/materials/' + encodeURIComponent(material.id), undefined, 'Supprimer matériel');
          await applyLocal((r, kind) => {
            if (kind !== 'detail') return r;
            const list = (r.materials ?? []).filter((m) => m.id !== material.id);
            const total = list.reduce((sum, m) => sum + (m.total ?? 0), 0);
            return { ...r, materials: list, materials_total: total, materials_total_label: formatXAF(total) };
          });
          ctx.toast('Matériel supprimé.');
          return null;
        },
      }),
    );
  }

  // MARK: Payment

  function paymentView(status) {
    const invoice = detail.invoice;
    const section = (...children) => h('section', { class: 'card', 'aria-labelledby': 'pay-title' }, h('h2', { id: 'pay-title', text: 'Paiement' }), children);
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
        !paid ? h('button', { class: 'btn success wide', type: 'button', dataset: { focusKey: 'paid' }, onclick: () => recordPayment(invoice) }, icon('wallet'), 'Paiement reçu') : h('p', { class: 'done-note' }, icon('check'), 'Mission payée.'),
      );
    }
    if (!canRequestPayment(detail)) {
      if (['annulee', 'declinee', 'expiree', 'nouvelle'].includes(status)) return null;
      return section(h('p', { class: 'muted', text: 'La demande de paiement sera possible à l’étape « Réparation ».' }));
    }
    const materialsTotal = detail.materials_total ?? 0;
    const labour = h('input', { name: 'labour', inputmode: 'numeric', required: true, autocomplete: 'off', placeholder: 'Ex. : 15 000', dataset: { focusKey: 'labour' } });
    const travel = h('input', { name: 'travel', inputmode: 'numeric', autocomplete: 'off', placeholder: '0' });
    const note = h('textarea', { name: 'note', maxlength: 500, rows: 2 });
    const total = h('strong', { text: formatXAF(materialsTotal) });
    const error = h('p', { class: 'error', role: 'alert' });
    const update = () => {
      const sum = (francs(labour.value) || 0) + (francs(travel.value) || 0) + materialsTotal;
      total.textContent = formatXAF(sum);
    };
    labour.addEventListener('input', update);
    travel.addEventListener('input', update);
    return section(
      h(
        'form',
        {
          novalidate: true,
          onsubmit: async (event) => {
            event.preventDefault();
            const l = francs(labour.value);
            const t = travel.value.trim() ? francs(travel.value) : 0;
            if (!Number.isInteger(l) || l < 1 || l > 10_000_000) return (error.textContent = 'Main d’œuvre : montant entier de 1 à 10 000 000 FCFA.');
            if (!Number.isInteger(t) || t > 1_000_000) return (error.textContent = 'Déplacement : montant entier de 0 à 1 000 000 FCFA.');
            error.textContent = '';
            const sum = l + t + materialsTotal;
            const requestBody = { labour: l, travel: t };
            if (note.value.trim()) requestBody.note = note.value.trim();
            await act('POST', '/payment-request', requestBody, 'Demande de paiement');
            await applyLocal((r, kind) =>
              kind === 'detail'
                ? { ...r, invoice: { id: 'local', number: '', total: sum, total_label: formatXAF(sum), status: 'local', status_label: 'En attente d’envoi', paid: 0, paid_label: formatXAF(0) } }
                : r,
            );
            ctx.toast('Demande de paiement envoyée au client.');
          },
        },
        h('p', { class: 'muted', text: 'Le client reçoit le montant détaillé par WhatsApp, avec les moyens de paiement.' }),
        field('Main d’œuvre (FCFA)', labour),
        field('Déplacement (FCFA)', travel),
        h('p', { class: 'total' }, h('span', { text: 'Matériel' }), h('span', { text: formatXAF(materialsTotal) })),
        h('p', { class: 'total grand' }, h('span', { text: 'Total à payer' }), total),
        field('Message au client (facultatif)', note),
        error,
        h('button', { class: 'btn success wide', type: 'submit' }, icon('send'), 'Envoyer la demande de paiement'),
      ),
    );
  }

  function recordPayment(invoice) {
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
          await act('POST', '/payments', requestBody, 'Paiement reçu');
          await applyLocal((r, kind) => {
            if (kind !== 'detail' || !r.invoice) return r;
            const paid = (r.invoice.paid ?? 0) + value;
            const full = paid >= (r.invoice.total ?? 0);
            return { ...r, invoice: { ...r.invoice, paid, paid_label: formatXAF(paid), status: full ? 'payee' : 'partielle', status_label: full ? 'Payée' : 'Partiellement payée' } };
          });
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
    uploads.run();
  }

  const seenSent = new Set();
  ctx.outbox.list().then((items) => sentFor(items, path, seenSent)).catch(() => {});
  load();

  const offRequests = ctx.on('requests', (change) => {
    if (change?.local || !change?.changed?.includes(id)) return;
    load();
  });
  const offRefresh = ctx.on('refresh', () => {
    uploads.run();
    load();
  });
  const offOutbox = ctx.on('outbox', (items) => {
    if (sentFor(items, path, seenSent)) load();
  });
  const onOnline = () => uploads.run().then(refreshLocalPhotos);
  addEventListener('online', onOnline);
  const tick = setInterval(updateClock, 1000);

  return () => {
    alive = false;
    offRequests();
    offRefresh();
    offOutbox();
    removeEventListener('online', onOnline);
    clearInterval(tick);
    observer?.disconnect();
    for (const dialog of dialogs) dialog.close();
    for (const url of urls.values()) URL.revokeObjectURL(url);
  };
}

