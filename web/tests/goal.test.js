import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_TARGET, goalBody, goalProgress, monthKey, parseTarget, percentLabel, projectionSummary, targetInputValue, withTarget } from '../lib/goal.js';

const N = '\u202F';
const F = '\u00A0FCFA';

/** A goal view as `GET /provider/finance/goal` answers it. */
function view(overrides = {}) {
  return {
    month: '2026-12', month_label: 'Décembre 2026',
    goal: { id: 'g1', month: '2026-12', target_revenue: 300000, target_revenue_label: `300${N}000${F}`, target_missions: 0 },
    progress: { earned: 120000, percent: 40, missions_completed: 5, days_in_month: 31, days_left: 25, working_days_left: 22 },
    projection: {
      amount: 310000, low: 270000, high: 350000, history_days: 90, weekdays: [], chance_percent: 62, outlook: 'on_track',
      outlook_label: 'Objectif atteignable', outlook_fr: 'Objectif atteignable : la projection (310 000 FCFA) atteint votre objectif.',
    },
    method_fr: 'Projection : vos revenus encaissés ce mois-ci…',
    recommendations: [{ code: 'goal_gap', text_fr: 'Il vous manque 180 000 FCFA…' }],
    ...overrides,
  };
}

test('the amount typed: digits with spaces or dots between groups, FCFA allowed, whole francs only', () => {
  assert.deepEqual(parseTarget('250000'), { ok: true, value: 250000 });
  assert.deepEqual(parseTarget(' 250 000 '), { ok: true, value: 250000 });
  assert.deepEqual(parseTarget(`250${N}000${F}`), { ok: true, value: 250000 });
  assert.deepEqual(parseTarget('250.000'), { ok: true, value: 250000 });
  assert.deepEqual(parseTarget('1.250.000 fcfa'), { ok: true, value: 1250000 });
  assert.deepEqual(parseTarget('0'), { ok: true, value: 0 });
  assert.deepEqual(parseTarget(String(MAX_TARGET)), { ok: true, value: 100000000 });
});

test('an amount the hub would refuse is refused on the phone, with a French reason', () => {
  for (const [input, start] of [
    ['', 'Indiquez un montant'], [null, 'Indiquez un montant'], ['   ', 'Indiquez un montant'], ['-5000', 'Le montant ne peut pas être négatif'],
    ['2500,50', 'Indiquez un montant entier'], ['2500.5', 'Indiquez un montant entier'], ['12,', 'Indiquez un montant entier'],
    ['deux cent mille', 'Indiquez un montant en chiffres'], ['2.50.000', 'Indiquez un montant en chiffres'], ['1e6', 'Indiquez un montant en chiffres'],
    ['100000001', 'L’objectif ne peut pas dépasser 100'], ['99999999999999999999', 'Indiquez un montant en chiffres'],
  ]) {
    const parsed = parseTarget(input);
    assert.equal(parsed.ok, false, `${input} should be refused`);
    assert.ok(parsed.error.startsWith(start), `${input}: ${parsed.error}`);
  }
});

test('progress: received over the goal, the bar never past 100 %, a reached goal says so', () => {
  const p = goalProgress(view());
  assert.equal(p.hasGoal, true);
  assert.equal(p.width, 40);
  assert.equal(p.label, `40${N}%`);
  assert.equal(p.text, `120${N}000${F} encaissés sur 300${N}000${F} (40${N}%).`);
  assert.equal(p.summary, `120${N}000${F} encaissés sur 300${N}000${F}`);
  assert.equal(p.reached, false);
  const over = goalProgress(view({ progress: { earned: 450000, percent: 150 } }));
  assert.equal(over.width, 100);
  assert.equal(over.label, `150${N}%`);
  assert.equal(over.reached, true);
  const computed = goalProgress(view({ progress: { earned: 100000 } }));
  assert.equal(computed.label, `33,3${N}%`, 'computed from the amounts when the hub gave no percent');
});

test('progress without a goal, or with a goal of 0', () => {
  const none = goalProgress(view({ goal: null, progress: { earned: 5000, percent: null } }));
  assert.equal(none.hasGoal, false);
  assert.equal(none.width, 0);
  assert.equal(none.label, 'Pas d’objectif');
  assert.equal(none.text, `5${N}000${F} encaissés ce mois-ci, sans objectif fixé.`);
  const zero = goalProgress(view({ goal: { target_revenue: 0 }, progress: { earned: 0, percent: null } }));
  assert.equal(zero.width, 0);
  assert.equal(zero.reached, true);
});

test('percent labels: whole numbers plain, one decimal with a comma, nothing for null', () => {
  assert.equal(percentLabel(50), `50${N}%`);
  assert.equal(percentLabel(33.34), `33,3${N}%`);
  assert.equal(percentLabel(null), '—');
  assert.equal(percentLabel(Number.NaN), '—');
});

test('the projection with its range, the days left, the outlook tone and the method', () => {
  const s = projectionSummary(view());
  assert.equal(s.amount, `310${N}000${F}`);
  assert.equal(s.range, `entre 270${N}000${F} et 350${N}000${F}`);
  assert.equal(s.days, '25 jours restants, dont 22 travaillés');
  assert.deepEqual(s.outlook, {
    label: 'Objectif atteignable', tone: 'done', sentence: view().projection.outlook_fr,
    detail: 'la projection (310 000 FCFA) atteint votre objectif.',
  });
  const far = projectionSummary(view({ projection: { outlook: 'out_of_reach', outlook_label: 'Objectif hors de portée', outlook_fr: 'Objectif hors de portée au rythme actuel : même le haut…' } }));
  assert.equal(far.outlook.detail, 'au rythme actuel : même le haut…', 'the tag carries the label, the sentence goes on after it');
  assert.equal(s.method, 'Projection : vos revenus encaissés ce mois-ci…');
  assert.equal(projectionSummary(view({ projection: { ...view().projection, outlook: 'out_of_reach', outlook_label: undefined } })).outlook.tone, 'urgent');
  assert.equal(projectionSummary(view({ projection: { ...view().projection, outlook: 'difficult' } })).outlook.tone, 'today');
  assert.equal(projectionSummary(view({ goal: null, projection: { amount: 1, low: 1, high: 1 } })).outlook, null);
  assert.equal(projectionSummary(view({ progress: { days_left: 1, working_days_left: 1 } })).days, '1 jour restant, dont 1 travaillé');
  assert.equal(projectionSummary(view({ progress: { days_left: 0 } })).days, 'Mois terminé');
});

test('the body names the month, so a replay after the month ends is refused rather than misfiled', () => {
  assert.deepEqual(goalBody('2026-12', 250000), { month: '2026-12', target_revenue: 250000 });
  assert.equal(monthKey(Date.parse('2026-12-31T22:59:00Z')), '2026-12');
  assert.equal(monthKey(Date.parse('2026-12-31T23:00:00Z')), '2027-01', 'midnight in Douala is 23:00 UTC');
});

test('the phone shows a new goal at once: target, percent, the projection marked as waiting for the hub', () => {
  const before = view();
  const after = withTarget(before, 240000);
  assert.equal(after.goal.target_revenue, 240000);
  assert.equal(after.goal.target_revenue_label, `240${N}000${F}`);
  assert.equal(after.goal.id, 'g1');
  assert.equal(after.progress.percent, 50);
  assert.equal(after.projection.pending, true);
  assert.equal(before.goal.target_revenue, 300000, 'the hub copy is not changed in place');
  const first = withTarget(view({ goal: null }), 100000);
  assert.equal(first.goal.target_revenue, 100000);
  assert.equal(first.goal.month, '2026-12');
  assert.equal(withTarget(view(), 0).progress.percent, null);
  assert.equal(withTarget(before, 1, '2027-01'), before, 'another month leaves the copy alone');
  assert.equal(withTarget(null, 1), null);
});

test('the input starts from the current goal, grouped by three', () => {
  assert.equal(targetInputValue(view()), '300 000');
  assert.equal(targetInputValue(view({ goal: null })), '');
});
