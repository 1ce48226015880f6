// The one action path of the screens: `perform({ optimistic, action, rollback, refresh })`.
//
// 1. `optimistic()` changes the phone's copy first, so the screen shows the action at once (offline too) and the
//    hub's answer (a refusal, or a reload once sent) always comes after it, never before it.
// 2. `action` ({method, path, body, title, requestId}) is queued in the outbox with its idempotency key and sent when
//    the hub answers (replayed in order).
// 3. The phone's store failing to queue it: `rollback(error)` puts the hub's copy back, and the error is thrown.
//    The hub refusing it later (while the app runs): `refresh(item)` reads the hub's copy again. Refusals answered
//    after a reload are corrected by the screens from the outbox list (`correctRefusals` in mission.js).
//
// Pure of the DOM: the queue is injected (`enqueue`, and `subscribe` to hear the outbox's answers).

/**
 * @param {object} deps
 * @param {(action: object) => Promise<object>} deps.enqueue  queues an action, resolves with the outbox item (seq, key…)
 * @param {(listener: (items: object[]) => void) => () => void} [deps.subscribe]  the outbox's list after each change
 * @returns {(step: {optimistic?: Function, action: object, rollback?: Function, refresh?: Function}) => Promise<object>}
 */
export function createPerform({ enqueue, subscribe = null }) {
  /** Refresh callbacks of queued items waiting for the hub's answer, by outbox seq. */
  const waiting = new Map();
  let unsubscribe = null;

  function listen(items) {
    for (const item of items ?? []) {
      const refresh = waiting.get(item.seq);
      if (!refresh || item.state === 'pending') continue;
      waiting.delete(item.seq);
      if (item.state === 'refused') Promise.resolve().then(() => refresh(item)).catch(() => {});
    }
    if (!waiting.size && unsubscribe) {
      unsubscribe();
      unsubscribe = null;
    }
  }

  return async function perform({ optimistic = null, action, rollback = null, refresh = null }) {
    if (!action?.method || !action?.path) throw new TypeError('perform: action needs a method and a path');
    if (optimistic) await optimistic();
    let item;
    try {
      item = await enqueue(action);
    } catch (error) {
      if (rollback) await rollback(error);
      throw error;
    }
    if (refresh && subscribe && item?.seq !== undefined && item.state !== 'sent' && item.state !== 'refused') {
      waiting.set(item.seq, refresh);
      unsubscribe ??= subscribe(listen);
    } else if (refresh && item?.state === 'refused') await refresh(item);
    return item;
  };
}
