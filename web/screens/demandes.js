// "Demandes": the requests list with its filters (on the phone's copy, offline too) and, at #demandes/<id>, the
// request card with its actions, the quick replies, the messages and the call log. One module per sub-view in
// `screens/demandes/`; every write goes through `ctx.perform` (an optimistic change of the local copy, then the outbox).
import { mountList } from '/screens/demandes/list.js';
import { mountCard } from '/screens/demandes/card.js';

export default {
  title: 'Demandes',
  mount(root, ctx, param) {
    ctx.useStyle('/screens/demandes.css');
    return param ? mountCard(root, ctx, param) : mountList(root, ctx);
  },
};
