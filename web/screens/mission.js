// "Suivi de mission" (#mission/<request id>): the stages Arrivé → Diagnostic → Réparation → Terminé, the work timer,
// before/after photos (compressed on the phone, resumable upload), materials and costs, the payment request and the
// payment received. One module per section in `screens/mission/`; works offline: every write goes through
// `ctx.perform` (an optimistic change of the local copy, then the outbox).
import { mountMission } from '/screens/mission/screen.js';

export default {
  title: 'Suivi de mission',
  mount(root, ctx, id) {
    ctx.useStyle('/screens/demandes.css');
    ctx.useStyle('/screens/mission.css');
    if (!id) {
      ctx.navigate('#demandes');
      return undefined;
    }
    return mountMission(root, ctx, id);
  },
};
