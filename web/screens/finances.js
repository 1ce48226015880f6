// Finances: revenue of the period (by service, client, payment method), Djobea's commission in full, pending
// payments, the payment history and the invoices. Shown from the phone's cache at once, then refreshed.
import {
  EXPORT_FORMATS, PERIODS, commissionBreakdown, exportFileName, exportPath, exportPeriodError, exportPresets, fileNameFromDisposition, groupHistory,
  invoiceDue, invoiceFilters, invoiceStatus, invoicePdfPath, mergeById, shortDate, sortPending,
} from '/lib/finance.js';
import { formatTime, formatXAF } from '/lib/format.js';
import { field } from '/lib/ui.js';
import { goalCard } from '/screens/finances/goal.js';
import { invoiceActions } from '/screens/finances/invoiceactions.js';

export default {
  title: 'Finances',
  mount(root, ctx, param) {
    ctx.useStyle('/screens/finances.css');
    const { h, icon, fill } = ctx;
    let alive = true;
    let period = PERIODS.some((p) => p.code === param) ? param : 'month';
    let history = { items: [], page: 1, pages: 1 };
    let invoiceStatusFilter = null;
    let invoiceCounts = null;

    const section = (id, title, ...rest) =>
      h('section', { class: 'card fin-section', 'aria-labelledby': id }, h('h2', { id, text: title }), ...rest);
    const loading = () => h('p', { class: 'skeleton', text: 'Chargement…' });
    const chips = h('div', { class: 'chips fin-periods', role: 'group', 'aria-label': 'Période' });
    const summary = h('div', {}, loading());
    const detail = h('div', {}, loading());
    const pending = h('div', {}, loading());
    const historyBox = h('div', {}, loading());
    const invoiceChips = h('div', { class: 'chips', role: 'group', 'aria-label': 'Filtrer les factures' });
    const invoiceList = h('ul', { class: 'list fin-invoices' });
    const invoiceMore = h('div', {});
    const invoiceNote = h('p', { class: 'muted', 'aria-live': 'polite', text: 'Chargement des factures…' });
    const exportBox = exportForm();
    const goal = goalCard(ctx, () => alive);
    fill(root,
      goal.element,
      chips,
      section('fin-summary', 'Revenus', summary),
      section('fin-pending', 'Paiements en attente', pending),
      section('fin-detail', 'Détail des revenus', detail),
      section('fin-history', 'Historique des paiements', historyBox),
      section('fin-invoices', 'Factures', invoiceChips, invoiceNote, invoiceList, invoiceMore),
      section('fin-export', 'Relevé à télécharger', exportBox));

    const failed = (target, what) => (error) => {
      if (!alive) return;
      fill(target, h('p', { class: 'error', role: 'alert', text: `${what} : ${error.message}` }),
        h('button', { class: 'btn ghost small', type: 'button', text: 'Réessayer', onclick: reload }));
    };
    const requestLink = (id, text = 'Voir la demande') =>
      id ? h('a', { class: 'btn ghost small', href: '#demandes/' + encodeURIComponent(id) }, h('span', { text })) : null;
    const nb = (text) => (text ? String(text).replace(/-/g, '\u2011') : text); // invoice numbers never break
    const line = (label, value, cls = '') => h('div', { class: 'fin-line ' + cls }, h('dt', { text: label }), h('dd', { text: value }));

    // MARK: Period switch
    function renderChips() {
      fill(chips, PERIODS.map((p) => h('button', {
        class: 'chip', type: 'button', 'aria-pressed': String(p.code === period), text: p.label,
        onclick: () => {
          if (p.code === period) return;
          period = p.code;
          renderChips();
          loadEarnings();
        },
      })));
    }

    // MARK: Earnings
    function renderEarnings(data, forPeriod) {
      if (!alive || !data || forPeriod !== period) return;
      const b = commissionBreakdown(data);
      const gross = Number(data.gross) || 0;
      const netShare = gross ? Math.max(0, Math.min(100, ((Number(data.net) || 0) / gross) * 100)) : 0;
      fill(summary,
        h('p', { class: 'fin-range', text: data.range?.label ?? '' }),
        h('p', { class: 'fin-net' }, h('span', { class: 'kpi-label', text: 'Net pour vous' }), h('span', { class: 'fin-big', text: b.net })),
        h('dl', { class: 'fin-lines' },
          line('Montant encaissé (brut)', b.gross),
          line(`Commission Djobea (${b.share})`, '− ' + b.commission, 'fin-minus'),
          line('Net', b.net, 'fin-total')),
        gross ? h('div', { class: 'fin-split', role: 'img', 'aria-label': `Net ${Math.round(netShare)} %, commission ${100 - Math.round(netShare)} % du brut` },
          h('span', { class: 'fin-split-net', style: { width: netShare + '%' } })) : null,
        b.change ? h('p', { class: 'muted fin-change' }, h('span', { text: b.change.previous }), h('br'),
          h('strong', { class: 'fin-trend-' + b.change.trend, text: `${b.change.trend === 'up' ? '▲' : b.change.trend === 'down' ? '▼' : '='} ${b.change.delta}` })) : null,
        h('details', { class: 'fin-commission' },
          h('summary', { text: 'Comment la commission est calculée' }),
          h('p', { text: 'Djobea prélève un pourcentage du montant encaissé pour chaque mission. Le taux dépend de votre niveau et de la date de la mission.' }),
          b.rates.length
            ? h('ul', { class: 'list' }, b.rates.map((rate) => h('li', { class: 'fin-row' }, h('span', { class: 'grow', text: rate.text }), h('strong', { text: rate.amount }))))
            : h('p', { class: 'muted', text: 'Aucune commission sur la période.' })));

      const services = data.by_service ?? [];
      const clients = data.top_clients ?? [];
      const methods = data.by_method ?? [];
      fill(detail,
        h('h3', { text: 'Par service' }),
        services.length ? h('ul', { class: 'list' }, services.map((s) => h('li', {},
          h('div', { class: 'fin-row' }, h('strong', { class: 'grow', text: s.service_name }), h('strong', { text: formatXAF(s.gross) })),
          h('div', { class: 'muted', text: `${s.missions ?? 0} mission${s.missions > 1 ? 's' : ''} · commission ${formatXAF(s.commission)} · net ${formatXAF(s.net)}` }))))
          : h('p', { class: 'muted', text: 'Aucune mission payée sur la période.' }),
        h('h3', { text: 'Par client' }),
        clients.length ? h('ul', { class: 'list' }, clients.map((c) => h('li', { class: 'fin-row' },
          h('span', { class: 'grow fin-name' }, c.client_name ?? 'Client', h('span', { class: 'muted', text: ` · ${c.missions ?? 0} mission${c.missions > 1 ? 's' : ''}` })),
          h('strong', { text: formatXAF(c.gross) }))))
          : h('p', { class: 'muted', text: 'Aucun client sur la période.' }),
        methods.length ? h('h3', { text: 'Par moyen de paiement' }) : null,
        methods.length ? h('ul', { class: 'list' }, methods.map((m) => h('li', { class: 'fin-row' },
          h('span', { class: 'grow', text: m.method_label ?? m.method }), h('strong', { text: formatXAF(m.amount) })))) : null);

      const late = sortPending(data.pending_payments);
      fill(pending,
        h('p', { class: 'fin-row' }, h('span', { class: 'grow', text: `${late.length} facture${late.length > 1 ? 's' : ''} non réglée${late.length > 1 ? 's' : ''}` }),
          h('strong', { text: formatXAF(data.pending_total) })),
        late.length ? h('ul', { class: 'list' }, late.map((p) => {
          const status = invoiceStatus(p);
          return h('li', {},
            h('div', { class: 'fin-row' }, h('strong', { class: 'grow fin-name', text: p.client_name ?? 'Client' }), h('strong', { text: formatXAF(p.amount_due) })),
            h('div', {}, h('span', { class: 'tag ' + status.tone, text: status.label }), ' ',
              h('span', { class: 'muted', text: [nb(p.invoice_number), p.service_name, p.completed_at ? `terminée le ${shortDate(p.completed_at)}` : null,
                p.days_late > 0 ? `${p.days_late} j de retard` : p.due_at ? `échéance ${shortDate(p.due_at)}` : null].filter(Boolean).join(' · ') })),
            h('div', { class: 'actions' }, requestLink(p.request_id)));
        })) : h('p', { class: 'muted', text: 'Tout est payé. Bravo !' }));

      const ph = data.payment_history ?? {};
      history = { items: ph.items ?? [], page: ph.page ?? 1, pages: ph.total_pages ?? 1, total: ph.total_items ?? 0, period: forPeriod };
      renderHistory();
    }

    function renderHistory() {
      const groups = groupHistory(history.items);
      fill(historyBox,
        groups.length ? groups.map((g) => h('div', { class: 'fin-day' },
          h('h3', { class: 'fin-row' }, h('span', { class: 'grow', text: g.label }), h('span', { text: formatXAF(g.total) })),
          h('ul', { class: 'list' }, g.items.map((item) => {
            const reversal = item.kind === 'reversal';
            return h('li', { class: item.reversed ? 'fin-reversed' : '' },
              h('div', { class: 'fin-row' }, h('span', { class: 'grow fin-name', text: item.client_name ?? 'Client' }),
                h('strong', { text: (reversal ? '− ' : '') + formatXAF(Math.abs(item.amount)) })),
              h('div', { class: 'muted', text: [formatTime(item.recorded_at), item.method_label, nb(item.invoice_number), reversal ? item.kind_label : null, item.reversed ? 'annulé' : null].filter(Boolean).join(' · ') }));
          })))) : h('p', { class: 'muted', text: 'Aucun paiement sur la période.' }),
        h('div', { class: 'actions' },
          history.page < history.pages ? h('button', { class: 'btn ghost', type: 'button', onclick: moreHistory }, h('span', { text: `Voir plus (${history.items.length} sur ${history.total})` })) : null,
          history.items.length ? h('button', { class: 'btn ghost', type: 'button', onclick: goToExport }, h('span', { text: 'Exporter une période (PDF, Excel, CSV)' })) : null));
    }

    async function moreHistory(event) {
      const button = event.currentTarget;
      button.disabled = true;
      const asked = period;
      try {
        const data = await ctx.api.get(`/provider/finance/earnings/${asked}?history_page=${history.page + 1}`);
        if (!alive || asked !== period) return;
        const ph = data.payment_history ?? {};
        history = { ...history, items: mergeById(history.items, ph.items), page: ph.page ?? history.page + 1, pages: ph.total_pages ?? history.pages };
        renderHistory();
        historyBox.querySelector('.actions button')?.focus();
      } catch (error) {
        button.disabled = false;
        ctx.toast(error.message);
      }
    }

    // MARK: Statement export (any span of days, through the authenticated API)
    function exportForm() {
      const presets = exportPresets(ctx.api.now?.() ?? Date.now());
      const initial = presets.find((p) => p.code === 'last-month') ?? presets[0];
      const fromInput = h('input', { type: 'date', id: 'fin-export-from', name: 'from', required: true, min: '2000-01-01', max: '2099-12-31', value: initial.from });
      const toInput = h('input', { type: 'date', id: 'fin-export-to', name: 'to', required: true, min: '2000-01-01', max: '2099-12-31', value: initial.to });
      const note = h('p', { class: 'muted', 'aria-live': 'polite', text: 'Paiements, commissions, corrections, totaux et récapitulatif par mois : les mêmes chiffres que cet écran.' });
      const presetChips = h('div', { class: 'chips fin-export-presets', role: 'group', 'aria-label': 'Périodes rapides' },
        presets.map((p) => h('button', {
          class: 'chip', type: 'button', text: p.label,
          onclick: () => {
            fromInput.value = p.from;
            toInput.value = p.to;
            note.textContent = `${p.label} : du ${shortDate(p.from + 'T12:00:00Z', 0)} au ${shortDate(p.to + 'T12:00:00Z', 0)}.`;
          },
        })));
      const buttons = h('div', { class: 'actions fin-export-buttons' },
        EXPORT_FORMATS.map((f) => h('button', { class: 'btn', type: 'button', onclick: (event) => download(event, f.code) }, h('span', { text: f.label }))));
      async function download(event, format) {
        const button = event.currentTarget;
        const [from, to] = [fromInput.value, toInput.value];
        const problem = exportPeriodError(from, to);
        if (problem) {
          note.textContent = problem;
          (problem.startsWith('Choisissez') || from > to ? toInput : fromInput).focus();
          return;
        }
        button.disabled = true;
        note.textContent = 'Préparation du fichier…';
        try {
          await saveFile(exportPath(format, from, to), exportFileName(format, from, to));
          note.textContent = `Fichier ${exportFileName(format, from, to)} téléchargé.`;
        } catch (error) {
          note.textContent = `Téléchargement impossible : ${error.message}`;
        } finally {
          button.disabled = false;
        }
      }
      return h('div', { id: 'finances-export' },
        presetChips,
        h('div', { class: 'fin-export-dates' }, field('Du', fromInput), field('Au (inclus)', toInput)),
        buttons, note);
    }

    function goToExport() {
      exportBox.scrollIntoView?.({ behavior: 'smooth', block: 'start' });
      exportBox.querySelector('input')?.focus({ preventScroll: true });
    }

    /** Downloads a file of the hub with the provider's token, under the hub's file name. */
    async function saveFile(path, fallbackName) {
      const file = await ctx.api.download(path);
      const url = URL.createObjectURL(file.blob);
      const link = h('a', { href: url, download: fileNameFromDisposition(file.disposition, fallbackName) });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    }

    function loadEarnings() {
      const asked = period;
      if (history.period !== asked) [summary, detail, pending, historyBox].forEach((box) => fill(box, loading()));
      return ctx.load('fin:earnings:' + asked, '/provider/finance/earnings/' + asked, (data) => renderEarnings(data, asked),
        (error) => asked === period && [summary, detail, pending, historyBox].forEach((box) => failed(box, 'Revenus indisponibles')(error)));
    }

    // MARK: Invoices (big payload: loaded after the rest, 20 at a time)
    let invoices = { items: [], page: 1, pages: 1, total: 0 };
    function renderInvoiceChips() {
      if (!invoiceCounts) return fill(invoiceChips);
      fill(invoiceChips, invoiceFilters(invoiceCounts).map((f) => h('button', {
        class: 'chip', type: 'button', 'aria-pressed': String(f.code === invoiceStatusFilter), text: f.label,
        onclick: () => {
          if (f.code === invoiceStatusFilter) return;
          invoiceStatusFilter = f.code;
          renderInvoiceChips();
          loadInvoices();
        },
      })));
    }
    function invoiceItem(inv) {
      const status = invoiceStatus(inv);
      const lines = h('div', {});
      return h('li', { class: 'fin-invoice' },
        h('div', { class: 'fin-row' }, h('strong', { class: 'grow', text: nb(inv.number) ?? 'Facture' }), h('span', { class: 'tag ' + status.tone, text: status.label })),
        h('div', { class: 'fin-name', text: [inv.client_name, inv.request_title].filter(Boolean).join(' — ') }),
        h('div', { class: 'fin-row' }, h('strong', { class: 'grow', text: formatXAF(inv.total) }), h('span', { class: 'muted', text: invoiceDue(inv) })),
        h('div', { class: 'muted', text: [`émise le ${shortDate(inv.issued_at)}`, inv.reminders_sent ? `${inv.reminders_sent} relance${inv.reminders_sent > 1 ? 's' : ''}` : null].filter(Boolean).join(' · ') }),
        h('details', {
          ontoggle: (event) => event.currentTarget.open && !lines.childNodes.length && fill(lines,
            h('ul', { class: 'list' }, (inv.lines ?? []).map((l) => h('li', { class: 'fin-row' },
              h('span', { class: 'grow fin-name', text: `${l.label}${l.quantity > 1 ? ` (${l.quantity} × ${formatXAF(l.unit_price)})` : ''}` }),
              h('span', { text: formatXAF(l.amount) })))),
            h('p', { class: 'fin-row' }, h('span', { class: 'grow', text: 'Payé' }), h('span', { text: formatXAF(inv.paid) })),
            h('div', { class: 'actions' }, requestLink(inv.request_id))),
        }, h('summary', { text: 'Détail' }), lines),
        invoiceActions(ctx, inv, () => loadInvoices()),
        h('div', { class: 'actions fin-invoice-pdf' }, h('button', {
          class: 'btn ghost small', type: 'button', 'aria-label': `Facture ${inv.number ?? ''} en PDF`,
          onclick: async (event) => {
            const button = event.currentTarget;
            button.disabled = true;
            try {
              await saveFile(invoicePdfPath(inv.id), `${inv.number ?? 'facture'}.pdf`);
            } catch (error) {
              ctx.toast(`PDF indisponible : ${error.message}`);
            } finally {
              button.disabled = false;
            }
          },
        }, h('span', { text: 'PDF' }))));
    }
    function renderInvoices(data, forFilter) {
      if (!alive || !data || forFilter !== invoiceStatusFilter) return;
      if (forFilter === null && data.status_counts) invoiceCounts = data.status_counts;
      else invoiceCounts ??= data.status_counts;
      renderInvoiceChips();
      invoices = { items: data.items ?? [], page: data.page ?? 1, pages: data.total_pages ?? 1, total: data.total_items ?? 0 };
      fill(invoiceList, invoices.items.map(invoiceItem));
      renderInvoiceFooter();
    }
    function renderInvoiceFooter() {
      invoiceNote.textContent = invoices.total ? `${invoices.items.length} facture${invoices.items.length > 1 ? 's' : ''} affichée${invoices.items.length > 1 ? 's' : ''} sur ${invoices.total}.` : 'Aucune facture.';
      fill(invoiceMore, invoices.page < invoices.pages
        ? h('div', { class: 'actions' }, h('button', { class: 'btn ghost', type: 'button', onclick: moreInvoices, text: 'Voir plus de factures' }))
        : null);
    }
    async function moreInvoices(event) {
      const button = event.currentTarget;
      button.disabled = true;
      const asked = invoiceStatusFilter;
      const query = new URLSearchParams({ page: String(invoices.page + 1) });
      if (asked) query.set('status', asked);
      try {
        const data = await ctx.api.get('/provider/finance/invoices?' + query);
        if (!alive || asked !== invoiceStatusFilter) return;
        const fresh = mergeById(invoices.items, data.items, 'id').slice(invoices.items.length);
        invoices = { ...invoices, items: invoices.items.concat(fresh), page: data.page ?? invoices.page + 1, pages: data.total_pages ?? invoices.pages };
        const added = fresh.map(invoiceItem);
        invoiceList.append(...added);
        renderInvoiceFooter();
        if (added.length) {
          added[0].setAttribute('tabindex', '-1');
          added[0].focus();
        }
      } catch (error) {
        button.disabled = false;
        ctx.toast(error.message);
      }
    }
    function loadInvoices() {
      const asked = invoiceStatusFilter;
      const path = '/provider/finance/invoices' + (asked ? '?status=' + asked : '');
      invoiceNote.textContent = 'Chargement des factures…';
      return ctx.load('fin:invoices:' + (asked ?? 'all'), path, (data) => renderInvoices(data, asked),
        (error) => asked === invoiceStatusFilter && failed(invoiceMore, 'Factures indisponibles')(error));
    }

    function reload() {
      if (!alive) return;
      goal.load();
      loadEarnings().finally(() => alive && setTimeout(loadInvoices, 0));
    }
    renderChips();
    reload();
    const offs = [
      ctx.on('refresh', reload),
      ctx.on('outbox', (items) => goal.onOutbox(items)),
      ctx.on('touched', (names) => (names ?? []).some((n) => /finance|invoice|payment|dashboard/.test(n)) && reload()),
    ];
    return () => {
      alive = false;
      for (const off of offs) off();
    };
  },
};
