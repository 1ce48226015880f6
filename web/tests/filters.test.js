import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  activeCount, applyFilters, compareItems, countLabel, describeFilters, emptyFilters, fold, normalizeFilters, optionsOf,
  statusGroup, toPredicate, toggle,
} from '../lib/filters.js';

const item = (over) => ({
  id: over.id,
  title: 'Fuite sous l’évier',
  status: 'nouvelle',
  status_label: 'Nouvelle',
  urgency: { code: 'planifie', label: 'Planifié' },
  service: { code: 'plomberie', name: 'Plomberie' },
  zone: { code: 'bangue', name: 'Bangue' },
  client_first_name: 'Paul',
  created_at: '2026-11-26T10:00:00.000Z',
  offer_unseen: false,
  ...over,
});

const items = [
  item({ id: 'a', title: 'Canalisation bouchée', urgency: { code: 'planifie' }, created_at: '2026-11-20T10:00:00Z' }),
  item({ id: 'b', title: 'Installation chauffe-eau', urgency: { code: 'urgent' }, offer_unseen: true, zone: { code: 'makepe-missoke', name: 'Makepe Missoké' } }),
  item({ id: 'c', status: 'acceptee', urgency: { code: 'aujourd_hui' }, service: { code: 'electricite', name: 'Électricité' } }),
  item({ id: 'd', status: 'en_cours', stage: 'diagnostic', urgency: { code: 'cette_semaine' } }),
  item({ id: 'e', status: 'terminee', created_at: '2026-11-27T10:00:00Z' }),
  item({ id: 'f', status: 'annulee', created_at: '2026-11-25T23:30:00Z' }),
];

test('no filter keeps everything, sorted new first, urgent first within', () => {
  const ids = applyFilters(items, emptyFilters()).map((i) => i.id);
  assert.deepEqual(ids, ['b', 'a', 'd', 'c', 'e', 'f']);
});

test('kinds combine with AND, values with OR', () => {
  const ids = (f) => applyFilters(items, { ...emptyFilters(), ...f }).map((i) => i.id).sort();
  assert.deepEqual(ids({ statuses: ['nouvelle', 'acceptee'] }), ['a', 'b', 'c']);
  assert.deepEqual(ids({ statuses: ['nouvelle'], urgencies: ['urgent'] }), ['b']);
  assert.deepEqual(ids({ services: ['electricite'] }), ['c']);
  assert.deepEqual(ids({ zones: ['makepe-missoke'] }), ['b']);
  assert.deepEqual(ids({ statuses: ['en_cours'] }), ['d']);
});

test('a precise status counts in its group', () => {
  assert.equal(statusGroup({ status: 'reparation' }), 'en_cours');
  assert.equal(toPredicate({ statuses: ['en_cours'] })({ status: 'arrive' }), true);
});

test('dates are Douala days, both ends included', () => {
  const ids = (f) => applyFilters(items, { ...emptyFilters(), ...f }).map((i) => i.id).sort();
  // f was made at 23:30 UTC on the 25th = 00:30 on the 26th in Douala.
  assert.deepEqual(ids({ from: '2026-11-26', to: '2026-11-26' }), ['b', 'c', 'd', 'f']);
  assert.deepEqual(ids({ to: '2026-11-20' }), ['a']);
  assert.deepEqual(ids({ from: '2026-11-27' }), ['e']);
});

test('search ignores case and accents and needs every word', () => {
  const ids = (q) => applyFilters(items, { ...emptyFilters(), q }).map((i) => i.id).sort();
  assert.deepEqual(ids('BOUCHEE'), ['a']);
  assert.deepEqual(ids('makepe chauffe'), ['b']);
  assert.deepEqual(ids('electricite'), ['c']);
  assert.deepEqual(ids('  '), ['a', 'b', 'c', 'd', 'e', 'f']);
  assert.equal(fold(' Maképè  Missoké '), 'makepe missoke');
});

test('stored state is sanitised', () => {
  assert.deepEqual(normalizeFilters(null), emptyFilters());
  const f = normalizeFilters({ statuses: ['nouvelle', 'bogus', 'nouvelle'], urgencies: 'urgent', from: '26/11/2026', to: '2026-11-30', q: 5, x: 1 });
  assert.deepEqual(f, { ...emptyFilters(), statuses: ['nouvelle'], to: '2026-11-30' });
});

test('toggle and active count', () => {
  let f = toggle(emptyFilters(), 'statuses', 'nouvelle');
  f = toggle(f, 'urgencies', 'urgent');
  assert.equal(activeCount(f), 2);
  f = toggle(f, 'statuses', 'nouvelle');
  assert.deepEqual(f.statuses, []);
  assert.equal(activeCount({ ...f, from: '2026-11-01', q: 'x' }), 3);
});

test('French summary and count', () => {
  assert.equal(describeFilters(emptyFilters()), 'Aucun filtre');
  const text = describeFilters(
    { statuses: ['nouvelle', 'acceptee'], urgencies: ['urgent'], services: ['plomberie'], zones: ['bangue'], from: '2026-11-01', to: '2026-11-05', q: 'fuite' },
    { services: [{ code: 'plomberie', name: 'Plomberie' }], zones: [{ code: 'bangue', name: 'Bangue' }] },
  );
  assert.equal(text, 'Filtres : Nouvelles ou Acceptées · Urgent · Plomberie · Bangue · du 01/11/2026 au 05/11/2026 · « fuite »');
  assert.equal(describeFilters({ from: '2026-11-01' }), 'Filtres : depuis le 01/11/2026');
  assert.equal(describeFilters({ to: '2026-11-01' }), 'Filtres : jusqu’au 01/11/2026');
  assert.equal(countLabel(1, 1), '1 demande');
  assert.equal(countLabel(12, 12), '12 demandes');
  assert.equal(countLabel(3, 12), '3 demandes sur 12');
  assert.equal(countLabel(0, 4), '0 demandes sur 4');
});

test('select options come from the items, sorted by name', () => {
  const { services, zones } = optionsOf(items, { services: ['menuiserie'], zones: [] });
  assert.deepEqual(services.map((s) => s.code), ['electricite', 'menuiserie', 'plomberie']);
  assert.deepEqual(zones.map((z) => z.name), ['Bangue', 'Makepe Missoké']);
});

test('newest first among past requests', () => {
  assert.ok(compareItems(items[4], { ...items[4], id: 'z', created_at: '2026-11-01T00:00:00Z' }) < 0);
});
