// The first steps: a provider logs in with the WhatsApp code and accepts the request; its messages show their states.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AUDIT } from './audit.mjs';
import { lastCode, sql } from './hub.mjs';
import { sleep } from './webdriver.mjs';
import { pwa, clickText, screenText, waitText, shot, consoleErrors, outboxStates } from './browser.mjs';

/** Registers the login, the accept and the message states (run in order, inside the suite of pwa.browser.mjs). */
export function requestSteps() {
  test('logs in with the WhatsApp code from the outbox file and accepts a request', async () => {
    const { hub, session, phone, offered } = pwa;
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
    const { hub, session, offered } = pwa;
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

}
