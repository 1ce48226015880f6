// The service worker: registered once the first screen is up (so its precaching never delays it), checked hourly
// for a new build; a new version downloaded in the background is offered with one tap ("Mettre à jour").
import { $ } from '/app/shell.js';

let reloading = false;
let workerRegistration = null;
function registerWorker() {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker
    .register('/sw.js')
    .then((registration) => {
      workerRegistration = registration;
      // An app left open for days still learns of a new build (hash routes never navigate).
      setInterval(() => registration.update().catch(() => {}), 3_600_000);
      if (registration.waiting && navigator.serviceWorker.controller) offerUpdate(registration.waiting);
      registration.addEventListener('updatefound', () => {
        const worker = registration.installing;
        worker?.addEventListener('statechange', () => {
          if (worker.state === 'installed' && navigator.serviceWorker.controller) offerUpdate(worker);
        });
      });
    })
    .catch(() => {});
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (reloading) location.reload();
  });
}

/** A new version was downloaded in the background: one tap switches to it. */
function offerUpdate(worker) {
  const bar = $('[data-update]');
  bar.hidden = false;
  $('button', bar).onclick = () => {
    reloading = true;
    worker.postMessage('skip-waiting');
  };
}

/** Registers the worker 1.5 s after the page has loaded. */
export function startWorker() {
  if (document.readyState === 'complete') setTimeout(registerWorker, 1500);
  else addEventListener('load', () => setTimeout(registerWorker, 1500), { once: true });
}

/** Asks the browser to look for a new build now (the app comes back to the foreground). */
export function updateWorker() {
  workerRegistration?.update().catch(() => {});
}

/** The worker's messages: a tap on a notification shows its request here (`navigate`); a push refreshes the data. */
export function listenToWorker({ navigate, onPush }) {
  navigator.serviceWorker?.addEventListener('message', (event) => {
    const message = event.data;
    if (message?.type === 'navigate' && typeof message.url === 'string') {
      const target = new URL(message.url, location.origin);
      if (target.origin !== location.origin) return;
      const hash = '#' + target.hash.slice(1).replace(/^\/+/, '');
      navigate(hash.length > 1 ? hash : '#accueil');
    } else if (message?.type === 'push-shown') {
      onPush();
    }
  });
}
