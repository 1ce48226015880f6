// The request card's messages: quick replies (the provider's own from the hub, else the catalogue's), a free message,
// the history with each message's delivery state. The form is made once per card: a re-render keeps the typed text.
import { fill, h, icon } from '/lib/dom.js';
import { field, place } from '/lib/ui.js';
import { formatDateTime, relativeTime } from '/lib/format.js';
import { usableTemplates } from '/lib/templates.js';
import { deliveryView, sortedMessages } from '/lib/delivery.js';
import { QUESTIONS, REPLIES } from '/screens/demandes/common.js';

/** The messages section of `card`: `view(detail, actions)`, `send(body, text)`, `addLocal(text)`, `questions()`. */
export function createMessages(card) {
  const { ctx } = card;
  const msgText = h('textarea', { id: 'msg-body', name: 'body', maxlength: 1000, rows: 3, dataset: { focusKey: 'msg' } });
  const msgTitle = h('h2', { id: 'msg-title' }, icon('chat'), ' Messages');
  const msgHint = h('p', { class: 'muted', text: 'Réponses rapides (envoyées par WhatsApp) :' });
  // The provider's own quick replies and questions come from the hub (GET /provider/message-templates); until they
  // are known (first visit offline), the catalogue's four and five.
  let replies = REPLIES;
  let questions = QUESTIONS;
  const replyButtons = (list) =>
    list.map((reply) =>
      h(
        'button',
        { class: 'btn ghost quick-reply', type: 'button', dataset: { focusKey: 'r-' + reply.code, busy: 'msg' }, onclick: () => card.guard('msg', () => send({ template_code: reply.code }, reply.text)) },
        icon('send'),
        reply.text,
      ),
    );
  const quickReplies = h('div', { class: 'quick' }, replyButtons(replies));
  const templateValues = () => {
    const d = card.detail;
    return { client: d?.client?.first_name ?? d?.client_first_name, titre: d?.title, service: d?.service?.name, zone: d?.zone?.name };
  };
  ctx.load('templates', '/provider/message-templates', (data) => {
    const ownReplies = usableTemplates(data?.replies, templateValues());
    const ownQuestions = usableTemplates(data?.questions, templateValues());
    if (ownReplies.length) {
      replies = ownReplies;
      fill(quickReplies, replyButtons(replies));
    }
    if (ownQuestions.length) questions = ownQuestions;
  });
  const msgForm = h(
    'form',
    {
      class: 'msg-form',
      onsubmit: (event) => {
        event.preventDefault();
        const value = msgText.value.trim();
        if (!value) return ctx.toast('Écrivez un message.');
        card.guard('msg', async () => {
          await send({ body: value }, value);
          // Text typed after the tap is kept.
          if (msgText.value.trim() === value) msgText.value = '';
        });
      },
    },
    field('Votre message', msgText),
    h('button', { class: 'btn', type: 'submit', dataset: { busy: 'msg' } }, icon('send'), 'Envoyer'),
  );
  const msgHistoryTitle = h('h3', { text: 'Historique' });
  const msgSection = h('section', { class: 'card', 'aria-labelledby': 'msg-title' });

  /** The optimistic change adding `text` to the card's messages ("en attente d’envoi" until the hub's copy comes). */
  function withMessage(text) {
    return (r, kind) =>
      kind === 'detail'
        ? { ...r, messages: [...(r.messages ?? []), { id: 'local-' + card.now(), direction: 'out', channel: 'whatsapp', body: text, sent_at: new Date(card.now()).toISOString(), delivery_status: 'local' }] }
        : r;
  }

  async function send(body, text) {
    await card.act({ change: withMessage(text), method: 'POST', suffix: '/message', body, label: 'Message' });
    ctx.toast('Message envoyé au client.');
  }

  function view(d, actions) {
    const messages = sortedMessages(d.messages);
    const canSend = actions.includes('message');
    if (!canSend && !messages.length) return null;
    const at = card.now();
    const clientName = (d.client?.first_name ?? d.client_first_name ?? '').trim();
    const history = messages.length
      ? h('ol', { class: 'messages' }, messages.map((m) => messageItem(m, at, clientName)))
      : h('p', { class: 'muted', text: 'Aucun message échangé.' });
    return place(msgSection, msgTitle, canSend ? [msgHint, quickReplies, msgForm] : null, msgHistoryTitle, history);
  }

  return { view, send, withMessage, questions: () => questions };
}

/** One message: who wrote it, the text, then the time and its state (tick + French label, "SMS", the reason). */
function messageItem(m, at, clientName) {
  const v = deliveryView(m);
  const who = v.incoming ? (clientName ? `Client · ${clientName}` : 'Client') : 'Vous';
  const stateBits = v.incoming
    ? [h('span', { class: 'msg-label', text: v.label })]
    : [
        v.icon ? icon(v.icon) : null,
        v.tick ? h('span', { class: 'msg-tick', 'aria-hidden': 'true', text: v.tick }) : null,
        h('span', { class: 'msg-label', text: v.label }),
      ];
  return h(
    'li',
    { class: 'msg ' + (v.incoming ? 'in' : 'out') + (v.failed ? ' failed' : ''), dataset: { state: v.state } },
    h('span', { class: 'msg-who' }, v.incoming ? icon('user') : null, h('strong', { text: who })),
    h('span', { class: 'msg-body', text: m.body }),
    h(
      'span',
      { class: 'msg-meta' },
      h('time', { datetime: m.sent_at ?? '', title: m.sent_at ? formatDateTime(m.sent_at) : null, text: m.sent_at ? relativeTime(m.sent_at, at) : '' }),
      h('span', { class: 'msg-state ' + v.className, title: v.ariaLabel }, stateBits),
      v.sms ? h('span', { class: 'msg-channel', text: 'SMS' }) : null,
    ),
    v.reason ? h('span', { class: v.failed ? 'msg-reason error' : 'msg-reason', text: v.reason }) : null,
  );
}
