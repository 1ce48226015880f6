// Browser tests of the provider PWA: Debian's headless Chromium driven through chromedriver, against a real
// `djobea demo` (central + hub, real HTTP, real SQLite). Run by scripts/test.sh after the Swift build:
//   node --test web/tests/browser/pwa.browser.mjs
// Screenshots of every main screen go to test-output/screenshots/. The steps are in *.steps.mjs, in the order they run;
// what they share (the session, the hub, the request offered, the helpers) in browser.mjs.
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql, startHub } from './hub.mjs';
import { newSession, sleep, startDriver } from './webdriver.mjs';
import { pwa } from './browser.mjs';
import { requestSteps } from './requests.steps.mjs';
import { notificationSteps } from './notifications.steps.mjs';
import { missionSteps } from './mission.steps.mjs';
import { screenSteps } from './screens.steps.mjs';

let hub;
let driver;
let session;
/** The provider the tests log in as, and a request offered to them. */
let phone;
let offered;

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
  Object.assign(pwa, { hub, driver, session, phone, offered });
});

after(async () => {
  await session?.close();
  driver?.stop();
  await hub?.stop();
});

describe('the provider PWA in Chromium', { concurrency: false }, () => {
  requestSteps();
  notificationSteps();
  missionSteps();
  screenSteps();
});
