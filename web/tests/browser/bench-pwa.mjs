// Page-load benchmark of the provider PWA on a phone-like link, in headless Chromium:
// 400 kbit/s down, 400 kbit/s up, 400 ms RTT, CPU slowed 4×. Prints, for a cold cache and for a repeat visit:
// the time until the dashboard shows real data, the bytes transferred until then, and whether every screen opens
// offline afterwards.
//
// Usage: scripts/bench-pwa.sh [--hub URL --data DIR] [--runs N] [--https | --both] [--link devtools|socket|both]
//   --https   the hub serves HTTPS (a throwaway self-signed ECDSA P-256 certificate for 127.0.0.1, trusted by the
//             browser through its public key's hash), as a real phone reaches it; the TLS version the hub negotiates
//             is printed with the figures. --both: HTTP, then HTTPS (the same demo data).
//   --link    how the link is slowed: `devtools` (default; DevTools' network conditions, which delay each request
//             but not connection setup: TCP and TLS handshakes are free), `socket` (a relay on loopback that
//             delays every byte, so each new connection pays its TCP and TLS round trips, as on a real link), `both`.
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { connect as tlsConnect } from 'node:tls';
import { parseArgs } from 'node:util';
import { login, selfSignedCertificate, startHub } from './hub.mjs';
import { startLink } from './link.mjs';
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
    https: { type: 'boolean', default: false },
    both: { type: 'boolean', default: false },
    link: { type: 'string', default: 'devtools' },
    waterfall: { type: 'boolean', default: false },
  },
});
const link = { downKbps: Number(values.down), upKbps: Number(values.up), rttMs: Number(values.rtt), cpu: Number(values.cpu) };
const protocols = values.both ? ['http', 'https'] : [values.https ? 'https' : 'http'];
const links = values.link === 'both' ? ['devtools', 'socket'] : [values.link];
if (!links.every((l) => l === 'devtools' || l === 'socket')) throw new Error('--link: devtools, socket or both');
if (values.hub && (protocols.length > 1 || links.includes('socket'))) throw new Error('--hub: one protocol, --link devtools');

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
      connectMs: nav ? Math.round(nav.connectEnd - nav.connectStart) : null,
      tlsMs: nav && nav.secureConnectionStart > 0 ? Math.round(nav.connectEnd - nav.secureConnectionStart) : 0,
      firstByteMs: nav ? Math.round(nav.responseStart) : null,
      shellFromWorker: Boolean(nav && nav.workerStart > 0 && nav.transferSize === 0),
      assetBytes: sum(resources.filter((r) => r.name.includes('/assets/'))),
      apiBytesBeforeUsable: sum(before.filter((r) => r.name.includes('/provider/'))),
      controlled: Boolean(navigator.serviceWorker && navigator.serviceWorker.controller),
      waterfall: arguments[0] ? [nav, ...resources].map((r) => [Math.round(r.startTime), Math.round(r.responseEnd), r.transferSize, r.name.replace(location.origin, '')]) : undefined,
    };`, values.waterfall);
}

/** The TLS session a client gets from the hub (`port`): version, cipher, key exchange, certificate size. */
function tlsFacts(port, ca) {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, ca }, () => {
      const key = socket.getEphemeralKeyInfo();
      resolve({
        version: socket.getProtocol(),
        cipher: socket.getCipher().standardName ?? socket.getCipher().name,
        keyExchange: key?.name ?? key?.type ?? null,
        certificateBytes: socket.getPeerCertificate(true).raw.length,
      });
      socket.end();
    });
    socket.on('error', reject);
  });
}

/**
 * Milliseconds from opening a new connection to `port` (over TLS with `ca`) until the first byte of the answer to a
 * GET /healthz sent as soon as it is usable: connection setup plus one request.
 */
function firstByteMs(port, ca) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const ask = () => socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    const socket = ca ? tlsConnect({ host: '127.0.0.1', port, ca }, ask) : connect(port, '127.0.0.1', ask);
    socket.once('data', () => {
      resolve(Math.round(performance.now() - started));
      socket.destroy();
    });
    socket.on('error', reject);
  });
}

/** What the browser saw of the document's connection, from chromedriver's performance log. */
function browserConnection(entries, url) {
  const responses = entries
    .map((entry) => {
      try {
        return JSON.parse(entry.message).message;
      } catch {
        return null;
      }
    })
    .filter((event) => event?.method === 'Network.responseReceived')
    .map((event) => event.params.response);
  const document = responses.find((r) => r.url === url);
  const origin = new URL(url).origin;
  const connections = new Set(responses.filter((r) => r.url.startsWith(origin) && !r.fromServiceWorker && !r.fromDiskCache).map((r) => r.connectionId));
  return {
    tls: document?.securityDetails ? `${document.securityDetails.protocol} ${document.securityDetails.keyExchangeGroup ?? ''} ${document.securityDetails.cipher}`.trim() : null,
    http: document?.protocol ?? null,
    connections: connections.size,
  };
}

let logins = 0;

/** Cold then repeat visits of `base` (the hub, or the relay in front of it), `runs` times. */
async function bench(hub, base, { socket, spki }) {
  const results = { cold: [], repeat: [] };
  let offlineScreens = null;
  let browser = null;
  for (let run = 0; run < Number(values.runs); run++) {
    // A phone gets 3 codes per 15 minutes: the runs take the demo's providers in turn.
    const phone = values.phone ?? (hub.phones.length ? hub.phones[(1 + logins++) % hub.phones.length] : '+237698293874');
    const tokens = await login(hub, phone);
    const session = await newSession(driver, { width: 360, height: 640, extraArgs: spki ? [`--ignore-certificate-errors-spki-list=${spki}`] : [] });
    try {
      await session.cdp('Page.enable');
      await session.cdp('Page.addScriptToEvaluateOnNewDocument', {
        source: `try { if (!localStorage.getItem('djobea.tokens')) localStorage.setItem('djobea.tokens', ${JSON.stringify(JSON.stringify(tokens))}); } catch {}\n` + PROBE,
      });
      await session.cdp('Network.setCacheDisabled', { cacheDisabled: false });
      if (socket) await session.cdp('Emulation.setCPUThrottlingRate', { rate: link.cpu });
      else await session.throttle(link);
      await session.logs('performance');
      results.cold.push(await visit(session, base + '/'));
      browser ??= browserConnection(await session.logs('performance'), base + '/');
      // Let the service worker install and precache everything (on the slow link too), then come back.
      await session.waitUntil('return navigator.serviceWorker.ready.then((r) => Boolean(r.active))', { timeout: 120000 });
      await session.waitUntil('return Boolean(navigator.serviceWorker.controller)', { timeout: 60000 }).catch(() => {});
      await sleep(1000);
      results.repeat.push(await visit(session, base + '/'));
      if (offlineScreens === null) {
        await session.offline(true);
        offlineScreens = {};
        for (const hash of ['#accueil', '#demandes', '#finances', '#profil']) {
          await session.go(base + '/' + hash);
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
  return { results, offlineScreens, browser };
}

const scratch = mkdtempSync(join(tmpdir(), 'djobea-bench-'));
const certificate = protocols.includes('https') && !values.hub ? selfSignedCertificate(scratch) : null;
const driver = await startDriver();
const summaries = [];
try {
  for (const protocol of protocols) {
    const tls = protocol === 'https' ? certificate : undefined;
    // The second protocol reuses the first one's demo data (generated once).
    const hub = values.hub
      ? { base: values.hub, data: values.data, stop: async () => {}, phones: [] }
      : await startHub({ demo: true, data: join(scratch, 'demo'), tls });
    try {
      const facts = tls ? await tlsFacts(hub.port, tls.pem) : null;
      for (const mode of links) {
        const relay = mode === 'socket' ? await startLink({ target: { host: '127.0.0.1', port: hub.port }, ...link }) : null;
        try {
          const base = relay ? `${protocol}://127.0.0.1:${relay.port}` : hub.base;
          const handshake = relay ? await firstByteMs(relay.port, tls?.pem) : null;
          summaries.push({ protocol, mode, facts, handshake, ...(await bench(hub, base, { socket: Boolean(relay), spki: tls?.spki })) });
        } finally {
          await relay?.stop();
        }
      }
    } finally {
      await hub.stop();
    }
  }
} finally {
  driver.stop();
  rmSync(scratch, { recursive: true, force: true });
}

const median = (list) => {
  const sorted = [...list].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
const kb = (bytes) => (bytes / 1024).toFixed(1) + ' KB';
console.log(`Link: ${link.downKbps} kbit/s down, ${link.upKbps} kbit/s up, ${link.rttMs} ms RTT, CPU ÷${link.cpu}; ${values.runs} runs (median)`);
for (const { protocol, mode, facts, handshake, results, offlineScreens, browser } of summaries) {
  console.log(
    `\n${protocol.toUpperCase()}, link slowed by ${mode === 'socket' ? 'the socket relay (connection setup pays its round trips)' : "DevTools' network conditions (connection setup free)"}` +
      (facts
        ? `\n  TLS: hub negotiates ${facts.version} ${facts.cipher} ${facts.keyExchange ?? ''} (certificate ${facts.certificateBytes} B)` +
          `; browser: ${browser?.tls ?? '?'} over ${browser?.http ?? '?'}`
        : `\n  browser: ${browser?.http ?? '?'}`) +
      `; ${browser?.connections ?? '?'} connections on the cold visit` +
      (handshake !== null ? `; new connection to first byte of /healthz over the link: ${handshake} ms` : ''),
  );
  for (const [name, list] of Object.entries(results)) {
    console.log(
      `  ${name.padEnd(6)}  dashboard with data: ${median(list.map((r) => r.usableMs))} ms` +
        `  transferred before usable: ${kb(median(list.map((r) => r.bytesBeforeUsable)))} in ${median(list.map((r) => r.requestsBeforeUsable))} requests` +
        `  (shell ${kb(median(list.map((r) => r.shellBytes)))}, API ${kb(median(list.map((r) => r.apiBytesBeforeUsable)))})` +
        (name === 'cold' ? `  document connect ${median(list.map((r) => r.connectMs))} ms (TLS ${median(list.map((r) => r.tlsMs))} ms), first byte ${median(list.map((r) => r.firstByteMs))} ms` : '') +
        (name === 'repeat' ? `  shell from service worker: ${list.every((r) => r.shellFromWorker)}` : ''),
    );
  }
  if (values.waterfall) {
    for (const [name, list] of Object.entries(results)) {
      console.log('  ' + name + ' waterfall (start → end ms, bytes, url):');
      for (const [start, end, bytes, url] of list[0].waterfall) console.log(`    ${String(start).padStart(5)} → ${String(end).padStart(5)}  ${String(bytes).padStart(6)}  ${url}`);
    }
    for (const list of Object.values(results)) for (const run of list) delete run.waterfall;
  }
  console.log('  each run:', JSON.stringify(results));
  console.log('  offline after the first visit:', JSON.stringify(offlineScreens));
  const cold = median(results.cold.map((r) => r.usableMs));
  const coldBytes = median(results.cold.map((r) => r.bytesBeforeUsable));
  const repeat = median(results.repeat.map((r) => r.usableMs));
  const repeatShell = results.repeat.every((r) => r.shellBytes === 0 && r.assetBytes === 0);
  console.log(
    `  targets: cold < 3000 ms ${cold < 3000 ? 'OK' : 'MISSED'}; cold ≤ 60 KB ${coldBytes <= 60 * 1024 ? 'OK' : 'MISSED'}; ` +
      `repeat shell 0 bytes ${repeatShell ? 'OK' : 'MISSED'}; repeat < 1000 ms ${repeat < 1000 ? 'OK' : 'MISSED'}; ` +
      `offline screens ${offlineScreens && Object.values(offlineScreens).every(Boolean) ? 'OK' : 'MISSED'}` +
      (facts ? `; TLS 1.3 ${facts.version === 'TLSv1.3' ? 'OK' : 'MISSED'}` : ''),
  );
}
