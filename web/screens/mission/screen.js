// The mission screen's state, loading and answers from the outbox; the stages, timer, photos, materials and payment
// are their own modules, each given the mission (`m.detail`, `m.act`, `m.render`…).
import { fill, h, icon } from '/lib/dom.js';
import { refusalNotices, rerender } from '/lib/ui.js';
import { answeredSince, concerns, correctRefusals, currentStatus, isWorkOpen } from '/lib/mission.js';
import { clockOf, requestActions } from '/screens/demandes/common.js';
import { stagesView } from '/screens/mission/stages.js';
import { loadTimer, timerView, updateClock } from '/screens/mission/timer.js';
import { createPhotos } from '/screens/mission/photos.js';
import { createMaterials } from '/screens/mission/materials.js';
import { createPayment } from '/screens/mission/payment.js';
import { createQuotes } from '/screens/mission/quotes.js';

const GONE = 'Cette mission n’existe plus ou ne vous est plus attribuée.';

export function mountMission(root, ctx, id) {
  const path = '/provider/requests/' + encodeURIComponent(id);
  const back = h('a', { class: 'btn ghost small back', href: '#demandes/' + encodeURIComponent(id) }, icon('back'), 'Fiche de la demande');
  const body = h('div', { class: 'mission' });
  fill(root, back, body);
  fill(body, h('p', { class: 'card muted skeleton', text: 'Chargement de la mission…' }));
  const busy = new Set(); // controls whose action is being queued (data-busy keys)

  /** The mission's state, shared with its sections. */
  const m = {
    ctx,
    id,
    path,
    body,
    timerKey: 'timer:' + id,
    /** Now on the hub's clock: every time sent to the hub (timer taps, photo times) uses it, never the phone's. */
    now: clockOf(ctx),
    detail: null,
    fresh: false,
    alive: true,
    failed: null,
    timer: null, // the merged timer state
    refusals: [], // refused outbox items of this request, shown until the provider dismisses them
    dialogs: new Set(),
    title: () => m.detail?.title || 'la mission',
    track(dialog) {
      m.dialogs.add(dialog);
      dialog.addEventListener('close', () => m.dialogs.delete(dialog));
      return dialog;
    },
    /**
     * Runs `task` once at a time per `key`: the controls marked `data-busy="<key>"` stay disabled until the action is
     * queued and the local copy changed, and a second tap meanwhile is ignored (no duplicate with a new idempotency key).
     */
    async guard(key, task) {
      if (busy.has(key)) return undefined;
      busy.add(key);
      markBusy();
      try {
        return await task();
      } finally {
        busy.delete(key);
        markBusy();
      }
    },
    render,
    /** Reads the mission from the hub again (an action outside the request's path went through). */
    reload: () => load(),
    /** An action through the one path: the optimistic change of the phone's copies (`change`), then the outbox. */
    act: (step) => perform(step),
    /** The same for actions on paths outside the request's (/provider/quotes/…, /provider/finance/invoices/…). */
    actOutside: (step) => performOutside(step),
  };
  const actions = (base) =>
    requestActions({
      ctx,
      id,
      path: base,
      title: m.title,
      detail: () => m.detail,
      setDetail: (data) => {
        m.detail = data;
        render();
      },
      reload: () => load(),
    });
  const perform = actions(path);
  const performOutside = actions('');
  const photos = createPhotos(m);
  const materials = createMaterials(m);
  const payment = createPayment(m);
  const quotes = createQuotes(m);

  function markBusy() {
    for (const element of body.querySelectorAll('[data-busy]')) element.disabled = busy.has(element.dataset.busy);
  }

  // MARK: Refusals

  const refusalView = refusalNotices(dismiss);
  const refusalBox = refusalView.element;

  async function dismiss(seq) {
    await ctx.outbox.dismiss(seq).catch(() => {});
    readOutbox(await ctx.outbox.list().catch(() => []));
    render();
  }

  function readOutbox(items) {
    m.refusals = (items ?? []).filter((item) => item.state === 'refused' && concerns(item, path));
  }

  /** Refused actions: the optimistic copy goes, the hub's detail comes back, the list item follows it. */
  const fixing = new Set();
  async function correct(items, announce) {
    const results = await correctRefusals(ctx, items, { path, fixing }).catch(() => []);
    if (!m.alive) return results;
    for (const result of results) {
      if (announce) ctx.toast(`Refusé par le hub : ${result.refusals.map((item) => item.reason || 'action refusée').join(' ; ')}`);
      if (result.detail) {
        m.detail = result.detail;
        m.fresh = true;
        m.failed = null;
        await loadTimer(m);
      } else if (result.error?.status === 404) {
        m.detail = null;
        m.failed = GONE;
      }
    }
    if (results.length) await photos.refresh();
    return results;
  }

  // MARK: Rendering

  function render() {
    if (!m.alive) return;
    refusalView.show(m.refusals);
    const refusals = m.refusals.length ? refusalBox : null;
    if (!m.detail) {
      if (m.failed) fill(body, refusals, h('div', { class: 'card' }, h('p', { class: 'error', role: 'alert', text: m.failed }), h('a', { class: 'btn', href: '#demandes', text: 'Retour aux demandes' })));
      return;
    }
    rerender(body, refusals, view());
    markBusy();
    updateClock(m);
    photos.observe();
  }

  function view() {
    const { detail } = m;
    const status = currentStatus(detail);
    const open = isWorkOpen(detail);
    return [
      h(
        'header',
        { class: 'card mission-head' },
        h('h2', { class: 'req-title', text: detail.title || 'Mission' }),
        h('p', { class: 'req-line' }, icon('user'), h('span', { text: [detail.client?.first_name ?? detail.client_first_name, detail.address || detail.zone?.name].filter(Boolean).join(' — ') })),
        !m.fresh ? h('p', { class: 'muted', text: 'Copie enregistrée sur le téléphone.' }) : null,
        detail.mission?.conflicts?.length ? h('ul', { class: 'conflicts' }, detail.mission.conflicts.map((c) => h('li', { class: 'error', text: c.message }))) : null,
      ),
      stagesView(m, status),
      open ? timerView(m) : null,
      photos.view(open),
      materials.view(open),
      quotes.view(),
      payment.view(status),
    ];
  }

  // MARK: Loading

  async function load() {
    if (!m.detail) {
      const item = await ctx.requests.get(id).catch(() => null);
      const cached = await ctx.db.get('kv', 'detail:' + id).catch(() => null);
      if (item && !cached && m.alive) {
        m.detail = item;
        await loadTimer(m);
        render();
      }
    }
    await ctx.detail(
      id,
      async (data, meta) => {
        if (!m.alive) return;
        m.detail = data;
        m.fresh = !meta?.cached;
        m.failed = null;
        await loadTimer(m);
        await photos.refresh();
      },
      (error) => {
        m.failed = error?.status === 404 ? GONE : error?.message || 'Impossible de charger la mission.';
        if (!m.detail) render();
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
    if (!m.alive) return;
    const before = m.refusals.map((item) => item.seq).join(',');
    readOutbox(items);
    const news = answeredSince(items, path, seenAnswers);
    // A draft invoice's edit and sending go to /provider/finance/invoices/{id}: their answers bring the hub's copy back.
    const invoiceId = m.detail?.invoice?.id;
    const invoiceNews = invoiceId && invoiceId !== 'local' ? answeredSince(items, '/provider/finance/invoices/' + encodeURIComponent(invoiceId), seenAnswers) : null;
    if (invoiceNews?.refused.length) ctx.toast(`Refusé par le hub : ${invoiceNews.refused.map((item) => item.reason || 'action refusée').join(' ; ')}`);
    if (invoiceNews && (invoiceNews.sent.length || invoiceNews.refused.length)) load();
    if (news.refused.length) {
      const results = await correct(items, true);
      if (!results?.some((result) => result.detail || result.error?.status === 404)) load();
    } else if (news.sent.length) load();
    else if (before !== m.refusals.map((item) => item.seq).join(',')) render();
  });
  // The app's upload queue reports each photo's progress and state.
  const offUpload = ctx.on('upload', (job) => {
    if (!m.alive || job?.requestId !== id) return;
    if (job.state !== 'uploading') photos.refresh();
    else photos.updateProgress(job);
  });
  // "En attente de réseau" ↔ "Envoi n %": the core runs the queue when the link is back.
  const onNetwork = () => photos.refresh();
  addEventListener('online', onNetwork);
  addEventListener('offline', onNetwork);
  const tick = setInterval(() => updateClock(m), 1000);

  return () => {
    m.alive = false;
    offRequests();
    offRefresh();
    offOutbox();
    offUpload();
    removeEventListener('online', onNetwork);
    removeEventListener('offline', onNetwork);
    clearInterval(tick);
    for (const dialog of [...m.dialogs]) dialog.close();
    photos.close();
    quotes.close();
  };
}
