// Quotes (devis) of the mission: the list (number, total, status, who accepted or refused it and when), a new quote
// from a template or typed lines, sending it to the client (WhatsApp, with the link to their page), its PDF, and the
// accepted quote turned into the invoice. Every action goes through the outbox; the rules are in /lib/quotes.js.
import { h, icon } from '/lib/dom.js';
import { field, openDialog, place, refusalNotices } from '/lib/ui.js';
import { formatDate, formatXAF } from '/lib/format.js';
import { fileNameFromDisposition } from '/lib/finance.js';
import { currentStatus } from '/lib/mission.js';
import { pendingInvoice } from '/lib/transitions.js';
import { createLinesEditor } from '/screens/mission/lines.js';
import {
  LIMITS, canCreateQuote, emptyLine, pendingLabel, quoteActions, quoteAnswers, quoteHistory, quoteRequest, statusDisplay,
  templateLines, templateTitle, withOutbox,
} from '/lib/quotes.js';

/** The quotes of mission `m`: `view()`, and `close()` when the screen goes. */
export function createQuotes(m) {
  const { ctx } = m;
  const listPath = m.path + '/quotes';
  const section = h('section', { class: 'card quotes', 'aria-labelledby': 'quotes-title' });
  const title = h('h2', { id: 'quotes-title', text: 'Devis' });
  const refusals = refusalNotices(dismiss);
  let quotes = null; // the hub's list (or the phone's copy of it); null until read
  let failed = null;
  let items = []; // the outbox
  let templates = [];
  const seen = new Set();
  /** Actions on /provider/quotes/… (not under the request's path), with the request's optimistic copy and rollback. */
  const actOnQuote = m.actOutside;

  function load() {
    return ctx.load(
      'quotes:' + m.id,
      listPath,
      (data) => {
        if (!m.alive) return;
        quotes = Array.isArray(data) ? data : [];
        failed = null;
        m.render();
      },
      (error) => {
        if (!m.alive) return;
        failed = error?.offline ? 'Devis indisponibles hors connexion.' : error?.message || 'Impossible de charger les devis.';
        m.render();
      },
    );
  }

  function loadTemplates() {
    return ctx.load('quote-templates', '/provider/quote-templates', (data) => {
      templates = Array.isArray(data) ? data : [];
    });
  }

  function readOutbox(list, { fresh = true } = {}) {
    items = list ?? [];
    const news = quoteAnswers(items, m.path, seen);
    if (!fresh) return;
    if (news.created || news.sent || news.invoiced || news.refused) load();
    if (news.invoiced || news.refused) m.reload();
  }

  async function dismiss(seq) {
    await ctx.outbox.dismiss(seq).catch(() => {});
    readOutbox(await ctx.outbox.list().catch(() => []), { fresh: false });
    m.render();
  }

  // MARK: The section

  function view() {
    const { detail } = m;
    const status = currentStatus(detail);
    const invoiced = Boolean(detail.invoice);
    const merged = withOutbox(quotes ?? [], items, m.path, formatXAF);
    refusals.show(merged.refused);
    const creatable = canCreateQuote(status, invoiced);
    if (!merged.quotes.length && !creatable && !merged.refused.length) return null;
    let list;
    if (merged.quotes.length) list = h('ul', { class: 'list quote-list' }, merged.quotes.map((quote) => quoteItem(quote, status, invoiced)));
    else if (quotes === null && !failed) list = h('p', { class: 'muted', text: 'Chargement des devis…' });
    else list = h('p', { class: 'muted', text: failed || 'Aucun devis pour cette mission.' });
    return place(
      section,
      title,
      merged.refused.length ? refusals.element : null,
      list,
      creatable
        ? h('button', { class: 'btn wide', type: 'button', dataset: { focusKey: 'quote-new', busy: 'quote-new' }, onclick: newQuote }, icon('plus'), 'Nouveau devis')
        : null,
    );
  }

  function quoteItem(quote, status, invoiced) {
    const now = m.now();
    const shown = statusDisplay(quote, now);
    const actions = quoteActions(quote, { missionStatus: status, invoiced, now });
    const key = (action) => `quote-${action}-${quote.id}`;
    const buttons = {
      send: () => h('button', { class: 'btn success', type: 'button', dataset: { focusKey: key('send'), busy: key('send') }, onclick: () => m.guard(key('send'), () => send(quote, false)) }, icon('send'), 'Envoyer au client'),
      resend: () => h('button', { class: 'btn ghost', type: 'button', dataset: { focusKey: key('resend'), busy: key('send') }, onclick: () => m.guard(key('send'), () => send(quote, true)) }, icon('send'), 'Renvoyer'),
      invoice: () => h('button', { class: 'btn', type: 'button', dataset: { focusKey: key('invoice'), busy: key('invoice') }, onclick: () => invoice(quote) }, icon('wallet'), 'Facturer ce devis'),
      pdf: () => h('button', { class: 'btn ghost', type: 'button', 'aria-label': `PDF du devis ${quote.number}`, dataset: { focusKey: key('pdf'), busy: key('pdf') }, onclick: () => m.guard(key('pdf'), () => pdf(quote)) }, 'PDF'),
    };
    return h(
      'li',
      { class: 'quote', dataset: { quote: quote.number || 'local' } },
      h('p', { class: 'quote-head' }, h('strong', { text: quote.number ? `Devis ${quote.number}` : 'Devis (numéro à venir)' }), h('span', { class: 'amount', text: quote.total_label || formatXAF(quote.total) })),
      h('p', { class: 'quote-state' }, h('span', { class: 'badge quote-status ' + shown.tone, text: shown.label })),
      quote.pending ? h('p', { class: 'quote-pending', role: 'status' }, h('span', { class: 'badge pending', text: 'en attente' }), h('span', { text: pendingLabel(quote.pending) })) : null,
      quoteHistory(quote, formatDate, now).map((text) => h('p', { class: 'quote-note', text })),
      quote.lines?.length
        ? h('ul', { class: 'quote-lines' }, quote.lines.map((line) => h('li', { text: `${line.kind_label || line.kind} — ${line.label} : ${line.quantity} × ${formatXAF(line.unit_price)}` })))
        : null,
      actions.length ? h('div', { class: 'actions' }, actions.map((action) => buttons[action]())) : null,
    );
  }

  // MARK: Actions

  async function send(quote, again) {
    await actOnQuote({ method: 'POST', suffix: `/provider/quotes/${encodeURIComponent(quote.id)}/send`, label: again ? `Renvoyer le devis ${quote.number}` : `Envoyer le devis ${quote.number}` });
    ctx.toast(ctx.online ? 'Devis envoyé au client par WhatsApp.' : 'Devis prêt à partir : il sera envoyé au retour du réseau.');
  }

  function invoice(quote) {
    if (m.dialogs.size) return;
    m.track(
      openDialog({
        title: 'Facturer ce devis ?',
        body: h('p', { text: `La facture de ${quote.total_label || formatXAF(quote.total)} (lignes du devis ${quote.number}) est envoyée au client avec les moyens de paiement.` }),
        submitLabel: 'Facturer',
        submitClass: 'success',
        submit: () =>
          m.guard(`quote-invoice-${quote.id}`, async () => {
            await actOnQuote({
              change: (r, kind) => (kind === 'detail' && !r.invoice ? { ...r, invoice: pendingInvoice(quote.total, formatXAF) } : r),
              method: 'POST',
              suffix: `/provider/quotes/${encodeURIComponent(quote.id)}/invoice`,
              label: `Facturer le devis ${quote.number}`,
            });
            ctx.toast('Facture envoyée au client.');
            return null;
          }),
      }),
    );
  }

  /** The quote's PDF from the hub, with the provider's token, under the hub's file name. */
  async function pdf(quote) {
    try {
      const file = await ctx.api.download(`/provider/quotes/${encodeURIComponent(quote.id)}/pdf`);
      const url = URL.createObjectURL(file.blob);
      const link = h('a', { href: url, download: fileNameFromDisposition(file.disposition, `devis-${quote.number}.pdf`) });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (error) {
      ctx.toast(error?.offline ? 'PDF indisponible hors connexion.' : error?.message || 'PDF indisponible.');
    }
  }

  // MARK: The new quote

  function newQuote() {
    if (m.dialogs.size) return;
    loadTemplates();
    const editor = createLinesEditor([emptyLine()], 'Total du devis');
    let templateId = null;
    const validity = h('input', { name: 'valid_days', inputmode: 'numeric', value: String(LIMITS.days), autocomplete: 'off', required: true });
    const picker = templates.length
      ? field(
          'Modèle (remplit les lignes)',
          h(
            'select',
            {
              name: 'template',
              onchange: (event) => {
                const chosen = templates.find((t) => t.id === event.target.value);
                templateId = chosen?.id ?? null;
                if (chosen) editor.set(templateLines(chosen));
              },
            },
            h('option', { value: '', text: 'Sans modèle' }),
            templates.map((t) => h('option', { value: t.id, text: templateTitle(t) })),
          ),
        )
      : null;
    m.track(
      openDialog({
        title: 'Nouveau devis',
        submitLabel: 'Enregistrer le devis',
        submitClass: 'success',
        body: [
          h('p', { class: 'muted', text: 'Le devis est enregistré en brouillon ; « Envoyer au client » le lui transmet par WhatsApp avec le lien pour l’accepter.' }),
          picker,
          ...editor.elements,
          field('Validité (jours)', validity, 'De 1 à 90 jours ; 15 par défaut.'),
        ],
        submit: () =>
          m.guard('quote-new', async () => {
            const checked = quoteRequest({ lines: editor.rows(), validDays: validity.value, templateId });
            if (checked.error) return checked.error;
            await m.act({ method: 'POST', suffix: '/quotes', body: checked.body, label: 'Devis' });
            ctx.toast('Devis enregistré en brouillon.');
            return null;
          }),
      }),
    );
  }

  // MARK: Life cycle

  ctx.outbox
    .list()
    .then((list) => {
      readOutbox(list, { fresh: false });
      m.render();
    })
    .catch(() => {});
  load();
  loadTemplates();
  const offOutbox = ctx.on('outbox', (list) => {
    if (!m.alive) return;
    readOutbox(list);
    m.render();
  });
  const offRefresh = ctx.on('refresh', () => load());
  // Anything the live feed says about this request (the client accepted a quote on their page…): the list again.
  const offLive = ctx.on('live', (event) => {
    if (m.alive && event?.request_id === m.id) load();
  });

  return {
    view,
    close() {
      offOutbox();
      offRefresh();
      offLive();
    },
  };
}
