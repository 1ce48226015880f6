// The app's local data: IndexedDB on the phone, so every screen shows at once, offline too, and the hub is only
// asked for what changed. One small async key/value API over a few object stores:
//   kv        screens' cached answers ({data, at}), cursors, timers, settings of the app itself
//   requests  request list items by id (kept current by the delta feed)
//   details   request detail cards by id
//   outbox    (one key) the offline action queue
//   uploads   photo bytes waiting to upload, by sha256
// `memoryDb()` has the same API for tests and for browsers where IndexedDB is refused (private mode).

export const STORES = Object.freeze(['kv', 'requests', 'details', 'outbox', 'uploads']);
const VERSION = 1;

/** Opens (or creates) the database. Falls back to memory when IndexedDB is missing or refused. */
export async function openDb(name = 'djobea', idb = globalThis.indexedDB) {
  if (!idb) return memoryDb();
  try {
    const database = await new Promise((resolve, reject) => {
      const open = idb.open(name, VERSION);
      open.onupgradeneeded = () => {
        for (const store of STORES) if (!open.result.objectStoreNames.contains(store)) open.result.createObjectStore(store);
      };
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
      open.onblocked = () => reject(new Error('IndexedDB bloquée'));
    });
    return idbDb(database);
  } catch {
    return memoryDb();
  }
}

function idbDb(database) {
  function run(store, mode, operation) {
    return new Promise((resolve, reject) => {
      const transaction = database.transaction(store, mode);
      const result = operation(transaction.objectStore(store));
      transaction.oncomplete = () => resolve(result?.result);
      transaction.onerror = () => reject(transaction.error);
      transaction.onabort = () => reject(transaction.error);
    });
  }
  return {
    kind: 'indexeddb',
    get: (store, key) => run(store, 'readonly', (s) => s.get(key)),
    put: (store, key, value) => run(store, 'readwrite', (s) => void s.put(value, key)),
    delete: (store, key) => run(store, 'readwrite', (s) => void s.delete(key)),
    clear: (store) => run(store, 'readwrite', (s) => void s.clear()),
    /** Writes and deletes in one transaction: `entries` [[key, value]], `removed` [key]. */
    putMany: (store, entries, removed = []) =>
      run(store, 'readwrite', (s) => {
        for (const [key, value] of entries) s.put(value, key);
        for (const key of removed) s.delete(key);
      }),
    all: (store) => run(store, 'readonly', (s) => s.getAll()),
    keys: (store) => run(store, 'readonly', (s) => s.getAllKeys()),
    close: () => database.close(),
  };
}

/** The same API in memory. Values are cloned, as IndexedDB's structured clone would. */
export function memoryDb() {
  const stores = new Map(STORES.map((store) => [store, new Map()]));
  const clone = (value) => (value === undefined ? undefined : structuredClone(value));
  const of = (store) => {
    const found = stores.get(store);
    if (!found) throw new Error('unknown store ' + store);
    return found;
  };
  return {
    kind: 'memory',
    get: async (store, key) => clone(of(store).get(key)),
    put: async (store, key, value) => void of(store).set(key, clone(value)),
    delete: async (store, key) => void of(store).delete(key),
    clear: async (store) => void of(store).clear(),
    putMany: async (store, entries, removed = []) => {
      for (const [key, value] of entries) of(store).set(key, clone(value));
      for (const key of removed) of(store).delete(key);
    },
    all: async (store) => [...of(store).values()].map(clone),
    keys: async (store) => [...of(store).keys()],
    close: () => {},
  };
}

/** The outbox's storage (lib/outbox.js) kept in the `outbox` store. */
export function outboxStorage(db) {
  return {
    load: async () => (await db.get('outbox', 'items')) ?? [],
    save: (items) => db.put('outbox', 'items', items),
  };
}
