// What the browser tests share: the state set up once (the hub, the browser session, the provider and the request
// offered to them) and the steps a person takes (tap a button by its text, wait for a text, type into a form…).
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, sql } from './hub.mjs';
import { photoPNG } from './png.mjs';
import { ELEMENT, sleep } from './webdriver.mjs';

/** Set by the suite's `before`: the demo hub, chromedriver, the browser session, the provider's phone, the request offered. */
export const pwa = { hub: null, driver: null, session: null, phone: null, offered: null };
export const SHOTS = join(ROOT, 'test-output', 'screenshots');
mkdirSync(SHOTS, { recursive: true });
export const PHOTO = join(ROOT, 'test-output', 'photo-2400x1800.png');
writeFileSync(PHOTO, photoPNG());


/** Clicks the first visible button or link whose text or aria-label contains `text` (inside `scope`, a CSS selector). */
export async function clickText(text, scope = 'body', { timeout = 15000 } = {}) {
  await pwa.session.waitUntil(
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

export async function screenText() {
  return pwa.session.exec('return document.querySelector("#screen")?.innerText ?? ""');
}

export async function waitText(text, { timeout = 15000 } = {}) {
  await pwa.session.waitUntil('return (document.querySelector("#app").innerText || "").includes(arguments[0])', {
    timeout,
    args: [text],
    message: `text “${text}” on screen`,
  });
}

export async function shot(name) {
  writeFileSync(join(SHOTS, name + '.png'), await pwa.session.screenshot());
}

/** Console errors since the last call, minus the ones a network cut is expected to log. */
export async function consoleErrors({ offline = false } = {}) {
  const entries = await pwa.session.logs();
  return entries.filter(
    (entry) => entry.level === 'SEVERE' && !(offline && /ERR_INTERNET_DISCONNECTED|Failed to fetch|net::ERR/.test(entry.message)),
  );
}

export async function outboxStates() {
  return pwa.session.execAsync(`const done = arguments[arguments.length - 1];
    const open = indexedDB.open('djobea');
    open.onsuccess = () => {
      const request = open.result.transaction('outbox').objectStore('outbox').get('items');
      request.onsuccess = () => done((request.result ?? []).map((item) => ({ title: item.title, state: item.state, path: item.path, reason: item.reason })));
      request.onerror = () => done([]);
    };
    open.onerror = () => done([]);`);
}

/** Types into the current screen's fields by name (cleared first), as a person would. */
export async function fillForm(values) {
  for (const [name, value] of Object.entries(values)) {
    for (let attempt = 0; ; attempt++) {
      try {
        const element = await pwa.session.waitFor(`#screen [name="${name}"]`);
        await pwa.session.exec('arguments[0].scrollIntoView({ block: "center" }); arguments[0].value = "";', { [ELEMENT]: element });
        await pwa.session.type(element, value);
        break;
      } catch (error) {
        if (attempt >= 5 || !/stale/.test(error.message)) throw error;
        await sleep(200);
      }
    }
  }
}

/** Waits until `query` (one ? for the offered request's id) counts `expected` rows at the hub. */
export async function waitForHub(query, expected, timeout = 20000) {
  const deadline = Date.now() + timeout;
  let count;
  while (Date.now() < deadline) {
    count = sql(pwa.hub, query, pwa.offered.id)[0][0];
    if (count >= expected) break;
    await sleep(200);
  }
  assert.equal(count, expected, query);
}

/** Key presses through the WebDriver actions API (\uE00A Alt, \uE004 Tab, \uE007 Enter). */
export async function keys(actions) {
  await pwa.session.cmd('POST', '/actions', { actions: [{ type: 'key', id: 'keyboard', actions }] });
  await pwa.session.cmd('DELETE', '/actions');
}
