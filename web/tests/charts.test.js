import assert from 'node:assert/strict';
import { test } from 'node:test';
import { donutArcs, heatmapCells, heatmapChart, linePath, niceTicks, ratingChart, ratingLine, revenueChart, servicesChart, shortXAF } from '../lib/charts.js';

test('nice ticks use 1, 2, 2.5 or 5 steps and cover the data', () => {
  assert.deepEqual(niceTicks(0, 83200), { min: 0, max: 100000, step: 25000, ticks: [0, 25000, 50000, 75000, 100000] });
  assert.deepEqual(niceTicks(0, 10).ticks, [0, 2.5, 5, 7.5, 10]);
  assert.deepEqual(niceTicks(0, 1000000, 4).ticks, [0, 250000, 500000, 750000, 1000000]);
  assert.deepEqual(niceTicks(0, 0).ticks, [0, 1]);
  const t = niceTicks(123, 987);
  assert.ok(t.min <= 123 && t.max >= 987);
});

test('short FCFA axis labels', () => {
  assert.equal(shortXAF(0), '0');
  assert.equal(shortXAF(25000), '25\u00A0k');
  assert.equal(shortXAF(2500), '2,5\u00A0k');
  assert.equal(shortXAF(1500000), '1,5\u00A0M');
  assert.equal(shortXAF(2000000), '2\u00A0M');
});

test('a line through known points', () => {
  const line = linePath([0, 50, 100], { width: 100, height: 100 });
  assert.equal(line.d, 'M0 100L50 50L100 0');
  assert.equal(line.area, 'M0 100L50 50L100 0L100 100L0 100Z');
  assert.deepEqual(line.ticks.map((t) => t.value), [0, 25, 50, 75, 100]);
  assert.deepEqual(line.ticks.map((t) => t.y), [100, 75, 50, 25, 0]);
  assert.equal(line.empty, false);
});

test('line padding and {value} points', () => {
  const line = linePath([{ value: 10 }, { amount: 20 }], { width: 120, height: 60, left: 10, right: 10, top: 10, bottom: 10 });
  // ticks 0..20 by 5, plot 100×40
  assert.equal(line.d, 'M10 30L110 10');
});

test('an empty series draws nothing and has a 0–1 axis', () => {
  const line = linePath([], { width: 100, height: 100 });
  assert.equal(line.d, '');
  assert.equal(line.area, '');
  assert.equal(line.empty, true);
  assert.deepEqual(line.ticks.map((t) => t.value), [0, 1]);
  const zeros = linePath([0, 0, 0], { width: 100, height: 100 });
  assert.equal(zeros.d, 'M0 100L50 100L100 100');
});

test('a single point is a short visible segment', () => {
  const line = linePath([5], { width: 100, height: 100 });
  assert.match(line.d, /^M46 \d+(\.\d)?L54 /);
});

test('donut arcs sum to the full circle, clockwise from 12 o\'clock', () => {
  const arcs = donutArcs([{ value: 1 }, { value: 0 }, { value: 1 }, { value: 2 }], { cx: 50, cy: 50, r: 40 });
  assert.equal(arcs.length, 3, 'zero slice skipped');
  assert.deepEqual(arcs.map((a) => a.share), [0.25, 0.25, 0.5]);
  assert.deepEqual(arcs[0].start, { x: 50, y: 10 });
  assert.deepEqual(arcs[0].end, { x: 90, y: 50 });
  assert.deepEqual(arcs[1].end, { x: 50, y: 90 });
  assert.deepEqual(arcs[2].end, { x: 50, y: 10 }, 'last arc closes the circle');
  assert.equal(arcs[0].d, 'M50 10A40 40 0 0 1 90 50');
  assert.equal(arcs[2].d, 'M50 90A40 40 0 0 1 50 10');
  assert.equal(arcs[2].index, 3, 'keeps the index of the input slice');
  const total = arcs.reduce((s, a) => s + a.share, 0);
  assert.equal(total, 1);
});

test('a large slice uses the large-arc flag', () => {
  const arcs = donutArcs([{ value: 3 }, { value: 1 }], { cx: 0, cy: 0, r: 10 });
  assert.equal(arcs[0].d, 'M0 -10A10 10 0 1 1 -10 0');
});

test('a single 100 % slice is a full ring of two half arcs', () => {
  const [arc, ...rest] = donutArcs([{ value: 0 }, { amount: 1095300 }], { cx: 50, cy: 50, r: 38 });
  assert.equal(rest.length, 0);
  assert.equal(arc.share, 1);
  assert.equal(arc.d, 'M50 12A38 38 0 1 1 50 88A38 38 0 1 1 50 12');
});

test('no slices, or only zeros, give no arcs', () => {
  assert.deepEqual(donutArcs([]), []);
  assert.deepEqual(donutArcs(null), []);
  assert.deepEqual(donutArcs([{ value: 0 }, { value: -3 }]), []);
});

test('heatmap cells from the hub\'s 7×24 matrix, with intensity buckets', () => {
  const matrix = Array.from({ length: 7 }, () => new Array(24).fill(0));
  matrix[0][9] = 8; // lundi 9 h
  matrix[2][10] = 1;
  matrix[6][23] = 4;
  matrix[5][7] = 6;
  const map = heatmapCells(matrix, { cell: 10, gap: 2 });
  assert.equal(map.cells.length, 168);
  assert.equal(map.max, 8);
  assert.equal(map.total, 19);
  const at = (d, hr) => map.cells.find((c) => c.day === d && c.hour === hr);
  assert.equal(at(0, 9).level, 4);
  assert.equal(at(2, 10).level, 1, 'one offer is still visible');
  assert.equal(at(6, 23).level, 2);
  assert.equal(at(5, 7).level, 3);
  assert.equal(at(1, 1).level, 0);
  assert.deepEqual([at(6, 23).x, at(6, 23).y], [23 * 12, 6 * 12]);
  assert.deepEqual(map.peaks[0], { day: 0, hour: 9, count: 8 });
  assert.equal(map.byDay[0], 8);
});

test('heatmap from a list of {weekday, hour, count} and from nothing', () => {
  const map = heatmapCells([{ weekday: 1, hour: 8, count: 2 }, { weekday: 7, hour: 20, count: 1 }, { weekday: 9, hour: 1, count: 5 }]);
  assert.equal(map.total, 3);
  assert.equal(map.cells.find((c) => c.day === 6 && c.hour === 20).level, 2);
  const none = heatmapCells(undefined);
  assert.equal(none.max, 0);
  assert.ok(none.cells.every((c) => c.level === 0));
  assert.deepEqual(none.peaks, []);
});

test('rating line zooms on the data and ignores months without reviews', () => {
  const line = ratingLine([{ average: 4.3, count: 3 }, { average: 0, count: 0 }, { average: 4.5, count: 2 }], { width: 100, height: 100 });
  assert.equal(line.coords.length, 2);
  assert.ok(line.min >= 3 && line.max <= 5);
  assert.ok(line.max - line.min >= 1);
  assert.equal(line.coords[0].x, 0);
  assert.equal(line.coords[1].x, 100);
});

test('chart descriptions carry French titles and summaries', () => {
  const revenue = revenueChart([{ day: '2026-11-01', amount: 1000 }, { day: '2026-11-02', amount: 0 }, { day: '2026-11-03', amount: 3000 }]);
  assert.equal(revenue.title, 'Évolution des revenus (30 jours)');
  assert.match(revenue.summary, /4\u202F000\u00A0FCFA encaissés en 3 jours, 2 jours avec recette\u00A0; meilleur jour\u00A0: 3 nov\./);
  assert.deepEqual(revenue.xLabels, ['1 nov.', '2 nov.', '3 nov.']);
  assert.equal(revenue.table.rows.length, 3);
  assert.equal(revenueChart([]).summary, 'Aucun revenu encaissé sur les 30 derniers jours.');

  const services = servicesChart([{ service_name: 'Plomberie', amount: 300, missions_completed: 3 }, { service_name: 'Électricité', amount: 100, missions_completed: 1 }]);
  assert.equal(services.summary, 'Plomberie\u00A0: 75\u202F%, Électricité\u00A0: 25\u202F%.');
  assert.equal(services.legend[1].note, '1 mission');
  assert.equal(servicesChart([]).empty, true);

  const heat = heatmapChart([[0, 0, 2]]);
  assert.match(heat.summary, /2 demandes reçues\. Créneaux les plus demandés\u00A0: lundi\u00A02\u00A0h–\u20603\u00A0h\u00A0\(2\)/);

  const rating = ratingChart([
    { month: '2026-09', label: 'Septembre 2026', average: 4.32, count: 37 },
    { month: '2026-10', label: 'Octobre 2026', average: 4.47, count: 38 },
    { month: '2026-11', label: 'Novembre 2026', average: 4.6, count: 44 },
  ]);
  assert.equal(rating.summary, 'Note en novembre 2026\u00A0: 4,6 / 5 (44 avis), en hausse depuis septembre 2026 (4,3).');
  assert.deepEqual(rating.xLabels.map((l) => l.text), ['sept.', 'oct.', 'nov.']);
  assert.equal(ratingChart([]).empty, true);
});
