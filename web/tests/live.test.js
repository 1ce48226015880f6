import assert from 'node:assert/strict';
import { test } from 'node:test';

// live.js keeps the last event id in localStorage, as the browser does.
const store = new Map();
globalThis.localStorage = {
  getItem: (key) => (store.has(key) ? store.get(key) : null),
  setItem: (key, value) => store.set(key, String(value)),
  removeItem: (key) => store.delete(key),
};
const { createLive } = await import('../lib/live.js');

/** A stand-in for the browser's EventSource: the test plays the hub. */
class FakeSource {
  static opened = [];
  constructor(url) {
    this.url = url;
    this.readyState = 0;
    this.listeners = new Map();
    this.closed = false;
    FakeSource.opened.push(this);
  }
  addEventListener(kind, listener) {
    this.listeners.set(kind, listener);
  }
  close() {
    this.closed = true;
    this.readyState = 2;
  }
  emit(kind, data, id) {
    this.listeners.get(kind)?.({ type: kind, data: JSON.stringify(data), lastEventId: id });
  }
}

test('events from the stream reach the app, and a reconnection resumes after the last one', async () => {
  FakeSource.opened = [];
  const events = [];
  const live = createLive({
    api: { request: async () => ({}) },
    tokens: () => ({ access_token: 'tok' }),
    onEvent: (event) => events.push(event),
    onPoll: () => {},
    EventSourceImpl: FakeSource,
  });
  live.start();
  const first = FakeSource.opened[0];
  assert.match(first.url, /^\/provider\/notifications\/stream\?access_token=tok/);
  first.emit('offer', { request_id: 'r1', urgency: 'urgent' }, '0001');
  assert.deepEqual(events, [{ kind: 'offer', id: '0001', request_id: 'r1', urgency: 'urgent' }]);
  live.stop();
  assert.ok(first.closed);
  live.start();
  assert.match(FakeSource.opened[1].url, /last_event_id=0001/, 'resumes after the last event seen');
  live.stop();
});

test('a refused stream falls back to polling, and stopping ends the polling too', async () => {
  FakeSource.opened = [];
  let polls = 0;
  const live = createLive({
    api: { request: async () => ({}) },
    tokens: () => ({ access_token: 'tok' }),
    onEvent: () => {},
    onPoll: () => (polls += 1),
    pollMs: 10,
    EventSourceImpl: FakeSource,
  });
  live.start();
  const source = FakeSource.opened[0];
  source.readyState = 2; // CLOSED: the hub refused it (expired token…)
  await source.onerror();
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.ok(polls >= 2, `polled ${polls} times while the stream was down`);
  live.stop();
  const after = polls;
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.equal(polls, after, 'no polling after stop');
});

test('a client’s message is a live event kind of its own, with a soft sound', async () => {
  const { EVENT_KINDS, soundFor } = await import('../lib/live.js');
  assert.ok(EVENT_KINDS.includes('client_message'));
  assert.equal(soundFor({ kind: 'client_message', request_id: 'r1' }), 'soft');
  assert.equal(soundFor({ kind: 'offer', urgency: 'urgent' }), 'urgent');
  assert.equal(soundFor({ kind: 'system' }), null);
});

test('a client’s message in the live feed deserves an in-app alert; other events do not', async () => {
  const { liveAlert } = await import('../lib/live.js');
  assert.deepEqual(liveAlert({ kind: 'client_message', request_id: 'r1', title: 'Message de Awa Ngo', body: 'Je suis là' }), {
    requestId: 'r1',
    text: 'Message de Awa Ngo : « Je suis là »',
  });
  const long = liveAlert({ kind: 'client_message', request_id: 'r1', title: 'Message de Awa', body: 'x'.repeat(200) });
  assert.ok(long.text.length < 110 && long.text.endsWith('… »'), long.text);
  assert.deepEqual(liveAlert({ kind: 'client_message' }), { requestId: null, text: 'Nouveau message du client' });
  assert.equal(liveAlert({ kind: 'offer', request_id: 'r1' }), null);
  assert.equal(liveAlert(null), null);
});
