// The mission: stages and a photo offline, replayed once back online; a quote made and sent to the client; materials,
// the remaining stages, the payment request and the payment received online.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from './hub.mjs';
import { ELEMENT, sleep } from './webdriver.mjs';
import { AUDIT } from './audit.mjs';
import { pwa, clickText, waitText, shot, consoleErrors, outboxStates, fillForm, waitForHub, screenText, PHOTO } from './browser.mjs';

/** Registers the mission offline and online (run in order, inside the suite of pwa.browser.mjs). */
export function missionSteps() {
  test('offline: advances the mission and attaches a photo; back online, the hub holds exactly one of each', async () => {
    const { hub, session, phone, offered } = pwa;
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

  test('online: a quote with one labour line is made, sent to the client, and its PDF downloads', async () => {
    const { hub, session, offered } = pwa;
    await session.go(hub.base + '/#mission/' + offered.id);
    await waitText('Nouveau devis');
    await clickText('Nouveau devis', '#screen');
    // A template (the demo has the common ones) fills the lines; the extra ones are removed, the last one retyped.
    const filled = await session.exec(`const select = document.querySelector('dialog[open] [name="template"]');
      if (!select || select.options.length < 2) return null;
      select.value = select.options[1].value; select.dispatchEvent(new Event('change', { bubbles: true }));
      return { lines: document.querySelectorAll('dialog[open] fieldset.quote-line').length,
        label: document.querySelector('dialog[open] [name="label"]').value, total: document.querySelector('dialog[open] .total.grand').textContent };`);
    assert.ok(filled && filled.lines >= 1 && filled.label && !/Total du devis0\s/u.test(filled.total), 'a template fills the lines: ' + JSON.stringify(filled));
    for (let count = filled.lines; count > 1; count--) await clickText('Retirer la ligne 2', 'dialog[open]');
    assert.equal(await session.exec("return document.querySelectorAll('dialog[open] fieldset.quote-line').length"), 1);
    await session.exec(`const kind = document.querySelector('dialog[open] [name="kind"]'); kind.value = 'main_oeuvre';
      kind.dispatchEvent(new Event('change', { bubbles: true }));`);
    for (const [name, value] of [['label', 'Remplacement du joint de siphon'], ['quantity', '1'], ['unit_price', '12 000']]) {
      const input = await session.waitFor(`dialog[open] [name="${name}"]`);
      await session.exec('arguments[0].value = "";', { [ELEMENT]: input });
      await session.type(input, value);
    }
    // A line added and left blank is left out.
    await clickText('Ajouter une ligne', 'dialog[open]');
    assert.equal(await session.exec("return document.querySelectorAll('dialog[open] fieldset.quote-line').length"), 2);
    await session.waitUntil(
      `return [...document.querySelectorAll('dialog[open] .total.grand')].some((p) => /12\\s000\\sFCFA/u.test(p.textContent));`,
      { message: 'the live total of the new quote' },
    );
    assert.equal(await session.exec('return document.querySelector(\'dialog[open] [name="valid_days"]\').value'), '15', 'valid 15 days by default');
    // The dialog itself (outside #app): 48 px targets, 16 px text, AAA contrast.
    const dialogAudit = AUDIT.replaceAll('#app', 'dialog[open]');
    assert.deepEqual(await session.exec(dialogAudit), [], 'the quote dialog passes the UX audit');
    await session.cdp('Emulation.setEmulatedMedia', { features: [{ name: 'prefers-color-scheme', value: 'dark' }] });
    try {
      assert.deepEqual(await session.exec(dialogAudit), [], 'the quote dialog passes the UX audit in dark mode');
    } finally {
      await session.cdp('Emulation.setEmulatedMedia', { features: [] });
    }
    await shot('07c-devis-nouveau');
    await clickText('Enregistrer le devis', 'dialog[open]');
    await waitForHub("SELECT count(*) FROM quotes WHERE request_id = ? AND status = 'brouillon'", 1);
    assert.deepEqual(
      sql(hub, 'SELECT l.kind, l.label, l.quantity, l.unit_price, q.total FROM quote_lines l JOIN quotes q ON q.id = l.quote_id WHERE q.request_id = ?', offered.id),
      [['main_oeuvre', 'Remplacement du joint de siphon', 1, 12000, 12000]],
    );
    await waitText('Brouillon (pas encore envoyé)');
    await clickText('Envoyer au client', '#screen');
    await waitForHub("SELECT count(*) FROM quotes WHERE request_id = ? AND status = 'envoye' AND sent_at IS NOT NULL", 1);
    await waitText('Envoyé, en attente de réponse');
    await waitText('Renvoyer');
    const [[number]] = sql(hub, 'SELECT number FROM quotes WHERE request_id = ?', offered.id);
    assert.match(number, /^D-\d{4}-\d{4}$/);
    await waitText('Devis ' + number);
    // "PDF": the hub's file, downloaded with the provider's token (the blob handed to the download link is recorded).
    await session.exec(`window.__blobs = []; const make = URL.createObjectURL;
      URL.createObjectURL = (blob) => (window.__blobs.push(blob.type + ' ' + blob.size), make.call(URL, blob));`);
    await clickText('PDF du devis ' + number, '#screen');
    await session.waitUntil('return (window.__blobs || []).some((b) => /^application\\/pdf.* \\d{4,}$/.test(b))', { message: 'the quote PDF downloads' });
    await session.exec('document.querySelector("#screen .quotes").scrollIntoView({ block: "start" }); window.scrollBy(0, -70);');
    await sleep(300);
    await shot('07c-devis');
    assert.deepEqual(await session.exec(AUDIT), [], 'the mission screen with its quote passes the UX audit');
    const states = await outboxStates();
    assert.ok(states.every((item) => item.state === 'sent'), JSON.stringify(states));
    // The client accepts on their page (at central, the gateway); the hub hears it by sync, the screen says who and
    // when once refreshed. Not at Réparation yet: nothing to invoice.
    // The link the client got (signed by the hub); the stored token alone opens nothing.
    const [[token]] = sql(hub, 'SELECT public_token FROM quotes WHERE request_id = ?', offered.id);
    const [[text]] = sql(hub, "SELECT body FROM messages WHERE request_id = ? AND template_code = 'devis_envoye' ORDER BY rowid DESC LIMIT 1", offered.id);
    const page = /https?:\/\/\S+\/c\/[A-Za-z0-9_.-]+/.exec(text)?.[0];
    assert.ok(page?.startsWith(`http://127.0.0.1:${hub.port + 1}/c/${token}.`), `the message carries central's signed link: ${text}`);
    assert.equal((await fetch(`http://127.0.0.1:${hub.port + 1}/c/${token}`)).status, 404, 'the bare token is not a link');
    let answer;
    for (const deadline = Date.now() + 60000; Date.now() < deadline; await sleep(500)) {
      answer = await fetch(page + '/accept', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'name=Jean+Kouam', redirect: 'manual' });
      if (answer.status === 303) break;
    }
    assert.equal(answer.status, 303, 'the client page takes the acceptance');
    await waitForHub("SELECT count(*) FROM quotes WHERE request_id = ? AND status = 'accepte' AND decided_by_name = 'Jean Kouam'", 1, 60000);
    await session.clickCss('[data-refresh]');
    await waitText('Accepté par Jean Kouam le ');
    await sleep(500);
    await session.exec('document.querySelector("#screen .quotes").scrollIntoView({ block: "start" }); window.scrollBy(0, -70);');
    await sleep(300);
    await shot('07d-devis-accepte');
    assert.ok(!(await screenText()).includes('Facturer ce devis'), 'no invoice from a quote before Réparation');
    assert.deepEqual(await consoleErrors(), []);
  });

  test('online: materials, the remaining stages, the payment request and the payment received reach the hub once', async () => {
    const { hub, session, offered } = pwa;
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
    // The accepted quote could become the invoice now; the payment request is typed instead (a quote never blocks it).
    await waitText('Facturer ce devis');
    await fillForm({ labour: '15000', travel: '2000' });
    // Kept as a draft first: nothing reaches the client, no number yet; the provider renames a line, then sends it.
    await clickText('Enregistrer en brouillon', '#screen');
    await waitForHub('SELECT count(*) FROM invoices WHERE request_id = ? AND sent_at IS NULL', 1);
    await waitText('pas encore envoyée');
    assert.equal(sql(hub, "SELECT count(*) FROM messages WHERE request_id = ? AND template_code = 'demande_paiement'", offered.id)[0][0], 0);
    // The toast of the last action covers the bottom of the screen for 4 s: a finger waits for it to go.
    const press = async (css) => {
      await session.waitUntil('return document.querySelector("[data-toast]").hidden', { timeout: 10000, message: 'the toast goes' });
      await session.clickCss(css);
    };
    await press('#screen [data-focus-key="invoice-edit"]');
    const firstLabel = await session.waitFor('dialog[open] input[name="label"]');
    await session.exec('arguments[0].value = "";', { [ELEMENT]: firstLabel });
    await session.type(firstLabel, 'Réparation de la fuite');
    assert.deepEqual(await session.exec(AUDIT.replaceAll('#app', 'dialog[open]')), [], 'the draft invoice editor passes the UX audit');
    await shot('07e-facture-brouillon');
    await clickText('Enregistrer', 'dialog[open]');
    await waitForHub("SELECT count(*) FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id WHERE i.request_id = ? AND l.label = 'Réparation de la fuite'", 1);
    await press('#screen [data-focus-key="invoice-send"]');
    await clickText('Envoyer au client', 'dialog[open]');
    await waitForHub("SELECT count(*) FROM invoices WHERE request_id = ? AND sent_at IS NOT NULL AND number LIKE 'F-%'", 1);
    await waitForHub("SELECT count(*) FROM messages WHERE request_id = ? AND template_code = 'demande_paiement'", 1);
    await session.waitUntil('return !document.querySelector("#screen").innerText.includes("Facturer ce devis")', { message: 'invoiced: the quote offers no invoice' });
    const [[total]] = sql(hub, 'SELECT total FROM invoices WHERE request_id = ?', offered.id);
    assert.equal(total, 15000 + 2 * 1500 + 2000, 'labour + materials + travel');
    const lines = sql(hub, 'SELECT kind, quantity, unit_price FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id WHERE i.request_id = ? ORDER BY kind', offered.id);
    assert.deepEqual(lines, [['deplacement', 1, 2000], ['main_oeuvre', 1, 15000], ['materiel', 2, 1500]]);
    // Part of it by mobile money: the demo's operator (console driver at central) approves after a few seconds.
    await waitText('Encaisser par Mobile Money');
    await clickText('Encaisser par Mobile Money', '#screen');
    for (const [name, value] of [['payer_phone', '6 77 00 01 56'], ['amount', '5000']]) {
      const input = await session.waitFor(`dialog[open] [name="${name}"]`);
      await session.exec('arguments[0].value = "";', { [ELEMENT]: input });
      await session.type(input, value);
    }
    const dialogProblems = await session.exec(AUDIT);
    assert.deepEqual(dialogProblems, [], 'the collection dialog passes the UX audit');
    await shot('07a-encaissement-mobile-money');
    await clickText('Envoyer la demande', 'dialog[open]');
    await waitText('En attente de validation par le client');
    await waitForHub('SELECT count(*) FROM collections WHERE request_id = ?', 1);
    await shot('07b-encaissement-en-attente');
    await waitText('reçus (transaction console-', { timeout: 90000 });
    assert.deepEqual(
      sql(hub, "SELECT method, amount, substr(operator_ref, 1, 8) FROM ledger_entries WHERE request_id = ? AND kind = 'payment'", offered.id),
      [['mtn_momo', 5000, 'console-']],
      'one mobile money payment, by the operator\'s transaction',
    );
    await waitText('Paiement reçu');
    await clickText('Paiement reçu', '#screen');
    await clickText('Enregistrer', 'dialog[open]');
    await waitForHub("SELECT count(*) FROM ledger_entries WHERE request_id = ? AND kind = 'payment'", 2);
    await session.exec('window.dispatchEvent(new Event("online"))');
    await sleep(1500);
    assert.deepEqual(
      sql(hub, "SELECT kind, method, amount FROM ledger_entries WHERE request_id = ? AND kind = 'payment' ORDER BY method", offered.id),
      [['payment', 'cash', 15000], ['payment', 'mtn_momo', 5000]],
      'the cash payment is what was left',
    );
    assert.equal(sql(hub, 'SELECT count(*) FROM mission_materials WHERE request_id = ?', offered.id)[0][0], 1);
    assert.equal(sql(hub, "SELECT count(*) FROM mission_events WHERE request_id = ? AND kind IN ('diagnosed', 'repairing')", offered.id)[0][0], 2);
    await shot('07-mission-paiement');
    assert.deepEqual(await consoleErrors(), []);
  });

}
