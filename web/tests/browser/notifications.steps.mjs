// Notifications and the live feed: the push offer after the first accept, a push shown by the service worker and
// opened by a tap, the switch of this device; the client's replies arriving live, and a read receipt.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from './hub.mjs';
import { sleep } from './webdriver.mjs';
import { pwa, clickText, waitText, shot, consoleErrors } from './browser.mjs';

/** Registers the push notifications and the live feed (run in order, inside the suite of pwa.browser.mjs). */
export function notificationSteps() {
  test('after the first accept the app offers notifications; a push is shown by the service worker and its tap opens the request', async () => {
    const { hub, session, offered } = pwa;
    await session.go(hub.base + '/#accueil');
    await session.waitFor('#screen .kpi', { timeout: 20000 });
    // Not at login: only now, after an accept reached the hub, and once.
    await session.waitFor('[data-push-offer]', { timeout: 20000 });
    const offer = await session.exec('return document.querySelector("[data-push-offer]").innerText');
    assert.match(offer, /Recevoir les nouvelles demandes même quand l’application est fermée/);
    await shot('08-offre-notifications');
    await session.waitUntil('return navigator.serviceWorker.ready.then((r) => Boolean(r.active))', { timeout: 30000, message: 'the worker is active' });
    // The browser's prompt, answered "Autoriser" through DevTools (a headless browser shows none).
    await session.cdp('Browser.grantPermissions', { origin: hub.base, permissions: ['notifications'] });
    assert.equal(await session.exec('return Notification.permission'), 'granted');
    await session.exec('performance.clearResourceTimings()');
    await clickText('Activer', '[data-push-offer]');
    // The key is read from the hub and the browser subscribes. This headless browser has no push service to reach: the
    // subscription then fails after 20 s with a French message; either way the offer goes and is not made again.
    await session.waitUntil('return document.querySelector("[data-push-offer]").hidden', { timeout: 45000, message: 'the offer closes' });
    assert.ok(
      await session.exec("return performance.getEntriesByType('resource').some((r) => r.name.includes('/provider/push/key'))"),
      'the gateway key was read',
    );
    assert.ok(['done', 'later'].includes(await session.exec('return localStorage.getItem("djobea.pushOffer")')));
    console.log('# after Activer: ' + (await session.exec('return document.querySelector("[data-toast]").textContent')));

    // Profil: this device's switch, apart from the account's setting, usable now that permission is granted.
    await session.go(hub.base + '/#profil');
    await waitText('Notifications sur cet appareil');
    const device = await session.exec('const i = document.querySelector("#screen input[name=device_push]"); return i && { disabled: i.disabled, role: i.getAttribute("role") }');
    assert.deepEqual(device, { disabled: false, role: 'switch' });
    await session.exec('document.querySelector("#screen .prof-device").scrollIntoView({ block: "center" })');
    await shot('09-profil-notifications-appareil');

    // A push delivered to the registered worker (the registration id comes from DevTools' ServiceWorker events).
    await session.go(hub.base + '/#accueil');
    await session.waitFor('#screen .kpi', { timeout: 20000 });
    const devtools = await session.devtools(hub.base);
    try {
      await devtools.send('ServiceWorker.enable');
      const update = await devtools.waitForEvent('ServiceWorker.workerRegistrationUpdated', (p) =>
        p.registrations.some((r) => r.scopeURL.startsWith(hub.base) && !r.isDeleted),
      );
      const { registrationId } = update.registrations.find((r) => r.scopeURL.startsWith(hub.base) && !r.isDeleted);
      const tag = 'client_message:' + offered.id;
      const payload = {
        kind: 'client_message', title: 'Message de Jean Kouam', body: 'Je suis devant le portail', url: '/#/demandes/' + offered.id,
        request_id: offered.id, tag,
      };
      // The worker tells the open app what it showed, once showNotification has resolved ("push-shown"): the proof used
      // here. The notification list (getNotifications) is only logged: a headless browser without a notification
      // server may drop a notification as soon as it is shown.
      await session.exec('window.__fromWorker = []; navigator.serviceWorker.addEventListener("message", (e) => window.__fromWorker.push(e.data));');
      const shownByWorker = (wanted) =>
        session.waitUntil('return (window.__fromWorker || []).find((m) => m && m.type === "push-shown" && m.tag === arguments[0]) || null', {
          args: [wanted], timeout: 10000, message: 'the worker shows the notification ' + wanted,
        });
      let shown = null;
      // Delivered again if the worker did not run (as a push service retries).
      for (let attempt = 1; attempt <= 3 && !shown; attempt++) {
        await devtools.send('ServiceWorker.deliverPushMessage', { origin: hub.base, registrationId, data: JSON.stringify(payload) });
        shown = await shownByWorker(tag).catch(() => null);
        if (!shown) console.log(`# push ${attempt}: the worker did not run`);
      }
      assert.ok(shown, `the push reaches the worker (registration ${registrationId}); events ${devtools.events.map((e) => e.method).join(', ')}`);
      assert.deepEqual(
        { title: shown.title, body: shown.body, url: shown.url, kind: shown.kind },
        { title: 'Message de Jean Kouam', body: 'Je suis devant le portail', url: '/#/demandes/' + offered.id, kind: 'client_message' },
      );
      const listed = await session.exec(`return navigator.serviceWorker.ready.then((r) => r.getNotifications({ tag: arguments[0] }))
        .then((list) => list.map((n) => ({ title: n.title, body: n.body, url: n.data && n.data.url, requireInteraction: n.requireInteraction })))`, tag);
      if (listed.length) assert.deepEqual(listed, [{ title: 'Message de Jean Kouam', body: 'Je suis devant le portail', url: '/#/demandes/' + offered.id, requireInteraction: false }]);
      else console.log('# the browser dropped the notification at once (no notification server): checked through the worker’s message');

      // A tap on it: the worker runs its notificationclick path; the open app shows the request.
      await session.exec('return navigator.serviceWorker.ready.then((r) => r.active.postMessage({ type: "test-notification-click", tag: arguments[0] }))', tag);
      await session.waitUntil('return location.hash === arguments[0]', { args: ['#demandes/' + offered.id], timeout: 15000, message: 'the tap opens the request' });
      await waitText(offered.title);
      const left = await session.exec('return navigator.serviceWorker.ready.then((r) => r.getNotifications({ tag: arguments[0] })).then((l) => l.length)', tag);
      assert.equal(left, 0, 'the tapped notification is closed');

      // A push the worker cannot read still tells the provider something, in French.
      await devtools.send('ServiceWorker.deliverPushMessage', { origin: hub.base, registrationId, data: 'pas du JSON' });
      const generic = await shownByWorker('djobea');
      assert.deepEqual({ title: generic.title, body: generic.body, url: generic.url }, { title: 'Djobea', body: 'Nouvelle activité sur Djobea', url: '/' });
      await session.exec('return navigator.serviceWorker.ready.then((r) => r.getNotifications()).then((l) => l.forEach((n) => n.close()))');
    } finally {
      devtools.close();
    }
    // Blocked in the browser's settings: the switch cannot be turned on, and says why.
    await session.cdp('Browser.setPermission', { origin: hub.base, permission: { name: 'notifications' }, setting: 'denied' });
    try {
      await session.go(hub.base + '/#profil');
      await waitText('Notifications sur cet appareil');
      const blocked = await session.waitUntil(
        `const i = document.querySelector('#screen input[name=device_push]');
         return i && i.disabled ? { checked: i.checked, note: document.getElementById(i.getAttribute('aria-describedby')).textContent } : null`,
        { message: 'the switch is disabled when notifications are blocked' },
      );
      assert.equal(blocked.checked, false);
      assert.match(blocked.note, /Bloquées dans les réglages du navigateur/);
    } finally {
      await session.cdp('Browser.resetPermissions', {});
    }
    assert.deepEqual(await consoleErrors(), []);
  });


  /**
   * What WhatsApp Cloud would post to the gateway (central in the demo): signed with the app secret the console driver
   * generated into central's data directory.
   */
  async function whatsappWebhook(value) {
    const { hub } = pwa;
    const secret = readFileSync(join(hub.data, 'central', 'whatsapp-app-secret'), 'utf8').trim();
    const body = JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: 'waba', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', ...value } }] }] });
    const response = await fetch(`http://127.0.0.1:${hub.port + 1}/webhooks/whatsapp-cloud`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': 'sha256=' + createHmac('sha256', secret).update(body).digest('hex') },
      body,
    });
    assert.equal(response.status, 200, await response.text());
  }
  const clientSays = (text, n) => ({
    contacts: [{ wa_id: pwa.offered.clientPhone.slice(1), profile: { name: 'Jean Kouam' } }],
    messages: [{ from: pwa.offered.clientPhone.slice(1), id: `wamid.pwa-test-${n}-${Date.now()}`, timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', text: { body: text } }],
  });

  test('the client’s replies arrive live: an alert elsewhere, on the card as the client’s, and a read receipt shows “Lu”', async () => {
    const { hub, session, phone, offered } = pwa;
    await session.go(hub.base + '/#accueil');
    await session.waitFor('#screen .kpi', { timeout: 20000 });
    await sleep(1500); // the live stream opens
    const central = { ...hub, data: join(hub.data, 'central') };
    const [[messageId, externalId]] = sql(central, "SELECT id, external_id FROM messages WHERE request_id = ? AND template_code = 'acceptation'", offered.id);
    await whatsappWebhook({
      ...clientSays('Je suis devant le portail', 1),
      statuses: [{ id: externalId, status: 'read', timestamp: String(Math.floor(Date.now() / 1000)), recipient_id: offered.clientPhone.slice(1), biz_opaque_callback_data: messageId }],
    });
    // Central takes it in, the hub syncs it, the live feed tells the phone: an alert on whatever screen is open.
    await waitText('Je suis devant le portail', { timeout: 60000 });
    assert.match(await session.exec('return document.querySelector("[data-toast]").textContent'), /^Message de .+ : « Je suis devant le portail »$/);

    await session.go(hub.base + '/#demandes/' + offered.id);
    await waitText(offered.title);
    const readMessages = () =>
      session.exec(`return [...document.querySelectorAll('#screen .msg')].map((m) => ({
        side: m.classList.contains('in') ? 'in' : 'out', who: m.querySelector('.msg-who').textContent, body: m.querySelector('.msg-body').textContent,
        label: m.querySelector('.msg-label')?.textContent ?? '', read: Boolean(m.querySelector('.msg-state.read')) }))`);
    let messages = [];
    const deadline = Date.now() + 60000;
    while (Date.now() < deadline) {
      messages = await readMessages().catch(() => []);
      if (messages.some((m) => m.side === 'in') && messages.some((m) => m.label === 'Lu')) break;
      await sleep(2000);
      await session.exec('document.querySelector("[data-refresh]")?.click()').catch(() => {});
    }
    const reply = messages.find((m) => m.side === 'in');
    assert.ok(reply, 'the client’s message is on the card: ' + JSON.stringify(messages));
    assert.match(reply.who, /^Client/);
    assert.equal(reply.body, 'Je suis devant le portail');
    assert.equal(reply.label, 'Reçu');
    const acceptance = messages.find((m) => m.side === 'out' && /acceptée/.test(m.body));
    assert.equal(acceptance?.label, 'Lu', JSON.stringify(messages));
    assert.equal(acceptance.read, true, 'read is marked (blue ticks) besides the label');

    // Another reply while the card is open: it appears by itself, with no toast covering the card.
    await session.exec('document.querySelector("[data-toast]").hidden = true');
    await whatsappWebhook(clientSays('Le portail est bleu', 2));
    await session.waitUntil(
      `return [...document.querySelectorAll('#screen .msg.in .msg-body')].some((e) => e.textContent === 'Le portail est bleu')`,
      { timeout: 60000, message: 'the open card shows the new reply' },
    );
    assert.equal(await session.exec('return document.querySelector("[data-toast]").hidden'), true, 'no toast over the card it concerns');
    await session.exec('[...document.querySelectorAll("#screen .msg.in")].pop().scrollIntoView({ block: "center" })');
    await shot('04-messages-client');
    assert.deepEqual(await consoleErrors(), []);
  });

}
