import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kpiCards } from '../lib/dashboard.js';

test('KPI cards read the hub\'s stats in French', () => {
  const cards = kpiCards({
    today_new: 3, in_progress: 1, today_done: 2, week_gross: 15000, week_net: 13500, acceptance_rate_7d: 0.8,
    average_rating: 4.56, rating_count: 12, rating_trend: 0.2, average_response_minutes_7d: 7,
  });
  const byLabel = Object.fromEntries(cards.map((card) => [card.label, card]));
  assert.equal(byLabel['Encaissé cette semaine'].value, '15\u202F000\u00A0FCFA');
  assert.equal(byLabel['Net cette semaine'].value, '13\u202F500\u00A0FCFA');
  assert.equal(byLabel['Taux d’acceptation'].value, '80\u202F%');
  assert.equal(byLabel['Note moyenne'].value, '4,6 / 5');
  assert.equal(byLabel['Note moyenne'].note, '12 avis +0,2 sur 30 j');
  assert.equal(byLabel['Nouvelles demandes'].kind, 'alert');
  assert.equal(byLabel['Temps de réponse'].value, '7\u00A0min');
});

test('a new provider with no history sees dashes, not NaN', () => {
  const cards = kpiCards({ today_new: 0, in_progress: 0, today_done: 0, week_gross: 0, week_net: 0, rating_count: 0 });
  for (const card of cards) assert.doesNotMatch(card.value + (card.note ?? ''), /NaN|undefined|null/);
  assert.equal(cards.find((card) => card.label === 'Note moyenne').value, '—');
});
