// Accueil: the alerts (new, urgent, waiting > 30 min, payments received), the KPI cards, then four charts.
// Everything shows at once from the phone's cache and refreshes from the hub; the charts module loads after the
// KPIs (it is not on the first-load path).
import { kpiCards } from '/lib/dashboard.js';
import { formatXAF, relativeTime } from '/lib/format.js';

const KEYS = { stats: 'dash:stats', notes: 'dash:notifications', charts: 'dash:charts:30d' };

export default {
  title: 'Accueil',
  mount(root, ctx) {
    ctx.useStyle('/screens/accueil.css');
    const { h, icon, fill } = ctx;
    let alive = true;
    let notes = null;
    const alerts = h('section', { class: 'card dash-alerts', 'aria-labelledby': 'dash-alerts-title', 'aria-live': 'polite' },
      h('p', { class: 'skeleton', text: 'Chargement des alertes…' }));
    const kpis = h('ul', { class: 'kpis', 'aria-label': 'Indicateurs clés' }, h('li', { class: 'skeleton', text: 'Chargement…' }));
    const charts = h('section', { class: 'dash', 'aria-labelledby': 'dash-charts-title' },
      h('h2', { id: 'dash-charts-title', text: 'Performance' }),
      h('p', { class: 'muted', 'data-range': '', text: '30 derniers jours' }),
      h('div', { class: 'dash-charts' }, h('p', { class: 'skeleton card', text: 'Chargement des graphiques…' })));
    fill(root, alerts, h('h2', { class: 'sr-only', text: 'Indicateurs' }), kpis, charts);

    const failed = (target, what) => (error) => {
      if (!alive) return;
      fill(target, h('p', { class: 'error', role: 'alert', text: `${what} : ${error.message}` }),
        h('button', { class: 'btn ghost small', type: 'button', text: 'Réessayer', onclick: reload }));
    };

    // MARK: KPIs
    function renderStats(stats) {
      if (!alive || !stats) return;
      fill(kpis, kpiCards(stats).map((card) =>
        h('li', { class: `kpi ${card.kind ?? ''}`.trim() },
          h('span', { class: 'kpi-label', text: card.label }),
          h('span', { class: 'kpi-value', text: card.value }),
          card.note ? h('span', { class: 'kpi-note', text: card.note }) : null)));
    }

    // MARK: Alerts
    const ago = (at) => relativeTime(at, Date.now());
    const requestLink = (id, ...children) =>
      h('a', { class: 'alert-link', href: '#demandes/' + encodeURIComponent(id) }, ...children);
    const offerItem = (offer, extra) =>
      h('li', {}, requestLink(offer.request_id,
        h('span', { class: 'alert-title' },
          offer.urgency?.code === 'urgent' ? h('span', { class: 'tag urgent', text: 'Urgent' }) : null,
          offer.unseen ? h('span', { class: 'tag', text: 'Nouveau' }) : null, ' ', offer.title ?? 'Demande'),
        h('span', { class: 'muted alert-meta', text: [offer.service?.name, offer.zone?.name, `reçue ${ago(offer.offered_at)}`, extra].filter(Boolean).join(' · ') })));
    const expiry = (offer) => {
      if (!offer.expires_at) return null;
      return Date.parse(offer.expires_at) > Date.now() ? `expire ${ago(offer.expires_at)}` : 'expirée';
    };
    const group = (title, iconName, items, more) => items.length
      ? h('div', { class: 'alert-group' }, h('h3', { class: 'row' }, icon(iconName), h('span', { text: title })),
        h('ul', { class: 'list' }, items), more ?? null)
      : null;

    function renderNotes(data) {
      if (!alive || !data) return;
      notes = data;
      const urgent = data.urgent ?? [];
      const waiting = data.waiting ?? [];
      const listed = new Set([...urgent, ...waiting].map((o) => o.offer_id));
      const fresh = (data.new_requests ?? []).filter((o) => !listed.has(o.offer_id));
      const payments = data.payments ?? [];
      const others = data.notifications ?? [];
      const unseen = data.unseen_new_count ?? (data.new_requests ?? []).filter((o) => o.unseen).length;
      const unseenOffers = [...(data.new_requests ?? []), ...urgent, ...waiting].filter((o) => o.unseen).map((o) => o.offer_id);
      const offerIds = [...new Set(unseenOffers)];
      const noteIds = others.map((n) => n.id).filter(Boolean);
      const empty = !urgent.length && !waiting.length && !fresh.length && !payments.length && !others.length;
      // A re-render keeps the keyboard focus in the alerts (on their heading) instead of dropping it to the page.
      const hadFocus = alerts.contains(document.activeElement);
      queueMicrotask(() => hadFocus && !alerts.contains(document.activeElement) && alerts.querySelector('h2')?.focus({ preventScroll: true }));
      fill(alerts,
        h('div', { class: 'row' },
          h('h2', { id: 'dash-alerts-title', class: 'grow', tabindex: '-1', text: 'Alertes' }),
          h('a', { class: 'btn small' + (unseen ? ' accent' : ' ghost'), href: '#demandes' },
            icon('inbox'), h('span', { text: unseen ? `${unseen} non vue${unseen > 1 ? 's' : ''}` : 'Demandes' }))),
        empty ? h('p', { class: 'muted', text: 'Rien à signaler pour le moment.' }) : null,
        group(`Demandes urgentes (${urgent.length})`, 'alert', urgent.map((o) => offerItem(o, expiry(o)))),
        group(`En attente de réponse depuis plus de 30 min (${waiting.length})`, 'clock', waiting.map((o) => offerItem(o, expiry(o)))),
        group(`Nouvelles demandes (${fresh.length})`, 'inbox', fresh.map((o) => offerItem(o, expiry(o)))),
        group('Paiements reçus', 'wallet', payments.slice(0, 3).map((p) =>
          h('li', {}, requestLink(p.request_id,
            h('span', { class: 'alert-title' }, h('strong', { class: 'alert-amount', text: formatXAF(p.amount) }), ' ', p.title ?? ''),
            h('span', { class: 'muted alert-meta', text: [p.method_label, ago(p.received_at)].filter(Boolean).join(' · ') })))),
          data.payments_count > 3 ? h('p', { class: 'muted', text: `${data.payments_count} paiements récents, ${formatXAF(data.payments_total)} au total.` }) : null),
        group('Notifications', 'bell', others.map((n) =>
          h('li', {}, h('span', { class: 'alert-title', text: n.title ?? '' }),
            n.body ? h('span', { class: 'alert-meta', text: n.body }) : null,
            n.created_at ? h('span', { class: 'muted alert-meta', text: ago(n.created_at) }) : null))),
        offerIds.length || noteIds.length
          ? h('div', { class: 'actions' }, h('button', { class: 'btn ghost', type: 'button', onclick: () => markSeen(offerIds, noteIds) },
            icon('check'), h('span', { text: 'Marquer comme vu' })))
          : null);
    }

    async function markSeen(offerIds, noteIds) {
      const before = notes;
      await ctx.perform({
        // Optimistic: the offers stay listed (they still need an answer) but are no longer "new".
        optimistic: async () => {
          if (!notes) return;
          const seen = (o) => ({ ...o, unseen: false });
          const data = { ...notes, unseen_new_count: 0, notifications: [], new_requests: (notes.new_requests ?? []).map(seen),
            urgent: (notes.urgent ?? []).map(seen), waiting: (notes.waiting ?? []).map(seen) };
          await ctx.db.put('kv', KEYS.notes, { data, at: Date.now() });
          renderNotes(data);
        },
        action: { method: 'POST', path: '/provider/dashboard/notifications/seen', body: { offer_ids: offerIds, notification_ids: noteIds }, title: 'Alertes marquées comme vues' },
        rollback: async () => {
          if (!before) return;
          await ctx.db.put('kv', KEYS.notes, { data: before, at: Date.now() }).catch(() => {});
          renderNotes(before);
        },
        // The hub refused: its alerts as they are.
        refresh: () => alive && loadNotes(),
      });
      if (before) alerts.querySelector('h2')?.focus();
    }

    // MARK: Charts (lazy)
    let chartsModule = null;
    function renderCharts(data) {
      if (!alive || !data || !chartsModule) return;
      const c = chartsModule;
      charts.querySelector('[data-range]').textContent = data.range?.label ?? '30 derniers jours';
      fill(charts.querySelector('.dash-charts'),
        figure(c.revenueChart(data.revenue_by_day)),
        figure(c.servicesChart(data.revenue_by_service)),
        figure(c.heatmapChart(data.heatmap)),
        figure(c.ratingChart(data.rating_trend)));
    }
    const svg = (node) => (Array.isArray(node) ? h('svg:' + node[0], node[1], ...node.slice(2).map(svg)) : null);
    let figureCount = 0;
    function figure(spec) {
      const id = `chart-${++figureCount}`;
      let plot;
      if (spec.kind === 'donut') {
        plot = h('div', { class: 'donut' }, h('div', { class: 'donut-ring', 'aria-hidden': 'true' }, svg(spec.svg)),
          h('ul', { class: 'legend' }, spec.legend.map((item) => h('li', {},
            h('span', { class: 'swatch ' + item.cls, 'aria-hidden': 'true' }),
            h('span', { class: 'grow' }, h('strong', { text: item.label }), h('br'), item.value, ' · ', item.note)))));
      } else if (spec.kind === 'heatmap') {
        plot = h('div', { 'aria-hidden': 'true' },
          h('div', { class: 'heat' }, h('div', { class: 'heat-days' }, spec.rowLabels.map((d) => h('span', { text: d }))),
            h('div', { class: 'heat-grid' }, svg(spec.svg))),
          h('div', { class: 'chart-x heat-x' }, spec.xLabels.map((t) => h('span', { text: t }))),
          h('div', { class: 'heat-legend' }, h('span', { text: 'Moins' }), spec.legend.map((l) => h('span', { class: 'swatch ' + l.cls })), h('span', { text: 'Plus' })));
      } else {
        plot = h('div', { 'aria-hidden': 'true' },
          h('div', { class: 'chart-area' }, svg(spec.svg),
            (spec.yLabels ?? []).map((l) => h('span', { class: 'chart-y', style: { top: l.top + '%' }, text: l.text })),
            (spec.dots ?? []).map((d) => h('span', { class: 'chart-dot', style: { left: d.left + '%', top: d.top + '%' } }, h('span', { text: d.text })))),
          h('div', { class: 'chart-x' + (typeof spec.xLabels?.[0] === 'object' ? ' placed' : '') },
            (spec.xLabels ?? []).map((l) => typeof l === 'object' ? h('span', { style: { left: l.left + '%' }, text: l.text }) : h('span', { text: l }))));
      }
      return h('figure', { class: `card chart chart-${spec.kind}`, 'aria-labelledby': id },
        h('figcaption', {}, h('h3', { id, text: spec.title }), h('p', { class: 'chart-summary', text: spec.summary })),
        spec.empty && spec.kind !== 'heatmap' ? null : plot,
        h('div', { class: 'sr-only' }, h('table', {}, h('caption', { text: spec.table.caption }),
          h('thead', {}, h('tr', {}, spec.table.head.map((t) => h('th', { scope: 'col', text: t })))),
          h('tbody', {}, spec.table.rows.map((row) => h('tr', {}, row.map((cell, i) => h(i ? 'td' : 'th', i ? {} : { scope: 'row' }, cell))))))));
    }

    // MARK: Loading
    const loadStats = () => ctx.load(KEYS.stats, '/provider/dashboard/stats', renderStats, failed(kpis, 'Indicateurs indisponibles'));
    const loadNotes = () => ctx.load(KEYS.notes, '/provider/dashboard/notifications', renderNotes, failed(alerts, 'Alertes indisponibles'));
    const chartsBox = () => charts.querySelector('.dash-charts');
    async function loadCharts() {
      try {
        chartsModule ??= await import('/lib/charts.js');
      } catch {
        if (alive) fill(chartsBox(), h('p', { class: 'muted card', text: 'Graphiques indisponibles hors connexion.' }));
        return;
      }
      if (alive) await ctx.load(KEYS.charts, '/provider/dashboard/chart-data/30d', renderCharts, failed(chartsBox(), 'Graphiques indisponibles'));
    }
    function reload() {
      if (!alive) return;
      loadNotes();
      loadStats().then(loadCharts);
    }
    let soon = null;
    const reloadSoon = (what) => {
      clearTimeout(soon);
      soon = setTimeout(() => alive && (what === 'all' ? reload() : (loadNotes(), loadStats())), 800);
    };
    reload();

    const offs = [
      ctx.on('refresh', reload),
      ctx.on('touched', (names) => (names ?? []).some((n) => /dashboard|finance|notification|profile/.test(n)) && reloadSoon('all')),
      ctx.on('live', () => reloadSoon('alerts')),
      ctx.on('requests', () => reloadSoon('alerts')),
    ];
    const ticker = setInterval(() => notes && !alerts.contains(document.activeElement) && renderNotes(notes), 60_000);
    return () => {
      alive = false;
      clearTimeout(soon);
      clearInterval(ticker);
      for (const off of offs) off();
    };
  },
};
