// Developer tool: logs in to a running hub as a demo provider and saves a phone-sized screenshot of one screen,
// printing the page's console messages. Usage:
//   node web/tests/browser/shoot.mjs --port 8491 --data /tmp/pwa-w1 --route '#demandes' --out /tmp/x.png [--phone +2376…] [--width 360 --height 640] [--full]
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { json, login } from './hub.mjs';
import { newSession, sleep, startDriver } from './webdriver.mjs';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8480' },
    data: { type: 'string' },
    route: { type: 'string', default: '#accueil' },
    out: { type: 'string', default: '/tmp/djobea-shot.png' },
    phone: { type: 'string', default: '+237698293874' },
    width: { type: 'string', default: '360' },
    height: { type: 'string', default: '640' },
    wait: { type: 'string', default: '2000' },
    full: { type: 'boolean', default: false },
    dark: { type: 'boolean', default: false },
  },
});
const hub = { base: `http://127.0.0.1:${values.port}`, data: values.data };
// Tokens are kept between runs (the hub allows only a few WhatsApp codes per number and quarter of an hour).
const saved = `/tmp/djobea-shoot-${values.port}-${values.phone.replace(/\D/g, '')}.json`;
let tokens = null;
if (existsSync(saved)) {
  const old = JSON.parse(readFileSync(saved, 'utf8'));
  tokens = await json(hub, 'POST', '/provider/auth/refresh-token', { refresh_token: old.refresh_token }).catch(() => null);
}
tokens ??= await login(hub, values.phone);
writeFileSync(saved, JSON.stringify(tokens));
const driver = await startDriver();
const session = await newSession(driver, { width: Number(values.width), height: Number(values.height) });
try {
  if (values.dark) await session.cdp('Emulation.setEmulatedMedia', { features: [{ name: 'prefers-color-scheme', value: 'dark' }] });
  await session.go(hub.base + '/');
  await session.exec('localStorage.setItem("djobea.tokens", arguments[0]);', JSON.stringify(tokens));
  await session.go(hub.base + '/' + values.route);
  await session.exec('location.reload()');
  await session.waitFor('#screen > *', { timeout: 20000 }).catch(() => {});
  await sleep(Number(values.wait));
  if (values.full) {
    const height = await session.exec('return Math.ceil(document.documentElement.scrollHeight)');
    await session.cdp('Emulation.setDeviceMetricsOverride', { width: Number(values.width), height, deviceScaleFactor: 1, mobile: true });
    await sleep(300);
  }
  writeFileSync(values.out, await session.screenshot());
  const overflow = await session.exec('return document.documentElement.scrollWidth - document.documentElement.clientWidth');
  console.log(`saved ${values.out}; horizontal overflow: ${overflow}px`);
  for (const entry of await session.logs()) console.log(`[console ${entry.level}] ${entry.message}`);
} finally {
  await session.close();
  driver.stop();
}
