// Small DOM building blocks the screens share: modal forms, labelled fields, stable re-rendering, double-tap guards.
import { fill, h, icon } from './dom.js';

/** A modal dialog with a form: Escape or "Annuler" closes it; `submit(form)` returns an error text to keep it open. */
export function openDialog({ title, body, submitLabel, submitClass = '', submit, onClose, cancelLabel = 'Annuler' }) {
  const id = 'dlg-' + Math.random().toString(36).slice(2);
  const error = h('p', { class: 'error', role: 'alert' });
  const submitButton = submitLabel ? h('button', { class: 'btn ' + submitClass, type: 'submit', text: submitLabel }) : null;
  const form = h(
    'form',
    { method: 'dialog', novalidate: true },
    h('h2', { id, text: title }),
    body,
    error,
    h(
      'div',
      { class: 'actions' },
      h('button', { class: 'btn ghost', type: 'button', text: cancelLabel, onclick: () => dialog.close() }),
      submitButton,
    ),
  );
  const dialog = h('dialog', { class: 'dj-dialog', 'aria-labelledby': id }, form);
  let submitting = false;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!submit) return dialog.close();
    // A double tap (or Enter then a tap) must not send the action twice with two idempotency keys.
    if (submitting) return;
    submitting = true;
    if (submitButton) submitButton.disabled = true;
    error.textContent = '';
    try {
      const problem = await submit(form);
      if (problem) error.textContent = problem;
      else dialog.close();
    } catch (failure) {
      error.textContent = failure?.message || 'Erreur inattendue. Réessayez.';
    } finally {
      submitting = false;
      if (submitButton) submitButton.disabled = false;
    }
  });
  dialog.addEventListener('close', () => {
    dialog.remove();
    onClose?.();
  });
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}

export function field(label, control, hint) {
  return h('label', { class: 'field' }, h('span', { text: label }), control, hint ? h('small', { class: 'muted hint', text: hint }) : null);
}

/**
 * Sets `parent`'s children to `children` without moving the ones already there in the same order: a form kept from
 * one render to the next stays in the page, with its typed text, its focus and the phone's keyboard open.
 */
export function place(parent, ...children) {
  const wanted = children.flat(Infinity).filter((child) => child !== null && child !== undefined && child !== false).map((child) => (child instanceof Node ? child : document.createTextNode(String(child))));
  const keep = new Set(wanted);
  for (const node of [...parent.childNodes]) if (!keep.has(node)) node.remove();
  let ref = parent.firstChild;
  for (const node of wanted) {
    if (node === ref) ref = ref.nextSibling;
    else parent.insertBefore(node, ref);
  }
  return parent;
}

/**
 * Runs `task` once at a time per `key`: the controls marked `data-busy="<key>"` are disabled meanwhile and a second tap
 * is ignored (a double tap would queue the action twice, with two idempotency keys: two WhatsApp messages).
 */
export function busyGuard(scope) {
  const busy = new Set();
  const mark = (key, on) => {
    for (const element of scope.querySelectorAll(`[data-busy="${key}"]`)) element.disabled = on;
  };
  const run = async (key, task) => {
    if (busy.has(key)) return undefined;
    busy.add(key);
    mark(key, true);
    try {
      return await task();
    } finally {
      busy.delete(key);
      mark(key, false);
    }
  };
  run.has = (key) => busy.has(key);
  return run;
}

/**
 * The actions of this screen the hub refused, each with its reason and a "Compris" button (`onDismiss(seq)`). The box
 * is made once per mount; `show(items)` redraws it only when the list changed.
 */
export function refusalNotices(onDismiss) {
  const element = h('div', { class: 'refusals', role: 'alert' });
  let shown = '';
  return {
    element,
    show(items) {
      const signature = items.map((item) => item.seq).join(',');
      if (signature === shown) return;
      shown = signature;
      fill(
        element,
        items.map((item) =>
          h(
            'div',
            { class: 'card refusal' },
            h('p', { class: 'error' }, icon('alert'), h('strong', { text: 'Refusé par le hub : ' }), item.title || `${item.method} ${item.path}`),
            h('p', { text: item.reason || 'Action refusée.' }),
            h('button', { class: 'btn ghost small', type: 'button', text: 'Compris', onclick: () => onDismiss(item.seq) }),
          ),
        ),
      );
    },
  };
}

/**
 * `place` for a whole screen body that re-renders while the provider works in it: the scroll position stays, and the
 * focused control (marked `data-focus-key`) is focused again if it was rebuilt.
 */
export function rerender(body, ...children) {
  const scroll = globalThis.scrollY;
  const focusKey = document.activeElement?.dataset?.focusKey;
  place(body, ...children);
  if (focusKey && !body.contains(document.activeElement)) body.querySelector(`[data-focus-key="${focusKey}"]`)?.focus({ preventScroll: true });
  globalThis.scrollTo(0, scroll);
}
