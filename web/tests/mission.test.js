import assert from 'node:assert/strict';
import { test } from 'node:test';
import { afterStage, canRequestPayment, currentStatus, isMission, nextStage, progressRank, stepper } from '../lib/mission.js';

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

import { doualaSlot } from '../lib/mission.js';

test('a Douala slot as UTC', () => {
  assert.deepEqual(doualaSlot('2026-12-02', '09:00', '11:30'), { start: '2026-12-02T08:00:00.000Z', end: '2026-12-02T10:30:00.000Z' });
  assert.deepEqual(doualaSlot('2026-12-02', '00:30', '01:00'), { start: '2026-12-01T23:30:00.000Z', end: '2026-12-02T00:00:00.000Z' });
  assert.equal(doualaSlot('2026-12-02', '22:00', '01:00').end, '2026-12-03T00:00:00.000Z');
  assert.equal(doualaSlot('02/12/2026', '09:00', '10:00'), null);
  assert.equal(doualaSlot('2026-12-02', '', '10:00'), null);
});
