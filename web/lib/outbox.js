// The offline action queue: every action the provider takes goes here first, with an idempotency key,
// and is replayed in order when the hub answers. Pure logic: storage and sender are injected.
//
// Storage: { load(): Promise<Item[]>|Item[], save(items): Promise|void }.
// Sender: async (item) => { status: 'sent', result? } | { status: 'refused', reason } ;
//         throwing (or { status: 'retry' }) means "no link": the replay stops and keeps the order.

export const STATES = Object.freeze({ pending: 'pending', sent: 'sent', refused: 'refused' });

const LABELS = { pending: 'en attente', sent: 'envoyé', refused: 'refusé' };

/** The French label of a state: "en attente", "envoyé", "refusé". */
export function stateLabel(state) {
  return LABELS[state] ?? state;
}

/** A random idempotency key (1–100 ASCII characters, as the hub requires). */
export function newIdempotencyKey(random = globalThis.crypto) {
  if (random?.randomUUID) return random.randomUUID();
  const bytes = new Uint8Array(16);
  if (random?.getRandomValues) random.getRandomValues(bytes);
  else for (let i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * @param {object} deps
 * @param {{load: Function, save: Function}} deps.storage
 * @param {(item: object) => Promise<object>} deps.send
 * @param {() => number} [deps.now]
 * @param {() => string} [deps.newKey]
 */
export function createOutbox({ storage, send, now = () => Date.now(), newKey = () => newIdempotencyKey() }) {
  let items = null;
  let replaying = null;
  const listeners = new Set();

  async function ready() {
    if (items === null) items = ((await storage.load()) ?? []).map((item) => ({ ...item }));
    return items;
  }

  async function persist() {
    await storage.save(items.map((item) => ({ ...item })));
    for (const listener of listeners) listener(snapshot());
  }

  function snapshot() {
    return (items ?? []).map((item) => ({ ...item, label: stateLabel(item.state) }));
  }

  return {
    /**
     * Queues an action. The key is chosen once here and never changes, so a replay after a lost answer
     * is recognised by the hub.
     * @param {{method: string, path: string, body?: any, title?: string}} action
     */
    async enqueue(action) {
      await ready();
      const seq = items.reduce((max, item) => Math.max(max, item.seq), 0) + 1;
      const item = {
        seq,
        key: action.key ?? newKey(),
        method: action.method,
        path: action.path,
        body: action.body ?? null,
        title: action.title ?? '',
        state: STATES.pending,
        reason: null,
        attempts: 0,
        createdAt: now(),
        doneAt: null,
      };
      items.push(item);
      await persist();
      return { ...item };
    },

    /** Every item, oldest first, with its French label. */
    async list() {
      await ready();
      return snapshot();
    },

    /** Items still to send. */
    async pendingCount() {
      await ready();
      return items.filter((item) => item.state === STATES.pending).length;
    },

    /**
     * Sends pending items one by one, oldest first. Stops at the first network failure so that a later
     * action never overtakes an earlier one. Concurrent calls share one run.
     * @returns {Promise<{sent: number, refused: number, remaining: number, stoppedBy: any}>}
     */
    replay() {
      if (replaying) return replaying;
      replaying = (async () => {
        await ready();
        const outcome = { sent: 0, refused: 0, remaining: 0, stoppedBy: null };
        const queue = items.filter((item) => item.state === STATES.pending).sort((a, b) => a.seq - b.seq);
        for (const item of queue) {
          item.attempts += 1;
          let answer;
          try {
            answer = await send({ ...item });
          } catch (error) {
            answer = { status: 'retry', error };
          }
          if (answer?.status === 'sent') {
            item.state = STATES.sent;
            item.doneAt = now();
            outcome.sent += 1;
          } else if (answer?.status === 'refused') {
            item.state = STATES.refused;
            item.reason = answer.reason || 'Refusé par le hub.';
            item.doneAt = now();
            outcome.refused += 1;
          } else {
            await persist();
            outcome.stoppedBy = answer?.error ?? 'retry';
            break;
          }
          // Saved after each item: a reload mid-replay never resends what the hub already took.
          await persist();
        }
        outcome.remaining = items.filter((item) => item.state === STATES.pending).length;
        return outcome;
      })().finally(() => {
        replaying = null;
      });
      return replaying;
    },

    /** Forgets sent items older than `age` ms (refused ones stay until the provider dismisses them). */
    async prune(age = 24 * 3600 * 1000) {
      await ready();
      const limit = now() - age;
      items = items.filter((item) => !(item.state === STATES.sent && item.doneAt !== null && item.doneAt < limit));
      await persist();
    },

    /** Removes one refused item the provider has read. */
    async dismiss(seq) {
      await ready();
      items = items.filter((item) => !(item.seq === seq && item.state === STATES.refused));
      await persist();
    },

    /** Forgets every item (logout, or another provider logging in on this phone). */
    async clear() {
      await (replaying ?? Promise.resolve()).catch(() => {});
      items = [];
      await persist();
    },

    /** Called with the list after every change. Returns an unsubscribe function. */
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** A storage in memory (tests, or a browser without localStorage). */
export function memoryStorage(initial = []) {
  let saved = JSON.parse(JSON.stringify(initial));
  return {
    load: () => JSON.parse(JSON.stringify(saved)),
    save: (items) => {
      saved = JSON.parse(JSON.stringify(items));
    },
    get saved() {
      return saved;
    },
  };
}

/** A storage over `localStorage`-like key/value store (IndexedDB comes in a later increment). */
export function keyValueStorage(store, key = 'djobea.outbox') {
  return {
    load: () => {
      try {
        return JSON.parse(store.getItem(key) ?? '[]');
      } catch {
        return [];
      }
    },
    save: (items) => store.setItem(key, JSON.stringify(items)),
  };
}
