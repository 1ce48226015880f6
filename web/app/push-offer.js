// The offer to receive push notifications on this device, and lib/push.js loaded when first needed (it is not part
// of the first load).
import { $, toast } from '/app/shell.js';

/** `{ offerPush(outboxItems), loadPush() }` for the app's `api`; wires the banner's two buttons once. */
export function createPushOffer({ api }) {
  let push = null;
  const loadPush = () => import('/lib/push.js').then((module) => (push = module));

  /**
   * The offer to receive pushes, shown once per device after an accept reached the hub (never at login): "Activer" asks
   * the browser's permission in the tap itself; "Plus tard" is remembered (no nagging: Profil has the switch).
   */
  let offerChecking = false;
  async function offerPush(items) {
    const banner = $('[data-push-offer]');
    if (!banner || !banner.hidden || offerChecking) return;
    if (!items.some((item) => item.state === 'sent' && /\/accept$/.test(item.path ?? ''))) return;
    offerChecking = true;
    try {
      // Loaded before the offer shows: "Activer" then calls it at once, in the tap.
      const { currentState, offerAnswer, shouldOfferPush } = await loadPush();
      if (offerAnswer()) return;
      const state = await currentState();
      if (shouldOfferPush({ outbox: items, state, answered: offerAnswer() }) && api.isLoggedIn()) banner.hidden = false;
    } catch {
    } finally {
      offerChecking = false;
    }
  }

  function closePushOffer(answer) {
    push?.rememberOffer(answer);
    $('[data-push-offer]').hidden = true;
  }

  $('[data-push-yes]').addEventListener('click', async (event) => {
    if (!push) return;
    const buttons = event.currentTarget.closest('[data-push-offer]').querySelectorAll('button');
    for (const button of buttons) button.disabled = true;
    try {
      await push.enablePush(api); // first thing: the permission prompt, while the tap still counts as a user gesture
      toast('Notifications activées sur cet appareil.');
      closePushOffer('done');
    } catch (error) {
      toast(error?.message || 'Notifications non activées.');
      closePushOffer('later');
    } finally {
      for (const button of buttons) button.disabled = false;
    }
  });
  $('[data-push-later]').addEventListener('click', () => {
    closePushOffer('later');
    toast('D’accord. Vous pourrez les activer dans Profil › Notifications.');
  });

  return { offerPush, loadPush };
}
