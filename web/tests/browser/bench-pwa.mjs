// Page-load benchmark of the provider PWA on a phone-like link, in headless Chromium:
// 400 kbit/s down, 400 kbit/s up, 400 ms RTT, CPU slowed 4×. Prints, for a cold cache and for a repeat visit:
// the time until the dashboard shows real data, the bytes transferred until then, and whether every screen opens
// offline afterwards. Usage: scripts/bench-pwa.sh [--hub URL --data DIR] [--runs N]
import { parseArgs } from 'node:util';
import { login, startHub } from './hub.mjs';
import { newSession, sleep, startDriver } from './webdriver.mjs';

const { values } = parseArgs({
  options: {
    hub: { type: 'string' },
    data: { type: 'string' },
    phone: { type: 'string' },
    runs: { type: 'string', default: '3' },
    down: { type: 'string', default: '400' },
    up: { type: 'string', default: '400' },
    rtt: { type: 'string', default: '400' },
    cpu: { type: 'string', default: '4' },
    waterfall: { type: 'boolean', default: false },
  },
});
const link = { downKbps: Number(values.down), upKbps: Number(values.up), rttMs: Number(values.rtt), cpu: Number(values.cpu) };

const hub = values.hub ? { base: values.hub, data: values.data, stop: async () => {}, phones: [] } : await startHub({ demo: true });
const phone = values.phone ?? hub.phones[1] ?? '+237698293874';
const driver = await startDriver();

/**
 * Runs in the page before any of its scripts: notes when the dashboard's KPI cards first appear and when they
 * first hold a figure (real data, from the hub or from IndexedDB).
 */
const PROBE = `
window.__bench = {};
const seen = () => {
  const kpi = document.querySelector('#screen .kpi');
  if (kpi && !window.__bench.kpi) window.__bench.kpi = performance.now();
  const value = document.querySelector('#screen .kpi .kpi-value');
  if (value && /\\d/.test(value.textContent) && !window.__bench.data) window.__bench.data = performance.now();
};
new MutationObserver(seen).observe(document, { childList: true, subtree: true, characterData: true });
`;

async function visit(session, url) {
  await session.go(url);
  await session.waitUntil('return Boolean(window.__bench && window.__bench.data)', { timeout: 60000, message: 'dashboard data' });
  return session.exec(`
    const usable = window.__bench.data;
    const nav = performance.getEntriesByType('navigation')[0];
    const resources = performance.getEntriesByType('resource');
    const before = resources.filter((r) => r.responseEnd <= usable);
    const sum = (list) => list.reduce((total, r) => total + (r.transferSize || 0), 0);
    return {
      usableMs: Math.round(usable),
      bytesBeforeUsable: (nav ? nav.transferSize : 0) + sum(before),
      requestsBeforeUsable: before.length + 1,
      shellBytes: nav ? nav.transferSize : 0,
      shellFromWorker: Boolean(nav && nav.workerStart > 0 && nav.transferSize === 0),
      assetBytes: sum(resources.filter((r) => r.name.includes('/assets/'))),
      apiBytesBeforeUsable: sum(before.filter((r) => r.name.includes('/provider/'))),
      controlled: Boolean(navigator.serviceWorker && navigator.serviceWorker.controller),
      waterfall: arguments[0] ? [nav, ...resources].map((r) => [Math.round(r.startTime), Math.round(r.responseEnd), r.transferSize, r.name.replace(location.origin, '')]) : undefined,
    };`, values.waterfall);
}

const results = { cold: [], repeat: [] };
let offlineScreens = null;
try {
  for (let run = 0; run < Number(values.runs); run++) {
    const tokens = await login(hub, phone);
    const session = await newSession(driver, { width: 360, height: 640 });
    try {
      await session.cdp('Page.enable');
      await session.cdp('Page.addScriptToEvaluateOnNewDocument', {
        source: `try { if (!localStorage.getItem('djobea.tokens')) localStorage.setItem('djobea.tokens', ${JSON.stringify(JSON.stringify(tokens))}); } catch {}\n` + PROBE,
      });
      await session.cdp('Network.setCacheDisabled', { cacheDisabled: false });
      await session.throttle(link);
      results.cold.push(await visit(session, hub.base + '/'));
      // Let the service worker install and precache everything (on the slow link too), then come back.
      await session.waitUntil('return navigator.serviceWorker.ready.then((r) => Boolean(r.active))', { timeout: 120000 });
      await session.waitUntil('return Boolean(navigator.serviceWorker.controller)', { timeout: 60000 }).catch(() => {});
      await sleep(1000);
      results.repeat.push(await visit(session, hub.base + '/'));
      if (offlineScreens === null) {
        await session.offline(true);
        offlineScreens = {};
        for (const hash of ['#accueil', '#demandes', '#finances', '#profil']) {
          await session.go(hub.base + '/' + hash);
          await session.waitFor('#screen > *', { timeout: 30000 }).catch(() => {});
          await sleep(1500);
          const text = await session.exec('return document.querySelector("#screen")?.innerText ?? ""');
          offlineScreens[hash] = text.trim().length > 20 && !text.includes('pas encore disponible hors connexion');
        }
      }
    } finally {
      await session.close();
    }
  }
} finally {
  driver.stop();
  await hub.stop();
}

const median = (list) => {
  const sorted = [...list].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
const kb = (bytes) => (bytes / 1024).toFixed(1) + ' KB';
console.log(`Link: ${link.downKbps} kbit/s down, ${link.upKbps} kbit/s up, ${link.rttMs} ms RTT, CPU ÷${link.cpu}; ${results.cold.length} runs (median)`);
for (const [name, list] of Object.entries(results)) {
  console.log(
    `${name.padEnd(6)}  dashboard with data: ${median(list.map((r) => r.usableMs))} ms` +
      `  transferred before usable: ${kb(median(list.map((r) => r.bytesBeforeUsable)))} in ${median(list.map((r) => r.requestsBeforeUsable))} requests` +
      `  (shell ${kb(median(list.map((r) => r.shellBytes)))}, API ${kb(median(list.map((r) => r.apiBytesBeforeUsable)))})` +
      (name === 'repeat' ? `  shell from service worker: ${list.every((r) => r.shellFromWorker)}` : ''),
  );
}
if (values.waterfall) {
  for (const [name, list] of Object.entries(results)) {
    console.log(name + ' waterfall (start → end ms, bytes, url):');
    for (const [start, end, bytes, url] of list[0].waterfall) console.log(`  ${String(start).padStart(5)} → ${String(end).padStart(5)}  ${String(bytes).padStart(6)}  ${url}`);
  }
  for (const list of Object.values(results)) for (const run of list) delete run.waterfall;
}
console.log('each run:', JSON.stringify(results));
console.log('offline after the first visit:', JSON.stringify(offlineScreens));
const cold = median(results.cold.map((r) => r.usableMs));
const coldBytes = median(results.cold.map((r) => r.bytesBeforeUsable));
const repeat = median(results.repeat.map((r) => r.usableMs));
const repeatShell = results.repeat.every((r) => r.shellBytes === 0 && r.assetBytes === 0);
console.log(
  `targets: cold < 3000 ms ${cold < 3000 ? 'OK' : 'MISSED'}; cold ≤ 60 KB ${coldBytes <= 60 * 1024 ? 'OK' : 'MISSED'}; ` +
    `repeat shell 0 bytes ${repeatShell ? 'OK' : 'MISSED'}; repeat < 1000 ms ${repeat < 1000 ? 'OK' : 'MISSED'}; ` +
    `offline screens ${offlineScreens && Object.values(offlineScreens).every(Boolean) ? 'OK' : 'MISSED'}`,
);
