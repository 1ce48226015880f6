// The request card (#demandes/<id>): the request with its actions, the quick replies and messages, the call log.
// This module holds the card's state, its loading and its answers from the outbox; the view, the dialogs, the
// messages and the calls are their own modules, each given the card (`card.detail`, `card.act`, `card.render`…).
import { fill, h, icon } from '/lib/dom.js';
import { busyGuard, refusalNotices, rerender } from '/lib/ui.js';
import { formatTime } from '/lib/format.js';
import { answeredSince, concerns, correctRefusals } from '/lib/mission.js';
import { clockOf, countdown, requestActions } from '/screens/demandes/common.js';
import { cardView } from '/screens/demandes/card-view.js';
import { createMessages } from '/screens/demandes/messages.js';
import { offerPendingCall } from '/screens/demandes/calls.js';

const GONE = 'Cette demande n’existe plus ou ne vous est plus proposée.';

export function mountCard(root, ctx, id) {
  const path = '/provider/requests/' + encodeURIComponent(id);
  const back = h('a', { class: 'btn ghost small back', href: '#demandes' }, icon('back'), 'Toutes les demandes');
  const body = h('div', { class: 'req-detail' });
  fill(root, back, body);
  fill(body, h('p', { class: 'card muted skeleton', text: 'Chargement de la demande…' }));

  /** The card's state, shared with its view, dialogs, messages and calls. */
  const card = {
    ctx,
    id,
    path,
    body,
    now: clockOf(ctx),
    detail: null,
    fresh: false,
    alive: true,
    failed: null,
    pendingCount: 0,
    refusals: [], // refused outbox items of this request, shown until the provider dismisses them
    dialogs: new Set(),
    guard: busyGuard(body),
    title: () => card.detail?.title || 'la demande',
    /** Keeps a dialog open once: a double tap opens one dialog; closed with the card. */
    track(dialog) {
      card.dialogs.add(dialog);
      dialog.addEventListener('close', () => card.dialogs.delete(dialog));
      return dialog;
    },
    render,
    load,
    /**
     * An action through the one path: the optimistic change of the phone's copies (`change`), then the outbox.
     * The hub's answer (a refusal, or a reload once sent) always comes after the optimistic change.
     */
    async act(step) {
      await perform(step);
      readOutbox(await ctx.outbox.list().catch(() => []));
      render();
    },
  };
  const perform = requestActions({
    ctx,
    id,
    path,
    title: card.title,
    detail: () => card.detail,
    setDetail: (data) => {
      card.detail = data;
      render();
    },
    reload: () => load(),
  });

  // The refusals box and the message form are made once per mount: a re-render (an outbox or sync event while the
  // provider types) keeps them in the page, with the typed text, the focus and the keyboard.
  const refusalView = refusalNotices(dismiss);
  const refusalBox = refusalView.element;
  card.messages = createMessages(card);

  async function dismiss(seq) {
    await ctx.outbox.dismiss(seq).catch(() => {});
    readOutbox(await ctx.outbox.list().catch(() => []));
    render();
  }

  function render() {
    if (!card.alive) return;
    refusalView.show(card.refusals);
    const refusals = card.refusals.length ? refusalBox : null;
    if (!card.detail) {
      if (card.failed) fill(body, refusals, h('div', { class: 'card' }, h('p', { class: 'error', role: 'alert', text: card.failed }), h('a', { class: 'btn', href: '#demandes', text: 'Retour à la liste' })));
      return;
    }
    rerender(body, refusals, cardView(card));
    for (const element of body.querySelectorAll('[data-busy]')) element.disabled = card.guard.has(element.dataset.busy);
  }

  // MARK: Loading

  /** The pending count and the refusals of this request, from the outbox list. */
  function readOutbox(items) {
    const mine = (items ?? []).filter((item) => concerns(item, path));
    card.pendingCount = mine.filter((item) => item.state === 'pending').length;
    card.refusals = mine.filter((item) => item.state === 'refused');
  }

  /**
   * Refused actions: the optimistic copy (an "Acceptée" for an offer taken or expired) is dropped, the hub's detail
   * shown again, the list item corrected; the refusal's reason stays on the card until dismissed.
   */
  const fixing = new Set();
  async function correct(items, announce) {
    const results = await correctRefusals(ctx, items, { path, fixing }).catch(() => []);
    if (!card.alive) return;
    for (const result of results) {
      if (result.detail) {
        card.detail = result.detail;
        card.fresh = true;
        card.failed = null;
      } else if (result.error?.status === 404) {
        card.detail = null;
        card.failed = GONE;
      }
      if (announce) ctx.toast(`Refusé par le hub : ${result.refusals.map((item) => item.reason || 'action refusée').join(' ; ')}`);
    }
    if (results.length) render();
    return results;
  }

  async function load() {
    readOutbox(await ctx.outbox.list().catch(() => []));
    if (!card.detail) {
      const item = await ctx.requests.get(id).catch(() => null);
      const cached = await ctx.db.get('kv', 'detail:' + id).catch(() => null);
      if (item && !cached && card.alive) {
        card.detail = item;
        render();
      }
    }
    await ctx.detail(
      id,
      (data, meta) => {
        if (!card.alive) return;
        card.detail = data;
        card.fresh = !meta?.cached;
        card.failed = null;
        render();
      },
      (error) => {
        card.failed = error?.status === 404 ? GONE : error?.message || 'Impossible de charger la demande.';
        if (!card.detail) render();
        else ctx.toast(card.failed);
      },
    );
    // Opening the card reads the offer: the list's "Non lue" goes at once, offline too.
    const item = await ctx.requests.get(id).catch(() => null);
    if (item?.offer_unseen) {
      await ctx.db.put('requests', id, { ...item, offer_unseen: false });
      ctx.emit?.('requests', { changed: [id], removed: [], touched: [], local: true });
    }
    offerPendingCall(card);
  }

  load();

  const offRequests = ctx.on('requests', (change) => {
    if (!change?.changed?.includes(id) && !change?.removed?.includes(id)) return;
    if (change.local) return;
    load();
  });
  const seenAnswers = new Set();
  ctx.outbox
    .list()
    .then((items) => {
      answeredSince(items, path, seenAnswers);
      return correct(items, false);
    })
    .catch(() => {});
  const outboxKey = () => `${card.pendingCount}/${card.refusals.map((item) => item.seq)}`;
  const offOutbox = ctx.on('outbox', async (items) => {
    if (!card.alive) return;
    const before = outboxKey();
    readOutbox(items);
    const news = answeredSince(items, path, seenAnswers);
    if (news.refused.length) {
      const results = await correct(items, true);
      if (!results?.some((result) => result.detail || result.error?.status === 404)) load();
    } else if (news.sent.length) {
      // An action on this request reached the hub: its answer (message ids, call ids, status) is worth a reload.
      load();
    } else if (before !== outboxKey()) render();
  });
  const offRefresh = ctx.on('refresh', () => load());
  // The client wrote about this request (live feed): their message and the states of mine, fresh from the hub.
  const offLive = ctx.on('live', (event) => {
    if (card.alive && event?.kind === 'client_message' && event.request_id === id) load();
  });
  const onVisible = () => {
    if (document.visibilityState === 'visible') offerPendingCall(card);
  };
  document.addEventListener('visibilitychange', onVisible);
  addEventListener('focus', onVisible);
  const tick = setInterval(() => {
    const timer = body.querySelector('.req-card [role="timer"]');
    if (!timer || !card.detail?.offer_expires_at) return;
    const left = countdown(card.detail.offer_expires_at, card.now());
    if (!left) return render();
    timer.lastChild.textContent = `Offre valable encore ${left} (jusqu’à ${formatTime(card.detail.offer_expires_at)})`;
  }, 1000);

  return () => {
    card.alive = false;
    offRequests();
    offOutbox();
    offRefresh();
    offLive();
    clearInterval(tick);
    document.removeEventListener('visibilitychange', onVisible);
    removeEventListener('focus', onVisible);
    for (const dialog of card.dialogs) dialog.close();
  };
}
