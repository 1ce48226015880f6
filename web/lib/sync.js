// Keeps the phone's copy of the provider's requests current by delta: the hub answers what changed since a
// cursor (`GET /provider/changes`), the phone merges it into IndexedDB. A full load happens only the first time,
// or when the hub says the cursor is too old.

/**
 * Merges one page of the feed into `items` (a Map id → item) and returns what changed.
 * On a full load, `seen` collects the ids of every page; the last page drops whatever was not seen.
 * @returns {{changed: string[], removed: string[]}}
 */
export function mergePage(items, page, seen = null) {
  const changed = [];
  const removed = [];
  for (const item of page.requests ?? []) {
    if (!item?.id) continue;
    items.set(item.id, item);
    changed.push(item.id);
    seen?.add(item.id);
  }
  for (const id of page.removed ?? []) {
    if (items.delete(id)) removed.push(id);
  }
  if (page.full && !page.more && seen) {
    for (const id of [...items.keys()]) {
      if (!seen.has(id)) {
        items.delete(id);
        removed.push(id);
      }
    }
  }
  return { changed, removed };
}

/**
 * Pulls every page of changes since the stored cursor into `db` (lib/db.js). Returns what changed, and which
 * other screens the hub says are stale (`touched`).
 * @param {{api: {get: Function}, db: object, limit?: number}} deps
 */
export async function pullChanges({ api, db, limit = 200 }) {
  const items = new Map((await db.all('requests')).map((item) => [item.id, item]));
  let cursor = (await db.get('kv', 'changes.cursor')) ?? '';
  // A full load cut between two pages: the ids of the pages already read are gone with that run, and its last page
  // would drop them as "not seen". Start the full load again instead (its pages overwrite, nothing is lost).
  if (cursor.startsWith('f:')) cursor = '';
  const result = { changed: new Set(), removed: new Set(), touched: new Set(), full: false, pages: 0 };
  let seen = null;
  for (let guard = 0; guard < 100; guard++) {
    const query = new URLSearchParams({ limit: String(limit) });
    if (cursor) query.set('since', cursor);
    let page;
    try {
      page = await api.get('/provider/changes?' + query);
    } catch (error) {
      // A hub without the delta feed (older version): one full reload of the list instead.
      if (error?.status !== 404) throw error;
      page = await fullList(api);
    }
    result.pages += 1;
    if (page.full) {
      result.full = true;
      seen ??= new Set();
    }
    const { changed, removed } = mergePage(items, page, page.full ? seen : null);
    for (const id of changed) result.changed.add(id);
    for (const id of removed) result.removed.add(id);
    for (const name of page.touched ?? []) result.touched.add(name);
    await db.putMany('requests', changed.map((id) => [id, items.get(id)]), removed);
    if (removed.length) await db.putMany('details', [], removed);
    cursor = page.cursor ?? cursor;
    await db.put('kv', 'changes.cursor', cursor);
    if (!page.more) break;
  }
  return {
    changed: [...result.changed],
    removed: [...result.removed],
    touched: [...result.touched],
    full: result.full,
    pages: result.pages,
  };
}

/** The whole list through `GET /provider/requests`, as one full page of the feed (hubs without `/provider/changes`). */
async function fullList(api) {
  const requests = [];
  for (let page = 1; page <= 20; page++) {
    const answer = await api.get(`/provider/requests?page_size=100&page=${page}`);
    requests.push(...(answer.items ?? []));
    if ((answer.items ?? []).length < 100) break;
  }
  return { full: true, more: false, requests, removed: [], touched: ['dashboard'], cursor: '' };
}
