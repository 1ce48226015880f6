// The Finances screen's goal card: the month's revenue goal (set or changed through the outbox, offline too), the
// progress bar, the projection with its range, the method in one sentence and the hub's advice.
import { formatXAF } from '/lib/format.js';
import { MAX_TARGET, goalBody, goalProgress, monthKey, parseTarget, projectionSummary, targetInputValue, withTarget } from '/lib/goal.js';

const KEY = 'fin:goal';
const PATH = '/provider/finance/goal';

/**
 * @param {object} ctx  the screen's context (h, fill, load, perform, db, toast, online)
 * @param {() => boolean} isAlive
 * @returns {{element: HTMLElement, load: () => Promise<any>, onOutbox: (items: object[]) => void}}
 */
export function goalCard(ctx, isAlive) {
  const { h, fill } = ctx;
  let view = null;
  let dirty = false;
  let typed = null; // what the provider is typing, kept across a re-render
  let error = '';
  const box = h('div', {}, h('p', { class: 'skeleton', text: 'Chargement…' }));
  const element = h('section', { class: 'card fin-section fin-goal', 'aria-labelledby': 'fin-goal' }, h('h2', { id: 'fin-goal', text: 'Objectif du mois' }), box);

  function render() {
    if (!isAlive() || !view) return;
    const progress = goalProgress(view);
    const projection = projectionSummary(view);
    const input = h('input', {
      id: 'fin-goal-target', name: 'target', type: 'text', inputmode: 'numeric', autocomplete: 'off', enterkeyhint: 'done',
      placeholder: 'ex. 250 000', value: typed ?? targetInputValue(view), 'aria-describedby': 'fin-goal-help fin-goal-error',
      'aria-invalid': error ? 'true' : null, oninput: (event) => (typed = event.currentTarget.value),
    });
    const recommendations = view.recommendations ?? [];
    fill(box,
      h('p', { class: 'fin-range', text: view.month_label ?? '' }),
      h('div', {
        class: 'fin-goal-bar' + (progress.reached ? ' reached' : ''), role: 'progressbar', 'aria-label': 'Progression vers l’objectif',
        'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': String(Math.round(progress.width)), 'aria-valuetext': progress.text,
      }, h('span', { class: 'fin-goal-fill', style: { width: progress.width + '%' } })),
      h('p', { class: 'fin-row' }, h('span', { class: 'grow', text: progress.summary }), h('strong', { text: progress.label })),
      h('form', { class: 'fin-goal-form', novalidate: true, onsubmit: submit },
        h('label', { for: 'fin-goal-target', text: view.goal ? 'Modifier mon objectif (FCFA)' : 'Fixer mon objectif du mois (FCFA)' }),
        h('p', { id: 'fin-goal-help', class: 'muted', text: `Revenus encaissés, avant commission. De 0 à ${formatXAF(MAX_TARGET)}.` }),
        input,
        h('p', { id: 'fin-goal-error', class: 'error', role: 'alert', text: error }),
        h('div', { class: 'actions' }, h('button', { class: 'btn', type: 'submit' }, h('span', { text: 'Enregistrer' })))),
      h('h3', { text: 'Projection du mois' }),
      h('p', { class: 'fin-net' }, h('span', { class: 'fin-big', text: projection.amount }), h('span', { class: 'kpi-note', text: `Fourchette : ${projection.range}` })),
      h('p', { class: 'muted', text: projection.days }),
      view.projection?.pending
        ? h('p', { class: 'muted', text: 'Projection et conseils recalculés dès que le hub aura reçu votre objectif.' })
        : projection.outlook
          ? h('p', {}, h('span', { class: 'tag ' + projection.outlook.tone, text: projection.outlook.label }), ' ', h('span', { text: projection.outlook.detail }))
          : null,
      projection.method ? h('p', { class: 'fin-goal-method' }, h('strong', { text: 'Méthode : ' }), h('span', { text: projection.method })) : null,
      recommendations.length ? h('h3', { text: 'Conseils' }) : null,
      recommendations.length ? h('ul', { class: 'list fin-goal-advice' }, recommendations.map((r) => h('li', { text: r.text_fr }))) : null);
  }

  async function submit(event) {
    event.preventDefault();
    const field = event.currentTarget.elements.target;
    const parsed = parseTarget(field.value);
    if (!parsed.ok) {
      error = parsed.error;
      typed = field.value;
      render();
      box.querySelector('#fin-goal-target')?.focus();
      return;
    }
    error = '';
    typed = null;
    const month = view?.month ?? monthKey();
    const before = view;
    const store = (value) => ctx.db.put('kv', KEY, { data: value, at: Date.now() });
    dirty = true;
    try {
      await ctx.perform({
        optimistic: async () => {
          view = withTarget(view, parsed.value, month);
          render();
          await store(view).catch(() => {});
        },
        action: { method: 'PUT', path: PATH, body: goalBody(month, parsed.value), title: 'Objectif du mois' },
        rollback: async () => {
          view = before;
          await store(before).catch(() => {});
          render();
        },
        refresh: () => load(),
      });
      ctx.toast(ctx.online ? 'Objectif enregistré.' : 'Objectif enregistré sur le téléphone : envoi dès le retour du réseau.');
    } catch (failure) {
      ctx.toast(failure?.message ?? 'Enregistrement impossible.');
    }
  }

  function load() {
    return ctx.load(KEY, PATH, (data) => {
      if (!isAlive() || !data) return;
      view = data;
      render();
    }, (failure) => isAlive() && !view && fill(box, h('p', { class: 'error', role: 'alert', text: `Objectif indisponible : ${failure.message}` }),
      h('button', { class: 'btn ghost small', type: 'button', text: 'Réessayer', onclick: load })));
  }

  /** Once the goal written reached the hub (or was refused), its copy is read again. */
  function onOutbox(items) {
    if (dirty && !(items ?? []).some((item) => item.state === 'pending' && item.path === PATH)) {
      dirty = false;
      load();
    }
  }

  return { element, load, onOutbox };
}
