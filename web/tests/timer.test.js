import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyTap, elapsedSeconds, formatHMS, fromServer, idleTimer, isRunning, mergeTimer, spokenDuration, start, stop, timerPending } from '../lib/timer.js';

const T0 = Date.parse('2026-11-26T10:00:00Z');

test('start, pause and resume add up', () => {
  let t = idleTimer();
  assert.equal(elapsedSeconds(t, T0), 0);
  t = start(t, T0);
  assert.ok(isRunning(t));
  assert.equal(elapsedSeconds(t, T0 + 90_500), 90);
  t = stop(t, T0 + 100_000);
  assert.equal(isRunning(t), false);
  assert.equal(elapsedSeconds(t, T0 + 999_999), 100);
  t = start(t, T0 + 200_000);
  assert.equal(elapsedSeconds(t, T0 + 260_000), 160);
  assert.deepEqual(start(t, T0 + 300_000), t, 'start while running changes nothing');
  const stopped = stop(t, T0 + 260_000);
  assert.deepEqual(stop(stopped, T0 + 400_000), stopped, 'stop while stopped changes nothing');
});

test('a clock going backwards never gives negative time', () => {
  assert.equal(elapsedSeconds({ running_since: T0, total_before: 5 }, T0 - 60_000), 5);
  assert.equal(elapsedSeconds({ running_since: new Date(T0).toISOString(), total_before: 0 }, T0 + 2000), 2);
});

test('the hub\'s sessions as the phone\'s state', () => {
  const server = {
    running_since: '2026-11-26T11:00:00Z',
    total_seconds: 4000,
    sessions: [
      { started_at: '2026-11-26T10:00:00Z', stopped_at: '2026-11-26T10:30:00Z' },
      { started_at: '2026-11-26T11:00:00Z', stopped_at: null },
    ],
  };
  const state = fromServer(server);
  assert.equal(state.total_before, 1800);
  assert.equal(state.running_since, Date.parse('2026-11-26T11:00:00Z'));
  assert.equal(elapsedSeconds(state, Date.parse('2026-11-26T11:10:00Z')), 2400);
  assert.deepEqual(fromServer({ running_since: null, total_seconds: 75, sessions: [] }), { running_since: null, total_before: 75, changed_at: 0 });
  assert.deepEqual(fromServer(null), idleTimer());
});

test('merge: the phone wins only while its tap is pending in the outbox, otherwise the hub', () => {
  const server = { running_since: null, total_seconds: 600, sessions: [{ started_at: '2026-11-26T10:00:00Z', stopped_at: '2026-11-26T10:10:00Z' }] };
  const tapped = start({ running_since: null, total_before: 600, changed_at: 0 }, Date.parse('2026-11-26T10:20:00Z'));
  assert.deepEqual(mergeTimer(tapped, server, { pending: true }), tapped, 'a tap still in the outbox wins');
  assert.equal(mergeTimer(tapped, server).running_since, null, 'once sent (or refused), the hub is the truth');
  assert.equal(mergeTimer(tapped, server).total_before, 600);
  const stale = { running_since: Date.parse('2026-11-26T09:00:00Z'), total_before: 0, changed_at: Date.parse('2026-11-26T09:00:00Z') };
  assert.equal(mergeTimer(stale, server).running_since, null);
  assert.equal(mergeTimer(stale, server).total_before, 600);
  assert.deepEqual(mergeTimer(null, null), idleTimer());
  assert.deepEqual(mergeTimer(stale, null), stale);
  assert.deepEqual(mergeTimer(null, server, { pending: true }), fromServer(server), 'nothing on the phone: the hub');
});

test('merge: a phone clock hours ahead or behind never decides', () => {
  const server = { running_since: '2026-11-26T10:00:00Z', total_seconds: 60, sessions: [{ started_at: '2026-11-26T10:00:00Z', stopped_at: null }] };
  // Phone two hours ahead: its stale "stopped" state looks newer than the hub's session, yet nothing is pending.
  const ahead = { running_since: null, total_before: 0, changed_at: Date.parse('2026-11-26T12:00:00Z') };
  assert.equal(mergeTimer(ahead, server).running_since, Date.parse('2026-11-26T10:00:00Z'));
  // Phone two hours behind: its pause looks older than the hub's start, yet it is the provider's last tap, unsent.
  const behind = { running_since: null, total_before: 300, changed_at: Date.parse('2026-11-26T08:05:00Z') };
  assert.deepEqual(mergeTimer(behind, server, { pending: true }), behind);
});

test('a timer tap is pending only while a /timer item of this request waits', () => {
  const path = '/provider/requests/r1';
  assert.equal(timerPending([{ state: 'pending', path: path + '/timer' }], path), true);
  assert.equal(timerPending([{ state: 'sent', path: path + '/timer' }, { state: 'refused', path: path + '/timer' }], path), false);
  assert.equal(timerPending([{ state: 'pending', path: path + '/materials' }], path), false);
  assert.equal(timerPending([{ state: 'pending', path: '/provider/requests/r10/timer' }], path), false);
  assert.equal(timerPending(null, path), false);
});

test('a tap applied to the hub\'s timer, for the cached detail', () => {
  const stopped = { running_since: null, total_seconds: 600, sessions: [{ started_at: '2026-11-26T10:00:00Z', stopped_at: '2026-11-26T10:10:00Z' }] };
  const started = applyTap(stopped, 'start', '2026-11-26T10:20:00.000Z');
  assert.equal(started.running_since, '2026-11-26T10:20:00.000Z');
  assert.equal(started.sessions.length, 2);
  assert.equal(elapsedSeconds(fromServer(started), Date.parse('2026-11-26T10:21:00Z')), 660);
  assert.deepEqual(applyTap(started, 'start', '2026-11-26T10:30:00.000Z'), started, 'start while running changes nothing');
  const paused = applyTap(started, 'stop', '2026-11-26T10:25:00.000Z');
  assert.equal(paused.running_since, null);
  assert.equal(paused.total_seconds, 900);
  assert.equal(paused.sessions[1].stopped_at, '2026-11-26T10:25:00.000Z');
  assert.deepEqual(applyTap(paused, 'stop', '2026-11-26T10:40:00.000Z'), paused, 'stop while stopped changes nothing');
  assert.equal(applyTap(null, 'start', '2026-11-26T10:00:00.000Z').sessions.length, 1);
  assert.equal(stopped.sessions.length, 1, 'the input is not changed');
});

test('hh:mm:ss and spoken', () => {
  assert.equal(formatHMS(0), '00:00:00');
  assert.equal(formatHMS(59.9), '00:00:59');
  assert.equal(formatHMS(3725), '01:02:05');
  assert.equal(formatHMS(100 * 3600), '100:00:00');
  assert.equal(formatHMS(-5), '00:00:00');
  assert.equal(spokenDuration(3725), '1 heure 2 minutes 5 secondes');
  assert.equal(spokenDuration(0), '0 seconde');
  assert.equal(spokenDuration(7200), '2 heures');
});
