// The work timer: start and pause at the hub's time, kept on the phone while a tap waits in the outbox, merged with
// the hub's sessions otherwise (lib/timer.js).
import { h, icon } from '/lib/dom.js';
import { applyTap, elapsedSeconds, formatHMS, isRunning, mergeTimer, spokenDuration, start, stop, timerPending } from '/lib/timer.js';

export function timerView(m) {
  const running = isRunning(m.timer);
  return h(
    'section',
    { class: 'card timer-card', 'aria-labelledby': 'timer-title' },
    h('h2', { id: 'timer-title', text: 'Temps passé' }),
    h('p', { class: 'clock', role: 'timer', 'aria-live': 'off', 'data-clock': '' }, formatHMS(elapsedSeconds(m.timer, m.now()))),
    h('p', { class: 'muted', 'data-clock-state': '' }, running ? 'Chronomètre en marche.' : 'Chronomètre à l’arrêt.'),
    h(
      'button',
      { class: 'btn wide ' + (running ? 'accent' : ''), type: 'button', 'aria-pressed': String(running), dataset: { focusKey: 'timer', busy: 'timer' }, onclick: () => m.guard('timer', () => toggleTimer(m)) },
      icon(running ? 'pause' : 'play'),
      running ? 'Mettre en pause' : elapsedSeconds(m.timer, m.now()) ? 'Reprendre' : 'Démarrer',
    ),
  );
}

/** The clock's digits, every second, without drawing the screen again. */
export function updateClock(m) {
  const clock = m.body.querySelector('[data-clock]');
  if (!clock || !m.timer) return;
  const seconds = elapsedSeconds(m.timer, m.now());
  clock.textContent = formatHMS(seconds);
  clock.setAttribute('aria-label', spokenDuration(seconds));
}

/** A start or pause, at the hub's time: kept on the phone, applied to the cached detail, then queued. */
export async function toggleTimer(m) {
  const at = m.now();
  const running = isRunning(m.timer);
  const action = running ? 'stop' : 'start';
  const iso = new Date(at).toISOString();
  m.timer = running ? stop(m.timer, at) : start(m.timer, at);
  await m.ctx.db.put('kv', m.timerKey, m.timer);
  await m.act({
    change: (r, kind) => (kind === 'detail' && r.timer ? { ...r, timer: applyTap(r.timer, action, iso) } : r),
    method: 'POST',
    suffix: '/timer',
    body: { action, at: iso },
    label: running ? 'Pause du chronomètre' : 'Chronomètre',
  });
  m.render();
}

/** The phone's timer wins only while one of its taps waits in the outbox; otherwise the hub's sessions. */
export async function loadTimer(m) {
  const local = await m.ctx.db.get('kv', m.timerKey).catch(() => null);
  const items = await m.ctx.outbox.list().catch(() => []);
  m.timer = mergeTimer(local, m.detail?.timer ?? null, { pending: timerPending(items, m.path) });
  await m.ctx.db.put('kv', m.timerKey, m.timer).catch(() => {});
}
