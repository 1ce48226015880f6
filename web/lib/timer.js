// The mission's work timer ("chronomètre intégré"), pure: the phone keeps {running_since, total_before, changed_at}
// in IndexedDB so it survives reloads and going offline; the hub keeps sessions. Times are epoch milliseconds.

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
 * The phone's state and the hub's, merged: the phone's wins while it holds a tap newer than anything the hub
 * has recorded (a start or stop still in the outbox); otherwise the hub is the truth.
 * @param {object|null} local  the phone's state
 * @param {object|null} server the hub's `timer` (detail), or null when unknown
 */
export function mergeTimer(local, server) {
  if (!server) return local ? { ...local } : idleTimer();
  const remote = fromServer(server);
  if (!local) return remote;
  const localChange = ms(local.changed_at) ?? 0;
  // One second of slack: the hub stores the tap time it was sent, possibly rounded.
  if (localChange > remote.changed_at + 1000) return { ...local };
  return remote;
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
