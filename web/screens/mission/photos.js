// Before/after photos: taken on the phone, compressed, queued in the app's upload queue (resumable, offline too) and
// shown with their progress; the hub's photos are fetched with the bearer token when they come into view.
import { h, icon } from '/lib/dom.js';
import { openDialog } from '/lib/ui.js';
import { formatDateTime } from '/lib/format.js';
import { compressImage, formatBytes } from '/lib/photo.js';

/** The photos of mission `m`: `view(open)`, `refresh()`, `updateProgress(job)`, `observe()`, `close()`. */
export function createPhotos(m) {
  const { ctx, id } = m;
  /** The app's one upload queue (run by the core at startup, online, after a refresh or an outbox flush). */
  const uploads = ctx.uploads;
  const urls = new Map(); // photo key → object URL
  let localPhotos = [];
  let observer = null;

  // Made once: a re-render keeps the file inputs (and a picker already open).
  const addPhotoLabels = {};
  for (const [kind, label] of [['before', 'Avant'], ['after', 'Après']]) {
    const input = h('input', { type: 'file', accept: 'image/*', capture: 'environment', class: 'sr-only', dataset: { focusKey: 'add-' + kind } });
    input.addEventListener('change', () => addPhoto(input, kind, label));
    addPhotoLabels[kind] = h('label', { class: 'btn ghost photo-add' }, input, icon('camera'), `Photo ${label.toLowerCase()}`);
  }

  function view(open) {
    const server = Array.isArray(m.detail.photos) ? m.detail.photos : [];
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
            h('button', { class: 'btn small', type: 'button', text: 'Réessayer', dataset: { busy: 'photo:' + job.sha256 }, onclick: () => m.guard('photo:' + job.sha256, () => uploads.retry(job.sha256).then(refresh)) }),
            h('button', { class: 'btn small ghost danger', type: 'button', text: 'Supprimer', dataset: { busy: 'photo:' + job.sha256 }, onclick: () => m.guard('photo:' + job.sha256, () => uploads.forget(job.sha256).then(refresh)) }),
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
    const element = m.body.querySelector(`[data-progress="${job.sha256}"]`);
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
      const skew = m.now() - Date.now();
      const takenAt = file.lastModified && Math.abs(Date.now() - file.lastModified) < 7 * 86400_000 ? file.lastModified + skew : m.now();
      await uploads.add({ requestId: id, kind, title: `Photo ${label.toLowerCase()} « ${m.title()} »`, photo, takenAt });
      ctx.toast(`Photo prête (${formatBytes(photo.full.bytes.length)}) : envoi ${ctx.online ? 'en cours' : 'dès le retour du réseau'}.`);
      await refresh();
    } catch (error) {
      ctx.toast(error?.message || 'Photo illisible.');
    }
  }

  /** The photos waiting on the phone, read again; those the hub now lists are freed. Draws the screen. */
  async function refresh() {
    if (!m.alive) return;
    localPhotos = await uploads.list(id);
    if (!m.alive) return;
    const known = new Set((m.detail?.photos ?? []).map((p) => p.sha256));
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
    m.render();
  }

  /** Hub photos need the bearer token: fetched as blobs when they come into view. */
  async function photoUrl(photoId, size) {
    const key = size + ':' + photoId;
    if (urls.has(key)) return urls.get(key);
    const token = ctx.api.accessToken?.();
    const response = await fetch(`/provider/photos/${encodeURIComponent(photoId)}?size=${size}`, { headers: token ? { Authorization: 'Bearer ' + token } : {} });
    if (!response.ok) throw new Error(response.status === 404 ? 'Photo introuvable.' : 'Photo indisponible pour le moment.');
    const blob = await response.blob();
    if (!m.alive) throw new Error('Écran fermé.');
    if (urls.has(key)) return urls.get(key);
    const url = URL.createObjectURL(blob);
    urls.set(key, url);
    return url;
  }

  /** Hub thumbnails load when they come into view; one observer per render, for this render's images only. */
  function observe() {
    observer?.disconnect();
    observer = null;
    const images = [...m.body.querySelectorAll('img[data-photo]:not([src])')];
    if (!images.length || !m.alive) return;
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
    if (m.dialogs.size) return;
    const img = h('img', { alt: `Photo ${label.toLowerCase()} du ${formatDateTime(photo.taken_at)}`, class: 'full-photo' });
    const status = h('p', { class: 'muted', text: 'Chargement de la photo…' });
    m.track(openDialog({ title: `Photo ${label.toLowerCase()}`, body: [status, img], cancelLabel: 'Fermer' }));
    photoUrl(photo.id, 'full')
      .then((url) => {
        img.src = url;
        status.textContent = formatDateTime(photo.taken_at);
      })
      .catch((error) => {
        status.textContent = error.message;
      });
  }

  /** The screen closes: the observer stops, every object URL is freed. */
  function close() {
    observer?.disconnect();
    observer = null;
    for (const url of urls.values()) URL.revokeObjectURL(url);
    urls.clear();
  }

  return { view, refresh, updateProgress, observe, close };
}
