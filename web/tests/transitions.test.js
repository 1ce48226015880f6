import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  GROUP, STAGES, STATUS, TRANSITIONS, afterAccept, afterDecline, afterPayment, afterStage, allowedActions, allows, canRequestPayment, currentStatus,
  groupOf, isClosed, isMission, isPaid, isTerminal, isUnderWay, labelOf, nextStage, pendingInvoice, rank, transition,
} from '../lib/transitions.js';

const xaf = (n) => `${n} FCFA`;

test('ranks, groups and labels are the hub’s (RequestStatus)', () => {
  assert.deepEqual(['nouvelle', 'acceptee', 'arrive', 'diagnostic', 'reparation', 'terminee'].map(rank), [0, 1, 2, 3, 4, 5]);
  for (const side of ['declinee', 'annulee', 'expiree', 'en_cours', undefined]) assert.equal(rank(side), null);
  assert.deepEqual(['arrive', 'diagnostic', 'reparation'].map(groupOf), ['en_cours', 'en_cours', 'en_cours']);
  assert.equal(groupOf('terminee'), 'terminee');
  assert.equal(groupOf('acceptee'), 'acceptee');
  assert.equal(labelOf('acceptee'), 'Acceptée');
  assert.equal(labelOf('arrive'), 'Arrivé');
  assert.equal(labelOf('declinee'), 'Déclinée');
  assert.ok(isTerminal('terminee') && isTerminal('annulee') && isTerminal('expiree') && !isTerminal('declinee'));
  assert.ok(isClosed('declinee') && isClosed('annulee') && isClosed('expiree') && !isClosed('terminee'));
  assert.ok(isUnderWay('diagnostic') && !isUnderWay('acceptee') && !isUnderWay('terminee'));
});

test('the transition table has the hub’s 22 rows besides reopens (MissionLifecycle.table: 43 with its 21 reopens)', () => {
  assert.equal(TRANSITIONS.length, 22);
  assert.equal(transition('nouvelle', 'accepted'), 'acceptee');
  assert.equal(transition('nouvelle', 'declined'), 'declinee');
  assert.equal(transition('acceptee', 'accepted'), null, 'first writer wins: no second accept');
  assert.equal(transition('expiree', 'accepted'), null, 'an expired offer cannot be accepted');
  assert.equal(transition('acceptee', 'declined'), null, 'an accepted request cannot be declined');
  assert.equal(transition('declinee', 'reoffered'), 'nouvelle');
  assert.equal(transition('acceptee', 'cancelled'), 'annulee');
  assert.equal(transition('arrive', 'cancelled'), null, 'a cancel on site is a late cancellation, not a move');
});

test('stages move forward only; skipping is allowed, a backwards step is refused', () => {
  assert.equal(transition('acceptee', 'arrived'), 'arrive');
  assert.equal(transition('acceptee', 'completed'), 'terminee', 'skipping stages is allowed');
  assert.equal(transition('arrive', 'diagnosed'), 'diagnostic');
  assert.equal(transition('diagnostic', 'repairing'), 'reparation');
  assert.equal(transition('reparation', 'completed'), 'terminee');
  assert.equal(transition('diagnostic', 'arrived'), null, 'backwards');
  assert.equal(transition('diagnostic', 'diagnosed'), null, 'same stage: a replay, not a move');
  assert.equal(transition('nouvelle', 'arrived'), null, 'not accepted yet');
  assert.equal(transition('annulee', 'arrived'), null, 'work after a cancellation');
  assert.equal(transition('terminee', 'completed'), null);
  assert.ok(allows('arrive', 'completed'));
});

test('the card’s buttons follow the hub’s allowedActions', () => {
  assert.deepEqual(allowedActions('nouvelle', { offerOpen: true }), ['accept', 'decline', 'ask_details', 'postpone']);
  assert.deepEqual(allowedActions('acceptee'), ['arrived', 'diagnosed', 'repairing', 'completed', 'call', 'message', 'ask_details', 'postpone']);
  assert.deepEqual(allowedActions('diagnostic'), ['repairing', 'completed', 'call', 'message', 'ask_details']);
  assert.deepEqual(allowedActions('terminee'), ['call', 'message']);
  assert.deepEqual(allowedActions('expiree', { mine: false }), []);
});

test('accept: Acceptée at once, read, no expiry; the detail offers the accepted mission’s actions', () => {
  const item = { id: 'r1', status: 'nouvelle', stage: 'nouvelle', status_label: 'Nouvelle', offer_unseen: true, offer_expires_at: '2026-12-01T10:00:00Z' };
  const next = afterAccept(item, 'item');
  assert.deepEqual(
    { status: next.status, stage: next.stage, label: next.status_label, unseen: next.offer_unseen, expires: next.offer_expires_at, actions: next.actions },
    { status: 'acceptee', stage: 'acceptee', label: 'Acceptée', unseen: false, expires: null, actions: undefined },
  );
  assert.deepEqual(afterAccept(item, 'detail').actions, allowedActions('acceptee'));
  assert.equal(item.status, 'nouvelle', 'the input is not changed');
  const taken = { ...item, status: 'expiree', stage: 'expiree' };
  assert.equal(afterAccept(taken, 'item'), taken, 'an accept the hub would refuse changes nothing');
});

test('decline: Déclinée, no action left on the card', () => {
  const item = { status: 'nouvelle', stage: 'nouvelle', offer_unseen: true, actions: ['accept', 'decline'] };
  const next = afterDecline(item, 'detail');
  assert.equal(next.status, 'declinee');
  assert.equal(next.stage, 'declinee');
  assert.equal(next.status_label, 'Déclinée');
  assert.equal(next.offer_unseen, false);
  assert.deepEqual(next.actions, []);
  assert.equal(afterDecline({ status: 'acceptee', stage: 'acceptee' }).status, 'acceptee', 'an accepted request stays accepted');
});

test('stages: the optimistic copy moves forward, never backwards', () => {
  const detail = {
    status: 'acceptee', stage: 'acceptee', status_label: 'Acceptée', actions: ['arrived', 'diagnosed', 'repairing', 'completed', 'message', 'call'],
    mission: { status: 'acceptee', steps: ['acceptee', 'arrive', 'diagnostic', 'reparation', 'terminee'].map((stage) => ({ stage, done: stage === 'acceptee' })) },
  };
  const arrived = afterStage(detail, 'arrived', '2026-12-01T10:00:00.000Z');
  assert.deepEqual([arrived.status, arrived.stage, arrived.status_label], ['en_cours', 'arrive', 'Arrivé']);
  assert.deepEqual(arrived.mission.steps.map((s) => s.done), [true, true, false, false, false]);
  assert.equal(arrived.mission.steps[1].at, '2026-12-01T10:00:00.000Z');
  const repairing = afterStage(arrived, 'repairing');
  assert.equal(repairing.stage, 'reparation');
  assert.deepEqual(repairing.mission.steps.map((s) => s.done), [true, true, true, true, false], 'a skipped stage counts as done');
  assert.ok(!repairing.actions.includes('diagnosed'));
  assert.equal(afterStage(repairing, 'arrived'), repairing, 'backwards: unchanged');
  assert.equal(afterStage(repairing, 'repairing'), repairing, 'same stage: unchanged');
  const done = afterStage(repairing, 'completed');
  assert.deepEqual([done.status, done.stage, done.status_label], ['terminee', 'terminee', 'Terminée']);
  assert.equal(afterStage(detail, 'nonsense'), detail);
});

test('the next stage to report, and where the mission screen applies', () => {
  assert.equal(nextStage('acceptee').stage, 'arrived');
  assert.equal(nextStage('arrive').stage, 'diagnosed');
  assert.equal(nextStage('reparation').stage, 'completed');
  assert.equal(nextStage('terminee'), null);
  assert.equal(nextStage('nouvelle'), null);
  assert.equal(nextStage('annulee'), null);
  assert.equal(nextStage('arrive', ['completed', 'call']).stage, 'completed', 'only a stage the hub offers');
  assert.equal(nextStage('arrive', ['call']), null);
  assert.equal(currentStatus({ status: 'en_cours', stage: 'diagnostic' }), 'diagnostic');
  assert.ok(isMission({ status: 'acceptee' }) && isMission({ status: 'terminee' }));
  assert.ok(!isMission({ status: 'nouvelle' }) && !isMission({ status: 'annulee' }));
  assert.ok(canRequestPayment({ stage: 'reparation' }) && canRequestPayment({ stage: 'terminee' }));
  assert.ok(!canRequestPayment({ stage: 'diagnostic' }));
  assert.deepEqual(STAGES.map((s) => s.stage), ['arrived', 'diagnosed', 'repairing', 'completed']);
  assert.equal(STATUS.acceptee, 'acceptee');
  assert.equal(GROUP.enCours, 'en_cours');
});

test('the invoice: pending until sent, partielle then payée', () => {
  const invoice = pendingInvoice(20000, xaf);
  assert.deepEqual([invoice.status, invoice.status_label, invoice.total_label, invoice.paid], ['local', 'En attente d’envoi', '20000 FCFA', 0]);
  const part = afterPayment({ ...invoice, status: 'envoyee' }, 5000, xaf);
  assert.deepEqual([part.status, part.status_label, part.paid, part.paid_label], ['partielle', 'Partiellement payée', 5000, '5000 FCFA']);
  assert.ok(!isPaid(part));
  const full = afterPayment(part, 15000, xaf);
  assert.deepEqual([full.status, full.status_label], ['payee', 'Payée']);
  assert.ok(isPaid(full));
  assert.ok(isPaid({ status: 'surpayee' }));
  assert.ok(!isPaid(null));
});
