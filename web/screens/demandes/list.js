// The requests list (#demandes): the phone's copy of the provider's requests with its filters (search, status,
// urgency, service, quarter, dates; kept on the phone, offline too), drawn a page at a time.
import { fill, h, icon } from '/lib/dom.js';
import { field } from '/lib/ui.js';
import { formatTime, relativeTime } from '/lib/format.js';
import {
  STATUSES, URGENCIES, activeCount, applyFilters, countLabel, describeFilters, emptyFilters, normalizeFilters, optionsOf, toggle,
} from '/lib/filters.js';
import { correctRefusals } from '/lib/mission.js';
import { awaitsAnswer, clockOf, countdown, statusBadge, urgencyTag } from '/screens/demandes/common.js';

const FILTERS_KEY = 'demandes.filters';
/** Cards drawn at once (a long list is slow on an entry-level phone); "Afficher plus" adds as many. */
const PAGE = 30;

export function mountList(root, ctx) {
  const now = clockOf(ctx);
  let filters = emptyFilters();
  let items = [];
  let open = false;
  let alive = true;
  let limit = PAGE;

  const search = h('input', {
    type: 'search',
    id: 'req-search',
    name: 'q',
    autocomplete: 'off',
    enterkeyhint: 'search',
    placeholder: 'Titre, client, quartier…',
  });
  const serviceSelect = h('select', { id: 'req-service', name: 'service' });
  const zoneSelect = h('select', { id: 'req-zone', name: 'zone' });
  const fromInput = h('input', { type: 'date', id: 'req-from', name: 'from' });
  const toInput = h('input', { type: 'date', id: 'req-to', name: 'to' });
  const statusChips = h('div', { class: 'chips', role: 'group', 'aria-label': 'Statut' });
  const urgencyChips = h('div', { class: 'chips', role: 'group', 'aria-label': 'Urgence' });
  const filterCount = h('span', { class: 'badge', hidden: true });
  const details = h(
    'details',
    { class: 'card filters' },
    h('summary', {}, icon('filter'), h('span', { text: 'Filtrer' }), filterCount),
    h('fieldset', {}, h('legend', { text: 'Statut' }), statusChips),
    h('fieldset', {}, h('legend', { text: 'Urgence' }), urgencyChips),
    field('Service', serviceSelect),
    field('Quartier', zoneSelect),
    h('fieldset', { class: 'dates' }, h('legend', { text: 'Date de la demande' }), h('div', { class: 'date-row' }, field('Du', fromInput), field('Au', toInput))),
  );
  details.addEventListener('toggle', () => {
    open = details.open;
  });
  const summary = h('p', { class: 'summary muted', 'aria-live': 'polite' });
  const count = h('strong', { class: 'count' });
  const clear = h('button', { class: 'btn ghost small', type: 'button', text: 'Effacer les filtres', hidden: true, onclick: () => setFilters(emptyFilters()) });
  const list = h('ul', { class: 'req-list', 'aria-label': 'Demandes' });

  fill(
    root,
    h('form', { role: 'search', class: 'req-search', onsubmit: (e) => e.preventDefault() }, field('Rechercher une demande', search)),
    details,
    h('div', { class: 'row req-meta' }, h('p', { class: 'grow' }, count, h('br'), summary), clear),
    list,
  );
  fill(list, h('li', { class: 'muted skeleton', text: 'Chargement des demandes…' }));

  function chip(kind, option) {
    return h('button', {
      class: 'chip',
      type: 'button',
      'aria-pressed': String(filters[kind].includes(option.code)),
      text: option.label,
      onclick: () => setFilters(toggle(filters, kind, option.code)),
    });
  }

  function renderControls() {
    fill(statusChips, STATUSES.map((option) => chip('statuses', option)));
    fill(urgencyChips, URGENCIES.map((option) => chip('urgencies', option)));
    const options = optionsOf(items, filters);
    fill(serviceSelect, h('option', { value: '', text: 'Tous les services' }), options.services.map((o) => h('option', { value: o.code, text: o.name })));
    fill(zoneSelect, h('option', { value: '', text: 'Tous les quartiers' }), options.zones.map((o) => h('option', { value: o.code, text: o.name })));
    serviceSelect.value = filters.services[0] ?? '';
    zoneSelect.value = filters.zones[0] ?? '';
    if (fromInput.value !== filters.from) fromInput.value = filters.from;
    if (toInput.value !== filters.to) toInput.value = filters.to;
    if (document.activeElement !== search && search.value !== filters.q) search.value = filters.q;
    const active = activeCount(filters);
    filterCount.hidden = active === 0;
    filterCount.textContent = String(active);
    filterCount.setAttribute('aria-label', active === 1 ? '1 filtre actif' : `${active} filtres actifs`);
    details.open = open;
    clear.hidden = active === 0;
    return options;
  }

  function renderList() {
    const options = renderControls();
    const shown = applyFilters(items, filters);
    count.textContent = countLabel(shown.length, items.length);
    summary.textContent = describeFilters(filters, options);
    if (!items.length) {
      fill(list, h('li', { class: 'card empty' }, h('p', { text: 'Aucune demande pour l’instant.' }), h('p', { class: 'muted', text: 'Les nouvelles demandes de votre zone apparaîtront ici. Tirez vers le bas pour actualiser.' })));
      return;
    }
    if (!shown.length) {
      fill(
        list,
        h(
          'li',
          { class: 'card empty' },
          h('p', { text: 'Aucune demande ne correspond à ces filtres.' }),
          h('button', { class: 'btn ghost', type: 'button', text: 'Effacer les filtres', onclick: () => setFilters(emptyFilters()) }),
        ),
      );
      return;
    }
    const at = now();
    const rest = shown.length - limit;
    fill(
      list,
      shown.slice(0, limit).map((item) => h('li', {}, itemCard(item, at))),
      rest > 0
        ? h(
            'li',
            {},
            h('button', {
              class: 'btn ghost wide',
              type: 'button',
              dataset: { focusKey: 'more' },
              text: `Afficher ${Math.min(rest, PAGE)} de plus (${rest} restantes)`,
              onclick: () => {
                limit += PAGE;
                renderList();
              },
            }),
          )
        : null,
    );
  }

  function setFilters(next) {
    filters = normalizeFilters(next);
    limit = PAGE;
    ctx.db.put('kv', FILTERS_KEY, filters).catch(() => {});
    renderList();
  }

  let searchTimer = null;
  search.addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => setFilters({ ...filters, q: search.value }), 200);
  });
  serviceSelect.addEventListener('change', () => setFilters({ ...filters, services: serviceSelect.value ? [serviceSelect.value] : [] }));
  zoneSelect.addEventListener('change', () => setFilters({ ...filters, zones: zoneSelect.value ? [zoneSelect.value] : [] }));
  fromInput.addEventListener('change', () => setFilters({ ...filters, from: fromInput.value }));
  toInput.addEventListener('change', () => setFilters({ ...filters, to: toInput.value }));

  async function reload() {
    items = await ctx.requests.all();
    if (alive) renderList();
  }

  (async () => {
    filters = normalizeFilters(await ctx.db.get('kv', FILTERS_KEY).catch(() => null));
    open = activeCount(filters) > 0 && activeCount({ ...filters, q: '' }) > 0;
    await reload();
    if (!items.length) ctx.requests.sync().catch(() => {});
  })();

  const off = ctx.on('requests', reload);
  // A refused action (an accept of an offer taken or expired): the list item takes the hub's status back.
  const fixing = new Set();
  const correct = (outboxItems) => {
    if (alive) correctRefusals(ctx, outboxItems, { fixing }).catch(() => {});
  };
  ctx.outbox.list().then(correct).catch(() => {});
  const offOutbox = ctx.on('outbox', correct);
  const tick = setInterval(() => alive && items.length && renderList(), 30_000);
  return () => {
    alive = false;
    off();
    offOutbox();
    clearInterval(tick);
    clearTimeout(searchTimer);
  };
}

function itemCard(item, now) {
  const left = awaitsAnswer(item) ? countdown(item.offer_expires_at, now) : null;
  return h(
    'a',
    { class: 'req card', href: '#demandes/' + encodeURIComponent(item.id), dataset: { status: item.status, urgency: item.urgency?.code ?? '' } },
    h(
      'span',
      { class: 'row req-tags' },
      urgencyTag(item.urgency),
      statusBadge(item),
      item.offer_unseen ? h('span', { class: 'badge unseen', text: 'Non lue' }) : null,
    ),
    h('strong', { class: 'req-title', text: item.title || item.service?.name || 'Demande' }),
    h(
      'span',
      { class: 'req-facts' },
      h('span', { class: 'req-line' }, icon('clock'), h('span', { text: `Demandé ${relativeTime(item.created_at, now)}` })),
      item.zone?.name ? h('span', { class: 'req-line' }, icon('pin'), h('span', { text: item.zone.name })) : null,
    ),
    h('span', { class: 'req-line' }, icon('wallet'), h('span', { text: item.budget_label || 'Budget à discuter' })),
    left ? h('span', { class: 'req-line expires' }, icon('alert'), `Répondre avant ${formatTime(item.offer_expires_at)} (reste ${left})`) : null,
  );
}
