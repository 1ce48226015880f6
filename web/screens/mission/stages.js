// The mission's stages: the stepper Arrivé → Diagnostic → Réparation → Terminé and the button to report the next one
// (transitions.js decides which; a reported stage cannot be undone). Arriving starts the timer, finishing stops it.
import { h, icon } from '/lib/dom.js';
import { field, openDialog } from '/lib/ui.js';
import { relativeTime } from '/lib/format.js';
import { stepper } from '/lib/mission.js';
import { STATUS, afterStage, isClosed, nextStage } from '/lib/transitions.js';
import { isRunning } from '/lib/timer.js';
import { toggleTimer } from '/screens/mission/timer.js';

const STATE_LABEL = { done: 'fait', current: 'étape actuelle', next: 'prochaine étape', later: 'à venir' };

export function stagesView(m, status) {
  const { detail } = m;
  const steps = stepper(status);
  const next = nextStage(status, Array.isArray(detail.actions) ? detail.actions : null);
  const timeOf = (entry) => detail.mission?.steps?.find((s) => s.stage === entry.status)?.at;
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'stages-title' },
    h('h2', { id: 'stages-title', text: 'Étapes' }),
    h(
      'ol',
      { class: 'stepper' },
      steps.map((step, index) => {
        const at = timeOf(step);
        return h(
          'li',
          { class: 'step ' + step.state, 'aria-current': step.state === 'current' ? 'step' : null },
          h('span', { class: 'step-dot', 'aria-hidden': 'true' }, step.state === 'done' || step.state === 'current' ? icon('check') : String(index + 1)),
          h('span', { class: 'step-text' }, h('strong', { text: step.label }), h('span', { class: 'sr-only', text: ` (${STATE_LABEL[step.state]})` }), at ? h('span', { class: 'muted block', text: relativeTime(at, m.now()) }) : null),
        );
      }),
    ),
    next
      ? h('button', { class: 'btn success wide next-stage', type: 'button', dataset: { focusKey: 'next-stage' }, onclick: () => advance(m, next) }, icon('check'), `${next.action}`)
      : progressStatusNote(status),
  );
}

function progressStatusNote(status) {
  if (status === STATUS.terminee) return h('p', { class: 'done-note' }, icon('check'), 'Mission terminée.');
  if (isClosed(status)) return h('p', { class: 'error', text: 'Mission annulée : plus d’étape à signaler.' });
  if (status === STATUS.nouvelle) return h('p', { class: 'muted', text: 'Acceptez d’abord la demande.' });
  return null;
}

function advance(m, next) {
  if (m.dialogs.size) return; // a double tap opens one dialog
  const note = h('textarea', { name: 'note', maxlength: 500, rows: 2 });
  const completes = next.status === STATUS.terminee;
  const warning = completes
    ? h('p', { class: 'muted', text: 'Le client sera prévenu que le travail est terminé. Une étape signalée ne peut pas être annulée.' })
    : h('p', { class: 'muted', text: 'Une étape signalée ne peut pas être annulée.' });
  m.track(
    openDialog({
      title: `Passer à « ${next.label} » ?`,
      submitLabel: 'Confirmer',
      submitClass: 'success',
      body: [warning, field('Note (facultatif)', note)],
      submit: async () => {
        const body = { stage: next.stage };
        if (note.value.trim()) body.note = note.value.trim();
        const at = new Date(m.now()).toISOString();
        await m.act({ change: (r) => afterStage(r, next.stage, at), method: 'PUT', suffix: '/update-status', body, label: next.label });
        if (completes && isRunning(m.timer)) await toggleTimer(m);
        else if (next.status === STATUS.arrive && !isRunning(m.timer)) await toggleTimer(m);
        m.ctx.toast(`Étape « ${next.label} » enregistrée.`);
        return null;
      },
    }),
  );
}
