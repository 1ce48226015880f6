// Gestures: a horizontal swipe moves between the bottom bar's tabs, a pull down at the top of the page refreshes.
import { $, toast } from '/app/shell.js';

/** Wires the gestures once: `tabs` in swipe order, `currentTab()` the tab shown. */
export function setUpGestures({ tabs, currentTab, navigate, refresh }) {
  let touch = null;
  addEventListener(
    'touchstart',
    (event) => {
      if (event.touches.length !== 1 || $('#app').hidden) return;
      const t = event.touches[0];
      touch = { x: t.clientX, y: t.clientY, top: scrollY <= 0, time: Date.now() };
    },
    { passive: true },
  );
  addEventListener(
    'touchend',
    (event) => {
      if (!touch) return;
      const t = event.changedTouches[0];
      const dx = t.clientX - touch.x;
      const dy = t.clientY - touch.y;
      const start = touch;
      touch = null;
      if (event.target.closest?.('input, textarea, select, [data-no-swipe]')) return;
      if (Math.abs(dx) > 80 && Math.abs(dx) > 2 * Math.abs(dy) && Date.now() - start.time < 800) {
        const tab = currentTab();
        const next = tabs[tabs.indexOf(tab) + (dx < 0 ? 1 : -1)];
        if (next) navigate('#' + next);
      } else if (start.top && dy > 90 && Math.abs(dx) < 60) {
        toast('Actualisation…');
        refresh();
      }
    },
    { passive: true },
  );
}
