import assert from 'node:assert/strict';
import { test } from 'node:test';
import { absenceDays, absenceLabel, absenceRange, absenceState, addDays, dayStart, monthTitle, monthWeeks, shiftMonth } from '../lib/calendar.js';

const NOW = Date.parse('2026-11-26T10:00:00Z');
const repos = { starts_at: '2026-12-07T23:00:00.000Z', ends_at: '2026-12-08T23:00:00.000Z' };
const funerailles = { starts_at: '2026-11-02T23:00:00.000Z', ends_at: '2026-11-06T23:00:00.000Z' };

test('Douala days start at 23:00 UTC the day before', () => {
  assert.equal(dayStart('2026-12-08').toISOString(), '2026-12-07T23:00:00.000Z');
  assert.equal(addDays('2026-12-31', 1), '2027-01-01');
  assert.equal(addDays('2026-03-01', -1), '2026-02-28');
});

test('an absence for whole days, as the hub stores it', () => {
  assert.deepEqual(absenceRange('2026-12-08', '2026-12-08'), { start: '2026-12-07T23:00:00.000Z', end: '2026-12-08T23:00:00.000Z' });
  assert.deepEqual(absenceRange('2026-11-03', '2026-11-06'), { start: funerailles.starts_at, end: funerailles.ends_at });
  assert.match(absenceRange('2026-11-06', '2026-11-03').error, /fin/);
  assert.match(absenceRange('', '2026-11-03').error, /dates/);
});

test('the days an absence covers and its French label', () => {
  assert.deepEqual(absenceDays(repos), { first: '2026-12-08', last: '2026-12-08' });
  assert.deepEqual(absenceDays(funerailles), { first: '2026-11-03', last: '2026-11-06' });
  assert.equal(absenceLabel(repos, NOW), 'le mardi 8 décembre');
  assert.equal(absenceLabel(funerailles, NOW), 'du mardi 3 novembre au vendredi 6 novembre');
  assert.equal(absenceLabel({ starts_at: '2026-12-31T23:00:00Z', ends_at: '2027-01-02T23:00:00Z' }, NOW), 'du vendredi 1er janvier 2027 au samedi 2 janvier 2027');
  assert.equal(absenceState(repos, NOW), 'à venir');
  assert.equal(absenceState(funerailles, NOW), 'passée');
  assert.equal(absenceState({ starts_at: '2026-11-25T23:00:00Z', ends_at: '2026-11-27T23:00:00Z' }, NOW), 'en cours');
});

test('month grid: Monday first, whole weeks, absences and today marked', () => {
  const weeks = monthWeeks(2026, 11, [funerailles, repos], NOW);
  assert.equal(weeks.length, 6, 'November 2026 starts on a Sunday');
  assert.equal(weeks[0][0].day, '2026-10-26');
  assert.equal(weeks[0][6].day, '2026-11-01');
  assert.equal(weeks[0][0].inMonth, false);
  assert.equal(weeks[0][6].inMonth, true);
  const cells = weeks.flat();
  assert.deepEqual(cells.filter((c) => c.absent).map((c) => c.date), [3, 4, 5, 6]);
  assert.deepEqual(cells.filter((c) => c.today).map((c) => c.day), ['2026-11-26']);
  assert.ok(weeks.every((w) => w.length === 7));
  assert.equal(monthWeeks(2021, 2).length, 4, 'February 2021 is exactly four weeks');
});

test('month navigation and title', () => {
  assert.deepEqual(shiftMonth(2026, 12, 1), { year: 2027, month: 1 });
  assert.deepEqual(shiftMonth(2026, 1, -1), { year: 2025, month: 12 });
  assert.equal(monthTitle(2026, 11), 'novembre 2026');
});
