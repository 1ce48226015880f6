// Every screen: keyboard and touch use, the 48 px / 16 px / no sideways scroll rules at 360 px and at 320 px in dark
// mode, installability and every screen offline, and a logout that leaves nothing for the next provider.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AUDIT } from './audit.mjs';
import { lastCode, sql } from './hub.mjs';
import { sleep } from './webdriver.mjs';
import { pwa, clickText, screenText, waitText, shot, consoleErrors, keys } from './browser.mjs';

/** Registers the keyboard, touch, layout, offline and logout tests (run in order, inside the suite of pwa.browser.mjs). */
export function screenSteps() {
  test('keyboard only: Alt+2 opens Demandes, Tab reaches a request, Enter opens its card', async () => {
    const { hub, session } = pwa;
    await session.go(hub.base + '/#accueil');
    await session.waitFor('#screen .kpi');
    await keys([{ type: 'keyDown', value: '\uE00A' }, { type: 'keyDown', value: '2' }, { type: 'keyUp', value: '2' }, { type: 'keyUp', value: '\uE00A' }]);
    await session.waitUntil('return location.hash === "#demandes"', { message: 'Alt+2 opens Demandes' });
    await sleep(800);
    let opened = false;
    for (let i = 0; i < 40 && !opened; i++) {
      await keys([{ type: 'keyDown', value: '\uE004' }, { type: 'keyUp', value: '\uE004' }]);
      const focused = await session.exec(`const e = document.activeElement; return e && e.matches('#screen a[href^="#demandes/"]') ? e.getAttribute('href') : null;`);
      if (focused) {
        const outline = await session.exec('return getComputedStyle(document.activeElement).outlineStyle');
        assert.notEqual(outline, 'none', 'the focused request shows a focus ring');
        await keys([{ type: 'keyDown', value: '\uE007' }, { type: 'keyUp', value: '\uE007' }]);
        await session.waitUntil('return location.hash === arguments[0]', { args: [focused], message: 'Enter opens the card' });
        opened = true;
      }
    }
    assert.ok(opened, 'a request card is reachable with Tab');
  });


  const screens = () => [
    ['accueil', '#accueil'],
    ['demandes', '#demandes'],
    ['demande', '#demandes/' + pwa.offered.id],
    ['mission', '#mission/' + pwa.offered.id],
    ['finances', '#finances'],
    ['profil', '#profil'],
  ];

  test('touch: a swipe moves to the next tab, pulling down from the top refreshes', async () => {
    const { hub, session } = pwa;
    await session.go(hub.base + '/#accueil');
    await session.waitFor('#screen .kpi');
    const drag = async (from, to) => {
      await session.cdp('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x: from[0], y: from[1] }] });
      for (let step = 1; step <= 5; step++) {
        const x = from[0] + ((to[0] - from[0]) * step) / 5;
        const y = from[1] + ((to[1] - from[1]) * step) / 5;
        await session.cdp('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x, y }] });
      }
      await session.cdp('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    };
    await drag([300, 420], [60, 430]);
    await session.waitUntil('return location.hash === "#demandes"', { message: 'a left swipe opens Demandes' });
    await session.waitFor('#screen > *');
    await drag([60, 420], [300, 410]);
    await session.waitUntil('return location.hash === "#accueil"', { message: 'a right swipe comes back to Accueil' });
    await session.waitFor('#screen .kpi');
    await session.exec('window.scrollTo(0, 0); performance.clearResourceTimings();');
    await drag([180, 160], [185, 420]);
    await waitText('Actualisation');
    await session.waitUntil(
      "return performance.getEntriesByType('resource').some((r) => r.name.includes('/provider/changes'))",
      { message: 'pulling down asks the hub for changes' },
    );
  });

  test('at 360 × 640 no screen scrolls sideways, every tap target is at least 48 px, text is at least 16 px', async () => {
    const { hub, session } = pwa;
    const problems = [];
    await session.offline(false);
    await session.logs(); // what earlier tests left (their offline phase) is not this test's business
    for (const [name, hash] of screens()) {
      await session.go(hub.base + '/' + hash);
      await session.waitFor('#screen > *');
      await sleep(1500);
      const found = await session.exec(AUDIT);
      for (const problem of found) problems.push(`${name}: ${problem}`);
      await session.exec('window.scrollTo(0, 0)');
      await shot('10-' + name);
      for (const entry of await consoleErrors()) problems.push(`${name}: console ${entry.message}`);
    }
    assert.deepEqual(problems, []);
  });

  test('at 320 px in dark mode the same rules hold (smallest phones, outdoor use)', async () => {
    const { hub, session } = pwa;
    const problems = [];
    await session.logs();
    await session.cdp('Emulation.setEmulatedMedia', { features: [{ name: 'prefers-color-scheme', value: 'dark' }] });
    await session.cdp('Emulation.setDeviceMetricsOverride', { width: 320, height: 640, deviceScaleFactor: 2, mobile: true });
    try {
      for (const [name, hash] of screens()) {
        await session.go(hub.base + '/' + hash);
        await session.waitFor('#screen > *');
        await sleep(1500);
        for (const problem of await session.exec(AUDIT)) problems.push(`${name} (320, sombre): ${problem}`);
        await session.exec('window.scrollTo(0, 0)');
        await shot('11-' + name + '-sombre-320');
        for (const entry of await consoleErrors()) problems.push(`${name}: console ${entry.message}`);
      }
    } finally {
      await session.cdp('Emulation.setEmulatedMedia', { features: [] });
      await session.cdp('Emulation.clearDeviceMetricsOverride');
    }
    assert.deepEqual(problems, []);
  });

  test('the app is installable, its service worker is registered, and every screen opens offline after the first visit', async () => {
    const { hub, session } = pwa;
    await session.logs();
    const manifest = await (await fetch(hub.base + '/manifest.webmanifest')).json();
    assert.equal(manifest.lang, 'fr');
    assert.equal(manifest.display, 'standalone');
    assert.ok(manifest.icons.some((icon) => icon.sizes === '512x512'));
    await session.go(hub.base + '/#accueil');
    await session.waitUntil('return navigator.serviceWorker.ready.then((r) => Boolean(r.active))', { timeout: 30000 });
    await session.waitUntil('return Boolean(navigator.serviceWorker.controller)', { timeout: 30000, message: 'the page is controlled by the worker' });
    const installability = await session.cdp('Page.getInstallabilityErrors');
    assert.deepEqual(installability.installabilityErrors, []);
    const manifestErrors = await session.cdp('Page.getAppManifest');
    assert.deepEqual(manifestErrors.errors, []);

    await session.offline(true);
    for (const [name, hash] of screens()) {
      await session.go(hub.base + '/' + hash);
      await session.waitFor('#screen > *');
      await sleep(800);
      const text = await screenText();
      assert.ok(!text.includes('pas encore disponible hors connexion'), `${name} opens offline`);
      assert.ok(text.trim().length > 20, `${name} shows content offline: ${text.slice(0, 80)}`);
    }
    await shot('20-hors-ligne-accueil');
    await session.offline(false);
  });
  test('logging out wipes the phone, and the next provider never sees the previous one’s requests', async () => {
    const { hub, session, phone, offered } = pwa;
    await session.offline(false);
    await session.go(hub.base + '/#profil');
    await session.waitFor('#screen > *');
    await session.exec('performance.clearResourceTimings()');
    await clickText('Se déconnecter', '#screen');
    await clickText('Se déconnecter', 'dialog[open]');
    await session.waitFor('#phone');
    // The wipe follows the hub's logout (and this device's push unsubscription): at most a few seconds.
    const countLeft = () => session.execAsync(`const done = arguments[arguments.length - 1];
      const open = indexedDB.open('djobea');
      open.onsuccess = () => {
        const t = open.result.transaction(['requests', 'details', 'kv', 'uploads', 'outbox']);
        const counts = {};
        let pending = 5;
        for (const name of ['requests', 'details', 'kv', 'uploads']) {
          const r = t.objectStore(name).count();
          r.onsuccess = () => { counts[name] = r.result; if (--pending === 0) done(counts); };
        }
        const queued = t.objectStore('outbox').get('items');
        queued.onsuccess = () => { counts.outbox = (queued.result ?? []).length; if (--pending === 0) done(counts); };
      };`);
    const empty = { requests: 0, details: 0, kv: 0, uploads: 0, outbox: 0 };
    let left = await countLeft();
    for (const deadline = Date.now() + 10000; Date.now() < deadline && Object.values(left).some((count) => count > 0); ) {
      await sleep(200);
      left = await countLeft();
    }
    assert.deepEqual(left, empty);
    // This device's push subscription was removed at the hub first, while the session was still valid.
    const unsubscribed = await session.exec(`return performance.getEntriesByType('resource')
      .filter((r) => new URL(r.name).pathname === '/provider/push/subscriptions' && !new URL(r.name).search).map((r) => r.responseStatus)`);
    assert.deepEqual(unsubscribed, [200], 'DELETE /provider/push/subscriptions answered 200 before the token was dropped');
    assert.equal(await session.exec('return localStorage.getItem("djobea.tokens")'), null);

    // Another demo provider who was never offered this request (the hub would list it to them otherwise).
    const strangers = sql(hub, 'SELECT phone FROM providers WHERE id NOT IN (SELECT provider_id FROM request_offers WHERE request_id = ?)', offered.id).map((row) => row[0]);
    const other = hub.phones.find((candidate) => candidate !== phone && strangers.includes(candidate));
    assert.ok(other, 'a demo provider who never saw the request');
    assert.equal(await session.exec('return document.querySelector("#phone").value'), '', 'the previous number is not left in the form');
    await session.type(await session.find('#phone'), other.replace('+237', ''));
    await clickText('Recevoir le code', '#phone-form');
    await session.waitFor('#code').catch(async (error) => {
      throw new Error(error.message + ': ' + (await session.exec('return document.querySelector("#phone-form [data-error]").textContent')));
    });
    await sleep(300);
    await session.type(await session.find('#code'), lastCode(hub.data, other));
    await clickText('Se connecter', '#code-form');
    await session.go(hub.base + '/#demandes/' + offered.id);
    await session.waitFor('#screen > *');
    await sleep(1500);
    const text = await screenText();
    assert.ok(!text.includes(offered.title) || text.includes('introuvable'), 'the card of the previous provider is not shown: ' + text.slice(0, 200));
    const ids = await session.execAsync(`const done = arguments[arguments.length - 1];
      const open = indexedDB.open('djobea');
      open.onsuccess = () => { const r = open.result.transaction('requests').objectStore('requests').getAllKeys(); r.onsuccess = () => done(r.result); };`);
    assert.ok(!ids.includes(offered.id), 'the previous provider\'s accepted request is not on the phone');
  });
}
