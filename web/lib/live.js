// Live notifications: Server-Sent Events from the hub (`/provider/notifications/stream`), polling as the fallback
// when the stream is refused or keeps failing; a soft sound for a new request, a louder one for an urgent one.

/** Which sound an event deserves: 'urgent', 'soft' or null. Pure. */
export function soundFor(event) {
  if (!event) return null;
  if (event.kind === 'urgent_request' || (event.kind === 'offer' && event.urgency === 'urgent')) return 'urgent';
  if (event.kind === 'offer' || event.kind === 'new_request') return 'soft';
  if (event.kind === 'payment_received' || event.kind === 'client_message') return 'soft';
  return null;
}

/** The in-app alert for a live event that deserves one (a client's message): `null` for the others. */
export function liveAlert(event) {
  if (event?.kind !== 'client_message') return null;
  const title = event.title || 'Nouveau message du client';
  const body = typeof event.body === 'string' ? event.body.trim() : '';
  const short = body.length > 80 ? body.slice(0, 79).trimEnd() + '…' : body;
  return { requestId: event.request_id ?? null, text: short ? `${title} : « ${short} »` : title };
}

/** The SSE kinds the hub sends (ProviderFeedEvent.kind). */
export const EVENT_KINDS = ['offer', 'new_request', 'urgent_request', 'offer_waiting', 'payment_received', 'invoice_late', 'absence', 'system', 'client_message'];

/**
 * @param {object} deps
 * @param {{request: Function}} deps.api  used to renew the token when the stream is refused
 * @param {() => ({access_token?: string}|null)} deps.tokens
 * @param {(event: object) => void} deps.onEvent
 * @param {() => void} deps.onPoll  called every `pollMs` while the stream is down
 */
export function createLive({ api, tokens, onEvent, onPoll, pollMs = 60_000, EventSourceImpl = globalThis.EventSource }) {
  let source = null;
  let pollTimer = null;
  let failures = 0;
  let stopped = true;
  let reconnect = null;
  let lastEventId = localStorage.getItem('djobea.lastEventId') || '';

  function startPolling() {
    if (pollTimer) return;
    pollTimer = setInterval(() => onPoll(), pollMs);
  }
  function stopPolling() {
    clearInterval(pollTimer);
    pollTimer = null;
  }

  function handle(message) {
    let data = {};
    try {
      data = JSON.parse(message.data);
    } catch {}
    const event = { kind: message.type, id: message.lastEventId, ...data };
    if (message.lastEventId) {
      lastEventId = message.lastEventId;
      localStorage.setItem('djobea.lastEventId', lastEventId);
    }
    failures = 0;
    play(soundFor(event));
    onEvent(event);
  }

  function open() {
    reconnect = null;
    if (stopped) return;
    if (!EventSourceImpl) return startPolling();
    const token = tokens()?.access_token;
    if (!token) return;
    const query = new URLSearchParams({ access_token: token });
    if (lastEventId) query.set('last_event_id', lastEventId);
    source = new EventSourceImpl('/provider/notifications/stream?' + query);
    source.onopen = () => {
      failures = 0;
      stopPolling();
    };
    for (const kind of EVENT_KINDS) source.addEventListener(kind, handle);
    source.onmessage = handle;
    source.onerror = async () => {
      if (source.readyState !== 2) return; // CONNECTING: the browser retries by itself
      // CLOSED: refused (token expired?) — renew it through an API call, then reopen; poll meanwhile.
      source = null;
      failures += 1;
      startPolling();
      if (stopped) return;
      try {
        await api.request('GET', '/provider/dashboard/notifications?limit=1');
      } catch {}
      reconnect = setTimeout(open, Math.min(60_000, 2000 * 2 ** failures));
    };
  }

  return {
    start() {
      if (!stopped && (source || pollTimer)) return;
      stopped = false;
      open();
    },
    stop() {
      stopped = true;
      clearTimeout(reconnect);
      reconnect = null;
      source?.close();
      source = null;
      stopPolling();
    },
  };
}

// MARK: - Sounds (synthesised: no audio file to download)

let audio = null;
globalThis.addEventListener?.('pointerdown', unlockAudio, { once: true, capture: true });
globalThis.addEventListener?.('keydown', unlockAudio, { once: true, capture: true });

function unlockAudio() {
  try {
    audio ??= new AudioContext();
    if (audio.state === 'suspended') audio.resume();
  } catch {}
}

/** Plays 'soft' (one low chime) or 'urgent' (three loud beeps), if the provider's settings allow sound. */
export function play(kind) {
  if (!kind || !audio || localStorage.getItem('djobea.sound') === 'off') return;
  const notes = kind === 'urgent' ? [[880, 0], [880, 0.25], [1175, 0.5]] : [[660, 0]];
  const volume = kind === 'urgent' ? 0.5 : 0.12;
  for (const [frequency, offset] of notes) {
    const oscillator = audio.createOscillator();
    const gain = audio.createGain();
    oscillator.type = kind === 'urgent' ? 'square' : 'sine';
    oscillator.frequency.value = frequency;
    const start = audio.currentTime + offset;
    gain.gain.setValueAtTime(0.0001, start);
    gain.gain.exponentialRampToValueAtTime(volume, start + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.2);
    oscillator.connect(gain).connect(audio.destination);
    oscillator.start(start);
    oscillator.stop(start + 0.22);
  }
}
