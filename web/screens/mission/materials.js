// Materials and costs: the lines noted on the mission, a form to add one, a button to remove one, frozen once the
// payment request is sent.
import { h, icon } from '/lib/dom.js';
import { field, openDialog, place } from '/lib/ui.js';
import { formatXAF } from '/lib/format.js';

/** A whole number of francs typed by the provider ("15 000", "15000 F") → 15000; NaN when not a number. */
export function francs(text) {
  const cleaned = String(text ?? '').replace(/[\s\u00A0\u202F.]/g, '').replace(/f(cfa)?$/i, '');
  return /^\d{1,9}$/.test(cleaned) ? Number(cleaned) : Number.NaN;
}

/** A request copy with `list` as its materials and their total. */
function withMaterials(r, list) {
  const total = list.reduce((sum, m) => sum + (m.total ?? 0), 0);
  return { ...r, materials: list, materials_total: total, materials_total_label: formatXAF(total) };
}

/** The materials of mission `m`: `view(open)`. The form is made once (typed text survives a re-render). */
export function createMaterials(m) {
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
        m.guard('materials', add);
      },
    },
    field('Matériel', matLabel),
    h('div', { class: 'date-row' }, field('Quantité', matQuantity), field('Prix unitaire (FCFA)', matPrice)),
    matError,
    h('button', { class: 'btn wide', type: 'submit', dataset: { busy: 'materials' } }, icon('plus'), 'Ajouter'),
  );
  const matSection = h('section', { class: 'card', 'aria-labelledby': 'mat-title' });
  const matTitle = h('h2', { id: 'mat-title', text: 'Matériaux et coûts' });

  function view(open) {
    const { detail } = m;
    const materials = Array.isArray(detail.materials) ? detail.materials : [];
    const frozen = Boolean(detail.invoice);
    const total = detail.materials_total ?? materials.reduce((sum, line) => sum + (line.total ?? 0), 0);
    return place(
      matSection,
      matTitle,
      materials.length
        ? h(
            'ul',
            { class: 'list materials' },
            materials.map((line) =>
              h(
                'li',
                { class: 'material' },
                h('span', { class: 'grow' }, h('strong', { text: line.label }), h('span', { class: 'muted block', text: `${line.quantity} × ${formatXAF(line.unit_price)}` })),
                h('span', { class: 'amount', text: line.total_label || formatXAF(line.total) }),
                open && !frozen
                  ? String(line.id).startsWith('local-')
                    ? h('span', { class: 'badge pending', text: 'en attente' })
                    : h('button', { class: 'btn ghost danger small', type: 'button', 'aria-label': `Supprimer ${line.label}`, dataset: { focusKey: 'del-' + line.id }, onclick: () => remove(line) }, icon('trash'))
                  : null,
              ),
            ),
          )
        : h('p', { class: 'muted', text: 'Aucun matériel noté.' }),
      h('p', { class: 'total' }, h('span', { text: 'Total matériel' }), h('strong', { text: formatXAF(total) })),
      open && !frozen ? matForm : frozen ? h('p', { class: 'muted', text: 'Demande de paiement envoyée : le matériel ne change plus.' }) : null,
    );
  }

  async function add() {
    const text = matLabel.value.trim();
    const qty = Number(matQuantity.value);
    const unit = francs(matPrice.value);
    if (!text) return (matError.textContent = 'Indiquez le matériel.');
    if (!Number.isInteger(qty) || qty < 1 || qty > 10000) return (matError.textContent = 'Quantité : nombre entier de 1 à 10 000.');
    if (!Number.isInteger(unit) || unit > 10_000_000) return (matError.textContent = 'Prix unitaire : montant entier en FCFA.');
    matError.textContent = '';
    const at = m.now();
    const line = { id: 'local-' + at, label: text, quantity: qty, unit_price: unit, total: qty * unit, total_label: formatXAF(qty * unit), recorded_at: new Date(at).toISOString() };
    await m.act({
      change: (r, kind) => (kind === 'detail' ? withMaterials(r, [...(r.materials ?? []), line]) : r),
      method: 'POST',
      suffix: '/materials',
      body: { label: text, quantity: qty, unit_price: unit },
      label: 'Matériel',
    });
    matLabel.value = '';
    matQuantity.value = '1';
    matPrice.value = '';
    m.ctx.toast('Matériel ajouté.');
    matLabel.focus();
    return null;
  }

  function remove(material) {
    if (m.dialogs.size) return;
    m.track(
      openDialog({
        title: 'Supprimer ce matériel ?',
        body: h('p', { text: `${material.label} — ${material.total_label || formatXAF(material.total)}` }),
        submitLabel: 'Supprimer',
        submitClass: 'danger',
        submit: async () => {
          await m.act({
            change: (r, kind) => (kind === 'detail' ? withMaterials(r, (r.materials ?? []).filter((line) => line.id !== material.id)) : r),
            method: 'DELETE',
            suffix: '/materials/' + encodeURIComponent(material.id),
            label: 'Supprimer matériel',
          });
          m.ctx.toast('Matériel supprimé.');
          return null;
        },
      }),
    );
  }

  return { view };
}
