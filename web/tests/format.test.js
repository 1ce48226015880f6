import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  doualaDay, formatDate, formatDateTime, formatDecimal, formatDuration, formatPercent, formatTime, formatXAF, relativeTime,
} from '../lib/format.js';

const N = '\u202F';
const S = '\u00A0';

test('money is grouped like the hub\'s XAF.formatted', () => {
  const cases = [
    [0, `0${S}FCFA`], [5, `5${S}FCFA`], [999, `999${S}FCFA`], [1000, `1${N}000${S}FCFA`], [15000, `15${N}000${S}FCFA`],
    [100000, `100${N}000${S}FCFA`], [1234567, `1${N}234${N}567${S}FCFA`], [-2500, `-2${N}500${S}FCFA`],
  ];
  for (const [francs, expected] of cases) assert.equal(formatXAF(francs), expected, String(francs));
  assert.equal(formatXAF(1499.6), `1${N}500${S}FCFA`, 'rounded to the franc');
  assert.equal(formatXAF(null), `0${S}FCFA`);
});

test('relative times in French', () => {
  const now = Date.UTC(2026, 10, 26, 12, 0, 0);
  assert.equal(relativeTime(now - 10_000, now), 'à l\u2019instant');
  assert.equal(relativeTime(now - 5 * 60_000, now), `il y a 5${S}min`);
  assert.equal(relativeTime(now - 60_000, now), `il y a 1${S}min`);
  assert.equal(relativeTime(now - 2 * 3600_000, now), `il y a 2${S}h`);
  assert.equal(relativeTime(now - 3 * 86400_000, now), `il y a 3${S}j`);
  assert.equal(relativeTime(now + 10 * 60_000, now), `dans 10${S}min`);
  assert.equal(relativeTime(new Date(now - 5 * 60_000).toISOString(), new Date(now)), `il y a 5${S}min`);
  assert.equal(relativeTime(undefined, now), 'jamais');
});

test('dates are Douala dates (UTC+1, no DST)', () => {
  // 23:30 UTC on 31 December is already 1 January in Douala.
  const instant = Date.UTC(2026, 11, 31, 23, 30);
  assert.equal(doualaDay(instant), '2027-01-01');
  assert.equal(formatDate(instant), 'vendredi 1er janvier 2027');
  assert.equal(formatTime(instant), '00:30');
  assert.equal(formatDateTime(Date.UTC(2026, 10, 26, 13, 5)), 'jeudi 26 novembre 2026 à 14:05');
  // Same offset in July: no summer time.
  assert.equal(formatTime(Date.UTC(2026, 6, 1, 8, 0)), '09:00');
});

test('percent, decimals and durations', () => {
  assert.equal(formatPercent(0.873), `87${N}%`);
  assert.equal(formatPercent(null), '—');
  assert.equal(formatDecimal(4.56), '4,6');
  assert.equal(formatDecimal(undefined), '—');
  assert.equal(formatDuration(4.2), `4${S}min`);
  assert.equal(formatDuration(75), `1${S}h${S}15`);
  assert.equal(formatDuration(120), `2${S}h`);
});

test('phone numbers are put in +237 form', async () => {
  const { normalizePhone } = await import('../lib/format.js');
  assert.equal(normalizePhone('6 90 00 00 01'), '+237690000001');
  assert.equal(normalizePhone('237690000001'), '+237690000001');
  assert.equal(normalizePhone('00237 690-00-00-01'), '+237690000001');
  assert.equal(normalizePhone('+237690000001'), '+237690000001');
  assert.equal(normalizePhone(''), '');
});
