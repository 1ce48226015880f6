// The editor of priced lines (main d'œuvre, matériel, déplacement) shared by a new quote and a draft invoice: one
// fieldset per line, "Ajouter une ligne", "Retirer la ligne N", each line's total and the live grand total.
import { fill, h, icon } from '/lib/dom.js';
import { field } from '/lib/ui.js';
import { formatXAF } from '/lib/format.js';
import { KINDS, LIMITS, emptyLine, lineTotal, quoteTotal } from '/lib/quotes.js';

/**
 * `rows`: the lines as the form edits them (`emptyLine()` shape; typed numbers are strings). Returns the editor's
 * elements, `rows()` (the current lines) and `set(rows)` (replace them, e.g. from a template).
 */
export function createLinesEditor(initial, totalLabel) {
  let rows = initial.length ? initial : [emptyLine()];
  const lineBox = h('div', { class: 'quote-form-lines' });
  const total = h('strong', { text: formatXAF(0) });
  const updateTotal = () => {
    total.textContent = formatXAF(quoteTotal(rows));
  };

  function drawLines(focusIndex = -1) {
    fill(lineBox, rows.map((row, index) => lineEditor(row, index)));
    updateTotal();
    if (focusIndex >= 0) lineBox.querySelectorAll('input[name="label"]')[focusIndex]?.focus();
  }

  function lineEditor(row, index) {
    const lineSum = h('span', { text: formatXAF(lineTotal(row)) });
    const edit = (key) => (event) => {
      row[key] = event.target.value;
      lineSum.textContent = formatXAF(lineTotal(row));
      updateTotal();
    };
    const kind = h('select', { name: 'kind', onchange: edit('kind') }, KINDS.map((k) => h('option', { value: k.code, text: k.label, selected: k.code === row.kind })));
    return h(
      'fieldset',
      { class: 'quote-line' },
      h('legend', { text: `Ligne ${index + 1}` }),
      field('Type', kind),
      field('Libellé', h('input', { name: 'label', maxlength: LIMITS.label, value: row.label, autocomplete: 'off', placeholder: 'Ex. : remplacement du joint', oninput: edit('label') })),
      h(
        'div',
        { class: 'date-row' },
        field('Quantité', h('input', { name: 'quantity', inputmode: 'numeric', value: row.quantity, autocomplete: 'off', oninput: edit('quantity') })),
        field('Prix unitaire (FCFA)', h('input', { name: 'unit_price', inputmode: 'numeric', value: row.unit_price, autocomplete: 'off', placeholder: '0', oninput: edit('unit_price') })),
      ),
      h('p', { class: 'total' }, h('span', { text: 'Total de la ligne' }), lineSum),
      rows.length > 1
        ? h('button', { class: 'btn ghost danger small', type: 'button', onclick: () => (rows.splice(index, 1), drawLines()) }, icon('trash'), `Retirer la ligne ${index + 1}`)
        : null,
    );
  }

  drawLines();
  const addLine = h('button', {
    class: 'btn ghost wide',
    type: 'button',
    onclick: () => {
      if (rows.length >= LIMITS.lines) return;
      rows.push(emptyLine(rows.length ? 'materiel' : 'main_oeuvre'));
      drawLines(rows.length - 1);
    },
  }, icon('plus'), 'Ajouter une ligne');
  return {
    elements: [lineBox, addLine, h('p', { class: 'total grand' }, h('span', { text: totalLabel }), total)],
    rows: () => rows,
    set(next) {
      rows = next.length ? next : [emptyLine()];
      drawLines();
    },
  };
}
