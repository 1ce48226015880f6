import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergePage, pullChanges } from '../lib/sync.js';
import { memoryDb, outboxStorage } from '../lib/db.js';
import { soundFor } from '../lib/live.js';

const item = (id, status = 'nouvelle') => ({ id, status, title: 'Demande ' + id });

test('a delta page updates, adds and removes items', () => {
  const items = new Map([['a', item('a')], ['b', item('b')]]);
  const result = mergePage(items, { requests: [item('a', 'acceptee'), item('c')], removed: ['b', 'zz'] });
  assert.deepEqual(result, { changed: ['a', 'c'], removed: ['b'] });
  assert.equal(items.get('a').status, 'acceptee');
  assert.deepEqual([...items.keys()].sort(), ['a', 'c']);
});

test('the last page of a full load drops what the hub no longer lists', () => {
  const items = new Map([['old', item('old')], ['a', item('a')]]);
  const seen = new Set();
  mergePage(items, { full: true, more: true, requests: [item('a')] }, seen);
  assert.ok(items.has('old'), 'not before the last page');
  const result = mergePage(items, { full: true, more: false, requests: [item('b')] }, seen);
  assert.deepEqual(result.removed, ['old']);
  assert.deepEqual([...items.keys()].sort(), ['a', 'b']);
});

function fakeApi(pages) {
  const calls = [];
  return {
    calls,
    get: async (path) => {
      calls.push(path);
      const next = pages.shift();
      if (next instanceof Error) throw next;
      return next;
    },
  };
}

test('pullChanges follows the cursor page by page and keeps it for next time', async () => {
  const db = memoryDb();
  await db.put('details', 'gone', { id: 'gone' });
  await db.put('requests', 'gone', item('gone'));
  const api = fakeApi([
    { full: true, more: true, cursor: 'f:9:1', requests: [item('a')], removed: [], touched: ['dashboard'] },
    { full: true, more: false, cursor: 'd:9', requests: [item('b')], removed: [], touched: [] },
  ]);
  const first = await pullChanges({ api, db, limit: 1 });
  assert.equal(first.full, true);
  assert.deepEqual(first.changed.sort(), ['a', 'b']);
  assert.deepEqual(first.removed, ['gone']);
  assert.deepEqual(first.touched, ['dashboard']);
  assert.equal(await db.get('details', 'gone'), undefined, 'a removed request loses its cached card');
  assert.deepEqual(api.calls, ['/provider/changes?limit=1', '/provider/changes?limit=1&since=f%3A9%3A1']);

  const next = fakeApi([{ full: false, more: false, cursor: 'd:12', requests: [item('a', 'acceptee')], removed: ['b'], touched: [] }]);
  const delta = await pullChanges({ api: next, db });
  assert.deepEqual(next.calls, ['/provider/changes?limit=200&since=d%3A9']);
  assert.deepEqual(delta, { changed: ['a'], removed: ['b'], touched: [], full: false, pages: 1 });
  assert.equal((await db.get('requests', 'a')).status, 'acceptee');
  assert.equal(await db.get('kv', 'changes.cursor'), 'd:12');
});

test('a failed pull keeps the cursor of the last page that was stored', async () => {
  const db = memoryDb();
  const api = fakeApi([{ full: false, more: true, cursor: 'd:5', requests: [item('a')], removed: [] }, Object.assign(new Error('offline'), { status: 0 })]);
  await assert.rejects(pullChanges({ api, db }));
  assert.equal(await db.get('kv', 'changes.cursor'), 'd:5');
  assert.ok(await db.get('requests', 'a'));
});

test('a hub without the delta feed is read in full from the list', async () => {
  const db = memoryDb();
  const api = fakeApi([Object.assign(new Error('404'), { status: 404 }), { items: [item('x'), item('y')] }]);
  const result = await pullChanges({ api, db });
  assert.equal(result.full, true);
  assert.deepEqual((await db.keys('requests')).sort(), ['x', 'y']);
});

test('the memory database clones values like IndexedDB', async () => {
  const db = memoryDb();
  const value = { a: [1] };
  await db.put('kv', 'k', value);
  value.a.push(2);
  assert.deepEqual(await db.get('kv', 'k'), { a: [1] });
  const storage = outboxStorage(db);
  assert.deepEqual(await storage.load(), []);
  await storage.save([{ seq: 1 }]);
  assert.deepEqual(await storage.load(), [{ seq: 1 }]);
});

test('urgent requests ring louder than ordinary ones', () => {
  assert.equal(soundFor({ kind: 'offer', urgency: 'urgent' }), 'urgent');
  assert.equal(soundFor({ kind: 'urgent_request' }), 'urgent');
  assert.equal(soundFor({ kind: 'offer', urgency: 'this_week' }), 'soft');
  assert.equal(soundFor({ kind: 'new_request' }), 'soft');
  assert.equal(soundFor({ kind: 'system' }), null);
});

test('a full load cut between pages starts again, so the requests of its first pages are not dropped', async () => {
  const db = memoryDb();
  const first = fakeApi([
    { full: true, more: true, cursor: 'f:9:p1', requests: [item('newest')], removed: [] },
    Object.assign(new Error('cut'), { status: 0 }),
  ]);
  await assert.rejects(pullChanges({ api: first, db, limit: 1 }));
  assert.equal(await db.get('kv', 'changes.cursor'), 'f:9:p1');
  const again = fakeApi([
    { full: true, more: true, cursor: 'f:9:p1', requests: [item('newest')], removed: [] },
    { full: true, more: false, cursor: 'd:9', requests: [item('older')], removed: [] },
  ]);
  const result = await pullChanges({ api: again, db, limit: 1 });
  assert.deepEqual(again.calls, ['/provider/changes?limit=1', '/provider/changes?limit=1&since=f%3A9%3Ap1']);
  assert.deepEqual(result.removed, []);
  assert.deepEqual((await db.keys('requests')).sort(), ['newest', 'older']);
});
