import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  afterStage, answeredSince, canRequestPayment, concerns, correctedItem, currentStatus, isMission, nextStage, progressRank, requestIdOf, stepper,
  uncorrectedRefusals,
} from '../lib/mission.js';

test('ranks', () => {
  assert.deepEqual(['nouvelle', 'acceptee', 'arrive', 'diagnostic', 'reparation', 'terminee', 'annulee'].map(progressRank), [-1, 0, 1, 2, 3, 4, -1]);
});

test('the stepper: done, current, next, later', () => {
  assert.deepEqual(stepper('acceptee').map((s) => s.state), ['next', 'later', 'later', 'later']);
  assert.deepEqual(stepper('diagnostic').map((s) => s.state), ['done', 'current', 'next', 'later']);
  assert.deepEqual(stepper('terminee').map((s) => s.state), ['done', 'done', 'done', 'current']);
  assert.deepEqual(stepper('annulee').map((s) => s.state), ['later', 'later', 'later', 'later']);
});

test('the next stage never goes backwards', () => {
  assert.equal(nextStage('acceptee').stage, 'arrived');
  assert.equal(nextStage('arrive').stage, 'diagnosed');
  assert.equal(nextStage('reparation').stage, 'completed');
  assert.equal(nextStage('terminee'), null);
  assert.equal(nextStage('nouvelle'), null);
  assert.equal(nextStage('arrive', ['message', 'repairing', 'arrived']).stage, 'repairing', 'only an offered stage ahead');
  assert.equal(nextStage('arrive', ['message']), null);
});

test('the precise status of a request', () => {
  assert.equal(currentStatus({ status: 'en_cours', stage: 'reparation' }), 'reparation');
  assert.equal(currentStatus({ status: 'en_cours', mission: { status: 'arrive' } }), 'arrive');
  assert.equal(currentStatus({ status: 'acceptee' }), 'acceptee');
  assert.ok(isMission({ status: 'acceptee' }));
  assert.ok(!isMission({ status: 'nouvelle', stage: 'nouvelle' }));
  assert.ok(canRequestPayment({ stage: 'reparation' }));
  assert.ok(!canRequestPayment({ stage: 'diagnostic' }));
});

test('the optimistic copy after a stage', () => {
  const detail = {
    status: 'acceptee', stage: 'acceptee', status_label: 'Acceptée', actions: ['arrived', 'message', 'call'],
    mission: { status: 'acceptee', steps: [{ stage: 'acceptee', done: true }, { stage: 'arrive', done: false }, { stage: 'diagnostic', done: false }] },
  };
  const next = afterStage(detail, 'arrived');
  assert.equal(next.stage, 'arrive');
  assert.equal(next.status, 'en_cours');
  assert.equal(next.status_label, 'Arrivé');
  assert.deepEqual(next.actions, ['message', 'call', 'diagnosed']);
  assert.deepEqual(next.mission.steps.map((s) => s.done), [true, true, false]);
  assert.equal(afterStage(detail, 'completed').status, 'terminee');
  assert.equal(afterStage(detail, 'completed').status_label, 'Terminée');
});

import { defaultSlot, doualaSlot } from '../lib/mission.js';

test('a Douala slot as UTC', () => {
  assert.deepEqual(doualaSlot('2026-12-02', '09:00', '11:30'), { start: '2026-12-02T08:00:00.000Z', end: '2026-12-02T10:30:00.000Z' });
  assert.deepEqual(doualaSlot('2026-12-02', '00:30', '01:00'), { start: '2026-12-01T23:30:00.000Z', end: '2026-12-02T00:00:00.000Z' });
  assert.equal(doualaSlot('2026-12-02', '22:00', '01:00').end, '2026-12-03T00:00:00.000Z');
  assert.equal(doualaSlot('02/12/2026', '09:00', '10:00'), null);
  assert.equal(doualaSlot('2026-12-02', '', '10:00'), null);
});

test('the first slot a postponement proposes is never already gone', () => {
  const at = (iso) => Date.parse(iso);
  // 07:10 in Douala (06:10 UTC): the working day has not started, 09:00–11:00 today.
  assert.deepEqual(defaultSlot(at('2026-12-07T06:10:00Z')), { day: '2026-12-07', from: '09:00', to: '11:00' });
  // 09:21 in Douala: 11:00–13:00 today (an hour's notice at least).
  assert.deepEqual(defaultSlot(at('2026-12-07T08:21:00Z')), { day: '2026-12-07', from: '11:00', to: '13:00' });
  // 14:00 sharp: 15:00–17:00.
  assert.deepEqual(defaultSlot(at('2026-12-07T13:00:00Z')), { day: '2026-12-07', from: '15:00', to: '17:00' });
  // 16:30: too late to start at 18:00, tomorrow morning.
  assert.deepEqual(defaultSlot(at('2026-12-07T15:30:00Z')), { day: '2026-12-08', from: '09:00', to: '11:00' });
  // 23:30 in Douala on the 31st (22:30 UTC): tomorrow is the next month.
  assert.deepEqual(defaultSlot(at('2026-12-31T22:30:00Z')), { day: '2027-01-01', from: '09:00', to: '11:00' });
  // 00:30 in Douala (23:30 UTC the day before): today in Douala, 09:00.
  assert.deepEqual(defaultSlot(at('2026-12-07T23:30:00Z')), { day: '2026-12-08', from: '09:00', to: '11:00' });
  // Every hour of a day: the slot starts in the future.
  for (let m = 0; m < 24 * 60; m += 7) {
    const now = at('2026-12-07T00:00:00Z') + m * 60_000;
    const s = defaultSlot(now);
    assert.ok(Date.parse(doualaSlot(s.day, s.from, s.to).start) > now, `${m} min`);
  }
});

test('the outbox answers about one request: sent and refused, each once', () => {
  const path = '/provider/requests/r1';
  const seen = new Set();
  const items = [
    { seq: 1, key: 'a', state: 'sent', path: path + '/message' },
    { seq: 2, key: 'b', state: 'refused', path: path + '/accept', reason: 'Offre expirée.' },
    { seq: 3, key: 'c', state: 'pending', path: path + '/timer' },
    { seq: 4, key: 'd', state: 'refused', path: '/provider/requests/r10/accept' },
    { seq: 5, key: 'e', state: 'sent', path },
  ];
  const news = answeredSince(items, path, seen);
  assert.deepEqual(news.sent.map((i) => i.seq), [1, 5]);
  assert.deepEqual(news.refused.map((i) => i.reason), ['Offre expirée.']);
  assert.deepEqual(answeredSince(items, path, seen), { sent: [], refused: [] }, 'each answer once');
  items[2] = { ...items[2], state: 'refused' };
  assert.deepEqual(answeredSince(items, path, seen).refused.map((i) => i.seq), [3]);
  assert.ok(concerns({ path: path + '/calls/x' }, path));
  assert.ok(!concerns({ path: path + '0/accept' }, path));
});

test('refusals are corrected once, by idempotency key', () => {
  const items = [
    { seq: 1, key: 'a', state: 'refused', path: '/provider/requests/r1/accept' },
    { seq: 2, key: 'b', state: 'refused', path: '/provider/requests/r%202/materials' },
    { seq: 3, key: 'c', state: 'sent', path: '/provider/requests/r1/message' },
    { seq: 4, key: 'd', state: 'refused', path: '/provider/availability' },
  ];
  assert.deepEqual(uncorrectedRefusals(items, []).map((i) => i.key), ['a', 'b']);
  assert.deepEqual(uncorrectedRefusals(items, ['a']).map((i) => i.key), ['b']);
  assert.deepEqual(uncorrectedRefusals(items, new Set(), '/provider/requests/r1').map((i) => i.key), ['a']);
  assert.equal(requestIdOf('/provider/requests/r%202/materials'), 'r 2');
  assert.equal(requestIdOf('/provider/requests/r1'), 'r1');
  assert.equal(requestIdOf('/provider/availability'), null);
});

test('a refused accept: the list item takes the hub\'s status back', () => {
  const optimistic = { id: 'r1', title: 'Fuite', status: 'acceptee', stage: 'acceptee', status_label: 'Acceptée', offer_expires_at: null };
  const fresh = { id: 'r1', status: 'expiree', stage: 'expiree', status_label: 'Expirée', offer_expires_at: '2026-11-26T10:00:00Z', messages: [] };
  assert.deepEqual(correctedItem(optimistic, fresh), { id: 'r1', title: 'Fuite', status: 'expiree', stage: 'expiree', status_label: 'Expirée', offer_expires_at: '2026-11-26T10:00:00Z' });
  assert.equal(correctedItem(null, fresh), null);
  assert.deepEqual(correctedItem(optimistic, { status: 'nouvelle' }), { ...optimistic, status: 'nouvelle' }, 'only what the detail says');
});

test('after a refused accept the phone drops its optimistic copy and takes the hub\'s status back, once', async () => {
  const { memoryDb } = await import('../lib/db.js');
  const { correctRefusals } = await import('../lib/mission.js');
  const db = memoryDb();
  await db.put('requests', 'r1', { id: 'r1', status: 'acceptee', stage: 'acceptee', status_label: 'Acceptée' });
  await db.put('requests', 'r2', { id: 'r2', status: 'acceptee', stage: 'acceptee', status_label: 'Acceptée' });
  await db.put('kv', 'detail:r1', { data: { id: 'r1', status: 'acceptee' }, at: 1 });
  const hub = { r1: { id: 'r1', status: 'expiree', stage: 'expiree', status_label: 'Expirée' } };
  const fetched = [];
  const emitted = [];
  let online = false;
  const ctx = {
    db,
    emit: (name, detail) => emitted.push([name, detail]),
    async load(key, path, render, onError) {
      const cached = await db.get('kv', key);
      if (cached) render(cached.data, { cached: true });
      fetched.push(path);
      const id = decodeURIComponent(path.split('/').pop());
      if (!online) {
        if (!cached) onError(Object.assign(new Error('offline'), { status: 0 }));
        return null;
      }
      if (!hub[id]) {
        if (!cached) onError(Object.assign(new Error('not found'), { status: 404 }));
        return null;
      }
      await db.put('kv', key, { data: hub[id], at: 2 });
      render(hub[id], { cached: false });
      return hub[id];
    },
  };
  const items = [
    { seq: 1, key: 'k1', state: 'refused', path: '/provider/requests/r1/accept', reason: 'Offre expirée.' },
    { seq: 2, key: 'k2', state: 'refused', path: '/provider/requests/r2/accept', reason: 'Offre prise.' },
  ];
  // No link: the optimistic copy is dropped, nothing is marked corrected.
  let results = await correctRefusals(ctx, items);
  assert.equal(results.length, 2);
  assert.ok(results.every((r) => !r.detail));
  assert.equal(await db.get('kv', 'detail:r1'), undefined);
  assert.equal((await db.get('requests', 'r1')).status_label, 'Acceptée');
  online = true;
  results = await correctRefusals(ctx, items, { path: '/provider/requests/r1' });
  assert.deepEqual(results.map((r) => [r.id, r.detail?.status, r.refusals[0].reason]), [['r1', 'expiree', 'Offre expirée.']]);
  assert.equal((await db.get('requests', 'r1')).status_label, 'Expirée');
  assert.equal((await db.get('kv', 'detail:r1')).data.status, 'expiree');
  results = await correctRefusals(ctx, items);
  assert.deepEqual(results.map((r) => r.id), ['r2'], 'r1 is corrected once');
  assert.equal(await db.get('requests', 'r2'), undefined, 'a request the hub no longer shows leaves the list');
  assert.deepEqual(emitted.at(-1), ['requests', { changed: [], removed: ['r2'], touched: [], local: true }]);
  const count = fetched.length;
  assert.deepEqual(await correctRefusals(ctx, items), []);
  assert.equal(fetched.length, count, 'nothing fetched once all are corrected');
});
