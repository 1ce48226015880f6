// The mission's work timer ("chronomètre intégré"), pure: the phone keeps {running_since, total_before, changed_at}
// in IndexedDB so it survives reloads and going offline; the hub keeps sessions. Times are epoch milliseconds, on the
// hub's clock (ctx.now()): pass `now` explicitly, the phone's own clock may be wrong by hours.

/** A stopped timer at zero. */
export function idleTimer() {
  return { running_since: null, total_before: 0, changed_at: 0 };
}

function ms(value) {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  const parsed = Date.parse(value);
  return Number.isFinite(parsed) ? parsed : null;
}

/** Seconds on the clock at `now`: the closed time plus the running session, never negative. */
export function elapsedSeconds(state, now = Date.now()) {
  if (!state) return 0;
  const before = Math.max(0, Number(state.total_before) || 0);
  const since = ms(state.running_since);
  const running = since === null ? 0 : Math.max(0, (now - since) / 1000);
  return Math.floor(before + running);
}

export function isRunning(state) {
  return ms(state?.running_since) !== null;
}

/** Starts at `now` (a running timer is left as is). */
export function start(state, now = Date.now()) {
  const current = state ?? idleTimer();
  if (isRunning(current)) return { ...current };
  return { running_since: now, total_before: Math.max(0, Number(current.total_before) || 0), changed_at: now };
}

/** Stops at `now`, adding the running session to the closed time (a stopped timer is left as is). */
export function stop(state, now = Date.now()) {
  const current = state ?? idleTimer();
  if (!isRunning(current)) return { ...current };
  return { running_since: null, total_before: elapsedSeconds(current, now), changed_at: now };
}

/**
 * The hub's timer ({running_since, total_seconds, sessions: [{started_at, stopped_at}]}) as the phone's state.
 * Closed sessions are summed; without sessions, `total_seconds` counts when the timer is stopped.
 */
export function fromServer(timer) {
  if (!timer) return idleTimer();
  const sessions = Array.isArray(timer.sessions) ? timer.sessions : [];
  let closed = 0;
  let last = 0;
  let runningSince = ms(timer.running_since);
  for (const session of sessions) {
    const started = ms(session.started_at);
    const stopped = ms(session.stopped_at);
    if (started !== null) last = Math.max(last, started);
    if (started !== null && stopped !== null) {
      closed += Math.max(0, stopped - started) / 1000;
      last = Math.max(last, stopped);
    } else if (started !== null && runningSince === null) runningSince = started;
  }
  if (!sessions.length && runningSince === null) closed = Math.max(0, Number(timer.total_seconds) || 0);
  if (runningSince !== null) last = Math.max(last, runningSince);
  return { running_since: runningSince, total_before: Math.floor(closed), changed_at: last };
}

/**
 * The phone's state and the hub's, merged. The phone's wins only while one of its taps (a `/timer` start or stop) is
 * still pending in the outbox; otherwise the hub's sessions are the truth. The phone's clock is never compared with
 * the hub's: a phone set an hour ahead (or behind) must not keep, or lose, its state for that reason.
 * @param {object|null} local  the phone's state
 * @param {object|null} server the hub's `timer` (detail), or null when unknown
 * @param {{pending?: boolean}} [options] whether a tap for this request waits in the outbox (see `timerPending`)
 */
export function mergeTimer(local, server, { pending = false } = {}) {
  if (!server) return local ? { ...local } : idleTimer();
  if (local && pending) return { ...local };
  return fromServer(server);
}

/** Whether a start or stop of this request's timer still waits in the outbox (`requestPath`: /provider/requests/<id>). */
export function timerPending(items, requestPath) {
  return (items ?? []).some((item) => item?.state === 'pending' && item.path === requestPath + '/timer');
}

/**
 * The hub's timer after a tap at `at` (ISO, the hub's clock), for the phone's cached copy of the detail: the copy then
 * says what the hub will say once the tap reaches it. A start while running, or a stop while stopped, changes nothing.
 */
export function applyTap(server, action, at) {
  const sessions = (Array.isArray(server?.sessions) ? server.sessions : []).map((s) => ({ ...s }));
  const open = sessions.find((s) => !s.stopped_at);
  const runningSince = server?.running_since ?? open?.started_at ?? null;
  const base = { running_since: runningSince, total_seconds: Math.max(0, Number(server?.total_seconds) || 0), sessions };
  const atMs = ms(at);
  if (atMs === null) return base;
  if (action === 'start') {
    if (runningSince) return base;
    return { ...base, running_since: at, sessions: [...sessions, { started_at: at, stopped_at: null }] };
  }
  if (action !== 'stop' || !runningSince) return base;
  let total = 0;
  const closed = sessions.map((s) => {
    const started = ms(s.started_at);
    const stopped = s.stopped_at ? ms(s.stopped_at) : Math.max(atMs, started ?? atMs);
    if (started !== null && stopped !== null) total += Math.max(0, stopped - started) / 1000;
    return s.stopped_at ? s : { ...s, stopped_at: new Date(stopped).toISOString() };
  });
  return { running_since: null, total_seconds: Math.floor(total), sessions: closed };
}

/** 3725 → "01:02:05"; more than 99 h keeps every digit. */
export function formatHMS(seconds) {
  const total = Math.max(0, Math.floor(Number(seconds) || 0));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return [h, m, s].map((n) => String(n).padStart(2, '0')).join(':');
}

/** For screen readers: 3725 → "1 heure 2 minutes 5 secondes". */
export function spokenDuration(seconds) {
  const total = Math.max(0, Math.floor(Number(seconds) || 0));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const parts = [];
  if (h) parts.push(`${h} heure${h > 1 ? 's' : ''}`);
  if (m) parts.push(`${m} minute${m > 1 ? 's' : ''}`);
  if (s || !parts.length) parts.push(`${s} seconde${s > 1 ? 's' : ''}`);
  return parts.join(' ');
}
