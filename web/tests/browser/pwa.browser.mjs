// Browser tests of the provider PWA: Debian's headless Chromium driven through chromedriver, against a real
// `djobea demo` (central + hub, real HTTP, real SQLite). Run by scripts/test.sh after the Swift build:
//   node --test web/tests/browser/pwa.browser.mjs
// Screenshots of every main screen go to test-output/screenshots/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, lastCode, sql, startHub } from './hub.mjs';
import { photoPNG } from './png.mjs';
import { AUDIT } from './audit.mjs';
import { ELEMENT, newSession, sleep, startDriver } from './webdriver.mjs';

const SHOTS = join(ROOT, 'test-output', 'screenshots');
mkdirSync(SHOTS, { recursive: true });
const PHOTO = join(ROOT, 'test-output', 'photo-2400x1800.png');
writeFileSync(PHOTO, photoPNG());

let hub;
let driver;
let session;
/** The provider the tests log in as, and a request offered to them. */
let phone;
let offered;

/** Clicks the first visible button or link whose text or aria-label contains `text` (inside `scope`, a CSS selector). */
async function clickText(text, scope = 'body', { timeout = 15000 } = {}) {
  await session.waitUntil(
    `const scope = document.querySelector(arguments[1]); if (!scope) return false;
     const wanted = arguments[0].toLowerCase();
     const candidates = [...scope.querySelectorAll('button, a[href], [role=button], summary, label')];
     const target = candidates.find((e) => {
       const r = e.getBoundingClientRect();
       if (!r.width || !r.height || e.disabled) return false;
       return (e.textContent + ' ' + (e.getAttribute('aria-label') ?? '')).toLowerCase().includes(wanted);
     });
     if (!target) return false;
     target.scrollIntoView({ block: 'center' });
     target.click();
     return true;`,
    { timeout, args: [text, scope], message: `a button “${text}”` },
  );
}

async function screenText() {
  return session.exec('return document.querySelector("#screen")?.innerText ?? ""');
}

async function waitText(text, { timeout = 15000 } = {}) {
  await session.waitUntil('return (document.querySelector("#app").innerText || "").includes(arguments[0])', {
    timeout,
    args: [text],
    message: `text “${text}” on screen`,
  });
}

async function shot(name) {
  writeFileSync(join(SHOTS, name + '.png'), await session.screenshot());
}

/** Console errors since the last call, minus the ones a network cut is expected to log. */
async function consoleErrors({ offline = false } = {}) {
  const entries = await session.logs();
  return entries.filter(
    (entry) => entry.level === 'SEVERE' && !(offline && /ERR_INTERNET_DISCONNECTED|Failed to fetch|net::ERR/.test(entry.message)),
  );
}

async function outboxStates() {
  return session.execAsync(`const done = arguments[arguments.length - 1];
    const open = indexedDB.open('djobea');
    open.onsuccess = () => {
      const request = open.result.transaction('outbox').objectStore('outbox').get('items');
      request.onsuccess = () => done((request.result ?? []).map((item) => ({ title: item.title, state: item.state, path: item.path, reason: item.reason })));
      request.onerror = () => done([]);
    };
    open.onerror = () => done([]);`);
}

/** Types into the current screen's fields by name (cleared first), as a person would. */
async function fillForm(values) {
  for (const [name, value] of Object.entries(values)) {
    for (let attempt = 0; ; attempt++) {
      try {
        const element = await session.waitFor(`#screen [name="${name}"]`);
        await session.exec('arguments[0].scrollIntoView({ block: "center" }); arguments[0].value = "";', { [ELEMENT]: element });
        await session.type(element, value);
        break;
      } catch (error) {
        if (attempt >= 5 || !/stale/.test(error.message)) throw error;
        await sleep(200);
      }
    }
  }
}

/** Waits until `query` (one ? for the offered request's id) counts `expected` rows at the hub. */
async function waitForHub(query, expected, timeout = 20000) {
  const deadline = Date.now() + timeout;
  let count;
  while (Date.now() < deadline) {
    count = sql(hub, query, offered.id)[0][0];
    if (count >= expected) break;
    await sleep(200);
  }
  assert.equal(count, expected, query);
}

/** Key presses through the WebDriver actions API (\uE00A Alt, \uE004 Tab, \uE007 Enter). */
async function keys(actions) {
  await session.cmd('POST', '/actions', { actions: [{ type: 'key', id: 'keyboard', actions }] });
  await session.cmd('DELETE', '/actions');
}

before(async () => {
  // The hub pulls from central every second here, so a request taken in at central reaches it at once.
  hub = await startHub({ demo: true, env: { DJOBEA_SYNC_INTERVAL: '1' } });
  // A request of our own, taken in at central like the platform does, for the service and quarter of a demo provider:
  // whatever the time of day the demo was generated at, the hub offers it to someone (urgent: even outside hours).
  const [[service, zone]] = sql(
    hub,
    `SELECT s.code, z.code FROM providers p JOIN provider_services ps ON ps.provider_id = p.id JOIN services s ON s.id = ps.service_id
     JOIN provider_zones pz ON pz.provider_id = p.id JOIN zones z ON z.id = pz.zone_id WHERE p.phone = ? LIMIT 1`,
    hub.phones[0],
  );
  const central = { ...hub, base: `http://127.0.0.1:${hub.port + 1}` };
  const apiKey = readFileSync(join(hub.data, 'central', 'api-key'), 'utf8').trim();
  const title = 'Fuite sous l’évier de la cuisine';
  const clientPhone = '+2376' + String(Date.now()).slice(-8);
  const created = await fetch(central.base + '/central/requests', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer ' + apiKey },
    body: JSON.stringify({
      zone, service, urgency: 'urgent', title, description: 'L’eau coule en permanence sous l’évier.',
      address: 'Rue du Marché, près de la boulangerie', client_name: 'Jean Kouam', client_phone: clientPhone,
      budget_min: 15000, budget_max: 25000,
    }),
  });
  assert.equal(created.status, 201, await created.clone().text());
  const { id } = await created.json();
  const deadline = Date.now() + 60000;
  let offer = [];
  while (Date.now() < deadline && !offer.length) {
    offer = sql(hub, "SELECT p.phone FROM request_offers o JOIN providers p ON p.id = o.provider_id WHERE o.request_id = ? AND o.state = 'pending'", id);
    if (!offer.length) await sleep(250);
  }
  assert.ok(offer.length, 'the hub offered the new request to a provider');
  phone = offer[0][0];
  offered = { id, title, clientPhone };
  driver = await startDriver();
  session = await newSession(driver, { width: 360, height: 640 });
});

after(async () => {
  await session?.close();
  driver?.stop();
  await hub?.stop();
});

describe('the provider PWA in Chromium', { concurrency: false }, () => {
  test('logs in with the WhatsApp code from the outbox file and accepts a request', async () => {
    await session.go(hub.base + '/');
    const phoneInput = await session.waitFor('#phone');
    await shot('01-connexion');
    await session.type(phoneInput, phone.replace('+237', ''));
    await clickText('Recevoir le code', '#phone-form');
    const codeInput = await session.waitFor('#code');
    await sleep(300);
    await session.type(codeInput, lastCode(hub.data, phone));
    await clickText('Se connecter', '#code-form');
    await session.waitFor('#app nav.tabs');
    await waitText('Dernière synchro');
    await session.waitFor('#screen .kpi', { timeout: 20000 });
    await shot('02-accueil');

    await session.go(hub.base + '/#demandes/' + offered.id);
    await waitText(offered.title);
    await shot('03-demande');
    await clickText('Accepter', '#screen');
    // The hub takes it once: the outbox item is sent and the mission exists with the provider on it.
    const deadline = Date.now() + 15000;
    let accepted = [];
    while (Date.now() < deadline) {
      accepted = sql(hub, "SELECT count(*) FROM mission_events WHERE request_id = ? AND kind = 'accepted'", offered.id);
      if (accepted[0][0] >= 1) break;
      await sleep(200);
    }
    assert.equal(accepted[0][0], 1, 'one accepted event at the hub');
    const states = await outboxStates();
    assert.ok(states.some((item) => item.path.endsWith('/accept') && item.state === 'sent'), JSON.stringify(states));
    assert.deepEqual(await consoleErrors(), []);
  });

  test('the request shows each message with its state: the acceptance message sent to the client, a tick and a French label', async () => {
    await session.go(hub.base + '/#demandes/' + offered.id);
    await waitText(offered.title);
    // The hub syncs the acceptance to central, which sends it to the client and marks it: it shows "En file" first, then
    // "Envoyé" once the states come back (seconds, but it depends on the sync: up to 60 s, refreshing as a person would).
    const LABELS = ['En file', 'Envoyé', 'Remis', 'Lu', 'Échec'];
    const readStates = () =>
      session.exec(`return [...document.querySelectorAll('#screen .msg.out')].map((m) => ({
        label: m.querySelector('.msg-state .msg-label')?.textContent ?? '',
        state: m.dataset.state,
        tick: m.querySelector('.msg-tick')?.textContent ?? m.querySelector('.msg-state svg use')?.getAttribute('href') ?? '',
        time: m.querySelector('.msg-meta time')?.textContent ?? '',
      }))`);
    let states = [];
    const deadline = Date.now() + 60000;
    while (Date.now() < deadline) {
      states = await readStates().catch(() => []);
      if (states.some((m) => m.label === 'Envoyé' || m.label === 'Remis' || m.label === 'Lu')) break;
      await sleep(2500);
      await session.exec('document.querySelector("[data-refresh]")?.click()').catch(() => {});
    }
    assert.ok(states.length >= 1, 'the acceptance message is listed: ' + (await screenText()).slice(-400));
    for (const message of states) {
      assert.ok(LABELS.includes(message.label), 'a French state label: ' + JSON.stringify(message));
      assert.ok(message.tick, 'a tick or an icon next to the label: ' + JSON.stringify(message));
      assert.ok(message.time, 'the time before the state: ' + JSON.stringify(message));
    }
    const sent = states.find((m) => m.label === 'Envoyé');
    if (sent) assert.equal(sent.tick, '✓');
    else console.log('# the acceptance message is still ' + states.map((m) => m.label).join(', ') + ' after 60 s');
    await session.exec('document.querySelector("#screen .messages")?.scrollIntoView({ block: "center" })');
    await shot('04-messages-etats');
    await session.cdp('Emulation.setEmulatedMedia', { features: [{ name: 'prefers-color-scheme', value: 'dark' }] });
    try {
      await sleep(300);
      await session.exec('document.querySelector("#screen .messages")?.scrollIntoView({ block: "center" })');
      await shot('04-messages-etats-sombre');
      const problems = (await session.exec(AUDIT)).filter((problem) => /msg/.test(problem));
      assert.deepEqual(problems, [], 'the states read well in dark mode too');
    } finally {
      await session.cdp('Emulation.setEmulatedMedia', { features: [] });
    }
    assert.deepEqual(await consoleErrors(), []);
  });

  test('after the first accept the app offers notifications; a push is shown by the service worker and its tap opens the request', async () => {
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
    contacts: [{ wa_id: offered.clientPhone.slice(1), profile: { name: 'Jean Kouam' } }],
    messages: [{ from: offered.clientPhone.slice(1), id: `wamid.pwa-test-${n}-${Date.now()}`, timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', text: { body: text } }],
  });

  test('the client’s replies arrive live: an alert elsewhere, on the card as the client’s, and a read receipt shows “Lu”', async () => {
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

  test('offline: advances the mission and attaches a photo; back online, the hub holds exactly one of each', async () => {
    await session.go(hub.base + '/#mission/' + offered.id);
    await waitText('Arrivé');
    await sleep(500);
    await session.offline(true);
    await session.exec('window.dispatchEvent(new Event("offline"))');
    await waitText('hors connexion');
    await session.clickCss('#screen .next-stage');
    await clickText('Confirmer', 'dialog[open]');
    // The photo: a 2400×1800 camera shot, resized and compressed on the phone before upload.
    // The screen re-renders after the stage: take the input as it is once the card has settled.
    await waitText('« Arrivé » enregistrée');
    for (let attempt = 0; ; attempt++) {
      try {
        await session.type(await session.find('#screen input[type=file]'), PHOTO);
        break;
      } catch (error) {
        if (attempt >= 5 || !/stale/.test(error.message)) throw error;
        await sleep(300);
      }
    }
    await session.waitUntil(
      `return new Promise((done) => { const open = indexedDB.open('djobea');
         open.onsuccess = () => { const r = open.result.transaction('uploads').objectStore('uploads').getAllKeys();
           r.onsuccess = () => done(r.result.length > 0); r.onerror = () => done(false); }; open.onerror = () => done(false); })`,
      { timeout: 20000, message: 'the photo waits in IndexedDB' },
    ).catch(() => {});
    await sleep(1000);
    const queued = await outboxStates();
    assert.ok(queued.some((item) => item.state === 'pending'), 'actions wait in the outbox while offline: ' + JSON.stringify(queued));
    await shot('05-mission-hors-ligne');
    assert.equal(sql(hub, "SELECT count(*) FROM mission_events WHERE request_id = ? AND kind = 'arrived'", offered.id)[0][0], 0);

    await session.offline(false);
    await session.exec('window.dispatchEvent(new Event("online"))');
    const deadline = Date.now() + 60000;
    let counts;
    while (Date.now() < deadline) {
      counts = {
        accepted: sql(hub, "SELECT count(*) FROM mission_events WHERE request_id = ? AND kind = 'accepted'", offered.id)[0][0],
        arrived: sql(hub, "SELECT count(*) FROM mission_events WHERE request_id = ? AND kind = 'arrived'", offered.id)[0][0],
        photos: sql(hub, 'SELECT count(*) FROM photos WHERE request_id = ?', offered.id)[0][0],
      };
      if (counts.arrived >= 1 && counts.photos >= 1) break;
      await sleep(300);
    }
    // A second replay (the app coming back online twice) must not duplicate anything either.
    await session.exec('window.dispatchEvent(new Event("online"))');
    await sleep(2000);
    counts = {
      accepted: sql(hub, "SELECT count(*) FROM mission_events WHERE request_id = ? AND kind = 'accepted'", offered.id)[0][0],
      arrived: sql(hub, "SELECT count(*) FROM mission_events WHERE request_id = ? AND kind = 'arrived'", offered.id)[0][0],
      photos: sql(hub, 'SELECT count(*) FROM photos WHERE request_id = ?', offered.id)[0][0],
    };
    assert.deepEqual(counts, { accepted: 1, arrived: 1, photos: 1 });
    const [[bytes, width, height]] = sql(hub, 'SELECT bytes, width, height FROM photos WHERE request_id = ?', offered.id);
    assert.ok(bytes <= 250 * 1024, `the phone compressed the photo to ${bytes} bytes`);
    assert.ok(Math.max(width, height) <= 1280, `the phone resized the photo to ${width}×${height}`);
    const states = await outboxStates();
    assert.ok(states.every((item) => item.state === 'sent'), JSON.stringify(states));
    await waitText('Dernière synchro');
    await shot('06-mission-synchronisee');
    assert.deepEqual(await consoleErrors({ offline: true }), []);
  });

  test('online: materials, the remaining stages, the payment request and the payment received reach the hub once', async () => {
    await session.go(hub.base + '/#mission/' + offered.id);
    await waitText('Temps passé');
    // The photo taken offline is shown as a thumbnail from the hub.
    await session.waitUntil(
      `const img = document.querySelector('#screen .thumb img'); return Boolean(img && img.complete && img.naturalWidth > 0);`,
      { timeout: 20000, message: 'the photo thumbnail loads' },
    );
    await fillForm({ label: 'Joint de siphon', quantity: '2', unit_price: '1500' });
    await clickText('Ajouter', '#screen');
    await waitText('Joint de siphon');
    for (const label of ['Diagnostic', 'Réparation']) {
      await session.clickCss('#screen .next-stage');
      await clickText('Confirmer', 'dialog[open]');
      await waitText(`« ${label} » enregistrée`);
      await sleep(500);
    }
    await fillForm({ labour: '15000', travel: '2000' });
    await clickText('Envoyer la demande de paiement', '#screen');
    await waitForHub('SELECT count(*) FROM invoices WHERE request_id = ?', 1);
    const [[total]] = sql(hub, 'SELECT total FROM invoices WHERE request_id = ?', offered.id);
    assert.equal(total, 15000 + 2 * 1500 + 2000, 'labour + materials + travel');
    const lines = sql(hub, 'SELECT kind, quantity, unit_price FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id WHERE i.request_id = ? ORDER BY kind', offered.id);
    assert.deepEqual(lines, [['deplacement', 1, 2000], ['main_oeuvre', 1, 15000], ['materiel', 2, 1500]]);
    await waitText('Paiement reçu');
    await clickText('Paiement reçu', '#screen');
    await clickText('Enregistrer', 'dialog[open]');
    await waitForHub("SELECT count(*) FROM ledger_entries WHERE request_id = ? AND kind = 'payment'", 1);
    await session.exec('window.dispatchEvent(new Event("online"))');
    await sleep(1500);
    assert.deepEqual(sql(hub, "SELECT kind, method, amount FROM ledger_entries WHERE request_id = ? AND kind = 'payment'", offered.id), [['payment', 'cash', 20000]]);
    assert.equal(sql(hub, 'SELECT count(*) FROM mission_materials WHERE request_id = ?', offered.id)[0][0], 1);
    assert.equal(sql(hub, "SELECT count(*) FROM mission_events WHERE request_id = ? AND kind IN ('diagnosed', 'repairing')", offered.id)[0][0], 2);
    await shot('07-mission-paiement');
    assert.deepEqual(await consoleErrors(), []);
  });

  test('keyboard only: Alt+2 opens Demandes, Tab reaches a request, Enter opens its card', async () => {
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
    ['demande', '#demandes/' + offered.id],
    ['mission', '#mission/' + offered.id],
    ['finances', '#finances'],
    ['profil', '#profil'],
  ];

  test('touch: a swipe moves to the next tab, pulling down from the top refreshes', async () => {
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
});
