// Browser tests of the provider actions pwa.browser.mjs does not drive: questions, a new slot and a decline on an open
// offer; a quick reply, the call log and its note; the timer, a material added and removed, a stage; the profile's
// away mode, hours, absence, certification and settings; the monthly goal on Finances. Each must reach the hub
// through the outbox, with no console error. Against a real `djobea demo`, like pwa.browser.mjs:
//   node --test --test-timeout=600000 web/tests/browser/actions.browser.mjs
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lastCode, sql, startHub } from './hub.mjs';
import { newSession, sleep, startDriver } from './webdriver.mjs';
import { clickText, consoleErrors, outboxStates, pwa } from './browser.mjs';

let hub, driver, session, phone;
const reqs = [];

async function waitText(text, { timeout = 15000 } = {}) {
  try {
    await session.waitUntil('return (document.body.innerText || "").includes(arguments[0])', { timeout, args: [text], message: `text “${text}”` });
  } catch (error) {
    const info = await session.exec('return JSON.stringify({ dialog: document.querySelector("dialog[open]")?.innerText, toast: document.querySelector("[data-toast]")?.innerText, hash: location.hash, screen: document.querySelector("#screen")?.innerText.slice(0, 1500) })');
    console.log('on screen:', text, info, JSON.stringify(await outboxStates()));
    throw error;
  }
}
async function waitHub(query, id, expected = 1, timeout = 20000) {
  const deadline = Date.now() + timeout; let n;
  while (Date.now() < deadline) { n = sql(hub, query, id)[0][0]; if (n >= expected) break; await sleep(200); }
  assert.ok(n >= expected, `${query}: ${n}`);
}
async function newRequest(service, zone, title) {
  const apiKey = readFileSync(join(hub.data, 'central', 'api-key'), 'utf8').trim();
  const r = await fetch(`http://127.0.0.1:${hub.port + 1}/central/requests`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer ' + apiKey },
    body: JSON.stringify({ zone, service, urgency: 'urgent', title, description: 'Test.', address: 'Rue du Marché', client_name: 'Jean Kouam', client_phone: '+2376' + String(Date.now()).slice(-8), budget_min: 1000, budget_max: 2000 }) });
  assert.equal(r.status, 201);
  const { id } = await r.json();
  const deadline = Date.now() + 60000; let offer = [];
  while (Date.now() < deadline && !offer.length) { offer = sql(hub, "SELECT p.phone FROM request_offers o JOIN providers p ON p.id = o.provider_id WHERE o.request_id = ? AND o.state = 'pending'", id); if (!offer.length) await sleep(250); }
  return { id, title, phones: offer.map((o) => o[0]) };
}

before(async () => {
  // Many actions in a minute, each followed by the app's reloads: above a provider's default 100 requests a minute.
  hub = await startHub({ demo: true, env: { DJOBEA_SYNC_INTERVAL: '1', RATE_LIMIT_PROVIDER: '1000/minute' } });
  const [[service, zone]] = sql(hub, `SELECT s.code, z.code FROM providers p JOIN provider_services ps ON ps.provider_id = p.id JOIN services s ON s.id = ps.service_id
     JOIN provider_zones pz ON pz.provider_id = p.id JOIN zones z ON z.id = pz.zone_id WHERE p.phone = ? LIMIT 1`, hub.phones[0]);
  const a = await newRequest(service, zone, 'Demande A à décliner');
  phone = a.phones[0];
  reqs.push(a);
  for (let i = 0; i < 4 && reqs.length < 2; i++) {
    const b = await newRequest(service, zone, 'Demande B à accepter ' + i);
    if (b.phones.includes(phone)) reqs.push(b);
  }
  driver = await startDriver();
  session = await newSession(driver, { width: 360, height: 640 });
  Object.assign(pwa, { hub, driver, session, phone });
});
after(async () => { await session?.close(); driver?.stop(); await hub?.stop(); });

describe('the provider’s other actions in Chromium', { concurrency: false }, () => {
  test('logs in with the WhatsApp code', async () => {
    await session.go(hub.base + '/');
    await session.type(await session.waitFor('#phone'), phone.replace('+237', ''));
    await clickText('Recevoir le code', '#phone-form');
    const code = await session.waitFor('#code'); await sleep(300);
    await session.type(code, lastCode(hub.data, phone));
    await clickText('Se connecter', '#code-form');
    await session.waitFor('#app nav.tabs');
    await session.waitFor('#screen .kpi', { timeout: 20000 });
  });
  test('on an open offer: the list’s filters, a question, a new slot, then a decline', async () => {
    const a = reqs[0];
    await session.go(hub.base + '/#demandes');
    await waitText(a.title);
    await clickText('Filtrer', '#screen'); await clickText('Nouvelles', '#screen'); await waitText('filtre');
    await clickText('Effacer les filtres', '#screen');
    await session.go(hub.base + '/#demandes/' + a.id);
    await waitText('Offre valable encore');
    await clickText('Demander des précisions', '#screen');
    await session.clickCss('dialog[open] button[type=submit]');
    await waitText('Question envoyée');
    await waitHub("SELECT count(*) FROM messages WHERE request_id = ? AND direction = 'out'", a.id, 1);
    await clickText('Reporter', '#screen');
    await session.clickCss('dialog[open] button[type=submit]');
    await waitText('Nouveau créneau proposé');
    await waitHub('SELECT count(*) FROM slot_proposals WHERE request_id = ?', a.id, 1);
    await clickText('Décliner', '#screen');
    await session.clickCss('dialog[open] button[type=submit]');
    await waitText('Demande déclinée');
    await waitHub("SELECT count(*) FROM request_offers WHERE request_id = ? AND state = 'declined'", a.id, 1);
    assert.deepEqual(await consoleErrors(), []);
  });
  test('accepted: a quick reply, a call noted and its note; the timer, a material added and removed, a stage', async (t) => {
    if (reqs.length < 2) return t.skip('no second offer to this provider');
    const b = reqs[1];
    await session.go(hub.base + '/#demandes/' + b.id);
    await waitText(b.title);
    await clickText('Accepter', '#screen');
    await waitText('Demande acceptée');
    await waitText('Acceptée');
    await waitHub("SELECT count(*) FROM mission_events WHERE request_id = ? AND kind = 'accepted'", b.id, 1);
    await session.clickCss('#screen .quick-reply');
    await waitText('Message envoyé');
    await waitText('Noter un appel', { timeout: 20000 });
    await clickText('Noter un appel', '#screen');
    await session.clickCss('dialog[open] button[type=submit]');
    await waitText('Appel noté');
    await waitHub('SELECT count(*) FROM call_logs WHERE request_id = ?', b.id, 1);
    await clickText('Modifier la note', '#screen', { timeout: 20000 });
    await session.exec('document.querySelector("dialog[open] textarea").value = "Rappeler demain"');
    await session.clickCss('dialog[open] button[type=submit]');
    await waitText('Rappeler demain');
    await session.go(hub.base + '/#mission/' + b.id);
    await waitText('Temps passé');
    await clickText('Démarrer', '#screen');
    await waitText('Mettre en pause');
    await waitHub('SELECT count(*) FROM mission_work_sessions WHERE request_id = ?', b.id, 1);
    await session.exec(`const set = (n, v) => { const e = document.querySelector('#screen [name="' + n + '"]'); e.value = v; };
      set('label', 'Tuyau'); set('quantity', '1'); set('unit_price', '2500');`);
    await clickText('Ajouter', '#screen');
    await waitText('Matériel ajouté');
    await waitHub('SELECT count(*) FROM mission_materials WHERE request_id = ?', b.id, 1);
    await clickText('Supprimer Tuyau', '#screen', { timeout: 20000 });
    await session.clickCss('dialog[open] button[type=submit]');
    await waitText('Matériel supprimé');
    await session.clickCss('#screen .next-stage');
    await session.clickCss('dialog[open] button[type=submit]');
    await waitText('« Arrivé » enregistrée');
    await waitHub("SELECT count(*) FROM mission_events WHERE request_id = ? AND kind = 'arrived'", b.id, 1);
    await session.go(hub.base + '/#accueil');
    await session.waitUntil('return !document.querySelector("[data-fab]").hidden', { message: 'the floating mission button' });
    assert.deepEqual(await consoleErrors(), []);
  });
  test('the profile: away mode, hours, an absence, a certification, a setting; the dashboard’s alerts marked as seen', async () => {
    await session.go(hub.base + '/#profil');
    await waitText('Mode absent', { timeout: 20000 });
    await clickText('Mode absent', '#screen');
    await session.clickCss('dialog[open] button[type=submit]');
    await waitText('Enregistré');
    await clickText('Modifier les horaires', '#screen');
    await session.clickCss('dialog[open] button[type=submit]');
    const absences = sql(hub, 'SELECT count(*) FROM absences a JOIN providers p ON p.id = a.provider_id WHERE p.phone = ?', phone)[0][0];
    await clickText('Ajouter une absence', '#screen');
    await session.clickCss('dialog[open] button[type=submit]');
    await waitHub('SELECT count(*) FROM absences a JOIN providers p ON p.id = a.provider_id WHERE p.phone = ?', phone, absences + 1);
    await clickText('Ajouter une certification', '#screen');
    await session.exec('document.querySelector("dialog[open] [name=title]").value = "CAP Plomberie"');
    await session.clickCss('dialog[open] button[type=submit]');
    await waitText('CAP Plomberie');
    await clickText('Accepter d’office', '#screen');
    await session.waitUntil(`return new Promise((done) => { const open = indexedDB.open('djobea'); open.onsuccess = () => { const r = open.result.transaction('outbox').objectStore('outbox').get('items'); r.onsuccess = () => done((r.result ?? []).every((i) => i.state === 'sent')); }; })`, { timeout: 20000, message: 'all sent' }).catch(() => {});
    const states = await outboxStates();
    assert.ok(states.every((s) => s.state === 'sent'), JSON.stringify(states));
    assert.ok(sql(hub, "SELECT count(*) FROM provider_certifications c JOIN providers p ON p.id = c.provider_id WHERE p.phone = ? AND c.title = 'CAP Plomberie'", phone)[0][0] === 1);
    await session.go(hub.base + '/#accueil');
    await session.waitFor('#screen .kpi', { timeout: 20000 });
    await clickText('Marquer comme vu', '#screen', { timeout: 5000 }).catch(() => {});
    await sleep(1500);
    const after = await outboxStates();
    assert.ok(after.every((s) => s.state === 'sent'), JSON.stringify(after));
    assert.deepEqual(await consoleErrors(), []);
  });

  test('the monthly goal: an amount refused on the phone, then one saved through the outbox that reaches the hub', async () => {
    await session.go(hub.base + '/#finances');
    await waitText('Objectif du mois', { timeout: 20000 });
    await session.waitFor('#fin-goal-target', { timeout: 20000 });
    const type = (value) => session.exec('const e = document.querySelector("#fin-goal-target"); e.value = arguments[0]; e.dispatchEvent(new Event("input"));', value);
    await type('deux cent mille');
    await clickText('Enregistrer', '.fin-goal');
    await waitText('Indiquez un montant en chiffres');
    await type('245 000');
    await clickText('Enregistrer', '.fin-goal');
    await waitText('Objectif enregistré');
    await waitHub('SELECT count(*) FROM goals g JOIN providers p ON p.id = g.provider_id WHERE p.phone = ? AND g.target_revenue = 245000', phone, 1);
    // Once sent, the hub's view replaces the phone's copy: its projection and advice come back.
    await session.waitUntil('return !document.body.innerText.includes("recalculés dès que le hub")', { timeout: 20000, message: 'the hub’s view' });
    await waitText('Méthode');
    assert.equal(await session.exec('return document.querySelector("#fin-goal-target").value'), '245 000');
    assert.deepEqual(await consoleErrors(), []);
  });
});
