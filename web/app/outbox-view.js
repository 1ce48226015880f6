// The outbox as the provider sees it: the list of queued actions with their state (en attente / envoyé / refusé, with
// the reason and "Compris" to dismiss a refusal). Loaded when the list is first shown; the header's badge is the shell's.
import { fill, h } from '/lib/dom.js';

/** The outbox as a list: each queued action with its state (en attente / envoyé / refusé, with the reason). */
export async function renderOutbox(outbox, element) {
  const items = (await outbox.list()).slice().reverse();
  if (!items.length) return fill(element, h('li', { class: 'muted', text: 'Aucune action en attente.' }));
  fill(
    element,
    items.map((item) =>
      h(
        'li',
        { class: 'outbox-item', dataset: { state: item.state } },
        h('span', { class: 'outbox-title', text: item.title || `${item.method} ${item.path}` }),
        ' ',
        h('span', { class: 'badge ' + item.state, text: item.label }),
        item.reason ? h('span', { class: 'outbox-reason', text: item.reason }) : null,
        item.state === 'refused'
          ? h('button', {
              class: 'btn ghost small',
              type: 'button',
              text: 'Compris',
              onclick: async () => {
                await outbox.dismiss(item.seq);
                renderOutbox(outbox, element);
              },
            })
          : null,
      ),
    ),
  );
}
