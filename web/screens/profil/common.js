// What the profile's sections share: the hub's catalogue (quarters, services) as last read, the fixed choices, the
// cache keys, the modal form and the small form controls.
import { h } from '/lib/dom.js';

/**
 * The choices of the profile editor come from the hub (`GET /provider/catalogue`: the quarters of the provider's hub, the
 * active services). These are the demo hub's, used only until the catalogue has been read once (first visit offline).
 */
export const catalogue = {
  zones: [
    ['bonamoussadi-centre', 'Bonamoussadi Centre'], ['denver', 'Denver'], ['santa-barbara', 'Santa Barbara'], ['makepe', 'Makepe'],
    ['makepe-missoke', 'Makepe Missoké'], ['kotto', 'Kotto'], ['bangue', 'Bangue'], ['lycee', 'Lycée de Bonamoussadi'],
  ],
  services: [['plomberie', 'Plomberie'], ['electricite', 'Électricité'], ['electromenager', 'Réparation électroménager']],
};
export const FREQUENCIES = [['daily', 'Quotidien'], ['weekly', 'Hebdomadaire'], ['monthly', 'Mensuel'], ['never', 'Jamais']];
export const WEEKDAYS = ['Lundi', 'Mardi', 'Mercredi', 'Jeudi', 'Vendredi', 'Samedi', 'Dimanche'];
export const KEYS = { profile: 'prof:profile', settings: 'prof:settings', availability: 'prof:availability', absences: 'prof:absences' };

/** The profile's modal form, opened in `root`: `dialog(title, fields, submit, submitLabel)`. */
export function dialogIn(root) {
  /** A modal form: `fields` are elements; `submit(form)` returns an error message or nothing to close. */
  function dialog(title, fields, submit, submitLabel = 'Enregistrer') {
    const error = h('p', { class: 'error', role: 'alert' });
    const form = h('form', { method: 'dialog', novalidate: true },
      h('h2', { text: title }), fields, error,
      h('div', { class: 'actions' },
        h('button', { class: 'btn ghost', type: 'button', text: 'Annuler', onclick: () => box.close() }),
        h('button', { class: 'btn', type: 'submit', text: submitLabel })));
    const box = h('dialog', { class: 'prof-dialog', 'aria-label': title }, form);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      for (const button of form.querySelectorAll('button')) button.disabled = true;
      let message;
      try {
        message = await submit(form);
      } catch (e) {
        message = e?.message ?? 'Erreur inattendue.';
      }
      for (const button of form.querySelectorAll('button')) button.disabled = false;
      if (message) error.textContent = message;
      else box.close();
    });
    box.addEventListener('close', () => box.remove());
    root.append(box);
    box.showModal();
    form.querySelector('input, textarea, select')?.focus();
    return box;
  }
  return dialog;
}

export const field = (label, input, hint) => h('label', { class: 'field' }, h('span', { text: label }), input, hint ? h('small', { class: 'muted prof-hint', text: hint }) : null);
export const check = (label, attrs) => h('label', { class: 'prof-check' }, h('input', { type: 'checkbox', ...attrs }), h('span', { text: label }));
export const toggle = (label, checked, onchange, note) => h('label', { class: 'prof-switch' },
  h('span', { class: 'grow' }, h('span', { text: label }), note ? h('small', { class: 'muted', text: note }) : null),
  h('input', { type: 'checkbox', role: 'switch', checked: Boolean(checked), onchange }));
