// A minimal W3C WebDriver client for Debian's chromedriver + headless chromium, with the Chrome extras the tests
// need (DevTools commands for network emulation and CPU throttling, browser console logs). No dependencies.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';

export const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts chromedriver on a free port; resolves once it answers /status. */
export async function startDriver({ binary = process.env.CHROMEDRIVER ?? '/usr/bin/chromedriver' } = {}) {
  const port = await freePort();
  const child = spawn(binary, [`--port=${port}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      const response = await fetch(base + '/status');
      if (response.ok) return { base, child, stop: () => child.kill('SIGTERM') };
    } catch {}
    if (child.exitCode !== null) throw new Error('chromedriver exited: ' + stderr);
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Error('chromedriver did not start: ' + stderr);
}

export class WebDriverError extends Error {}

/**
 * A browser session. `width`×`height` is the viewport (a phone: 360×640), `mobile` turns on touch and a phone's DPR.
 */
export async function newSession(driver, { width = 360, height = 640, mobile = true, headless = true, extraArgs = [] } = {}) {
  const args = ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--no-first-run', '--hide-scrollbars', '--lang=fr-FR',
    '--disable-features=Translate,MediaRouter', '--autoplay-policy=no-user-gesture-required', ...extraArgs];
  if (headless) args.push('--headless=new');
  const chromeOptions = { binary: process.env.CHROMIUM ?? '/usr/bin/chromium', args };
  if (mobile) {
    chromeOptions.mobileEmulation = {
      deviceMetrics: { width, height, pixelRatio: 2, touch: true, mobile: true },
      userAgent: 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36',
    };
  } else args.push(`--window-size=${width},${height}`);
  const body = {
    capabilities: {
      alwaysMatch: { browserName: 'chrome', 'goog:chromeOptions': chromeOptions, 'goog:loggingPrefs': { browser: 'ALL', performance: 'ALL' } },
    },
  };
  const response = await call(driver.base, 'POST', '/session', body);
  return new Session(driver.base, response.sessionId);
}

async function call(base, method, path, body) {
  const response = await fetch(base + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new WebDriverError(`${method} ${path}: ${data.value?.error ?? response.status} ${data.value?.message ?? ''}`.slice(0, 800));
  return data.value;
}

export class Session {
  constructor(base, id) {
    this.base = base;
    this.id = id;
  }
  cmd(method, path, body) {
    return call(this.base, method, `/session/${this.id}${path}`, body);
  }
  close() {
    return this.cmd('DELETE', '').catch(() => {});
  }
  go(url) {
    return this.cmd('POST', '/url', { url });
  }
  url() {
    return this.cmd('GET', '/url');
  }
  /** Runs `script` (a function body; `arguments` holds `args`) in the page; returns its value. */
  exec(script, ...args) {
    return this.cmd('POST', '/execute/sync', { script, args });
  }
  execAsync(script, ...args) {
    return this.cmd('POST', '/execute/async', { script, args });
  }
  /** A Chrome DevTools Protocol command on the page. */
  cdp(cmd, params = {}) {
    return this.cmd('POST', '/goog/cdp/execute', { cmd, params });
  }
  async find(css) {
    const found = await this.cmd('POST', '/element', { using: 'css selector', value: css });
    return found[ELEMENT];
  }
  async findAll(css) {
    return (await this.cmd('POST', '/elements', { using: 'css selector', value: css })).map((e) => e[ELEMENT]);
  }
  click(element) {
    return this.cmd('POST', `/element/${element}/click`, {});
  }
  type(element, text) {
    return this.cmd('POST', `/element/${element}/value`, { text });
  }
  text(element) {
    return this.cmd('GET', `/element/${element}/text`);
  }
  /** Waits until `css` matches a displayed element (or `predicate` in the page is truthy). */
  async waitFor(css, { timeout = 15000, visible = true } = {}) {
    const deadline = Date.now() + timeout;
    let last;
    while (Date.now() < deadline) {
      try {
        const ok = await this.exec(
          `const e = document.querySelector(arguments[0]); if (!e) return false;
           if (!arguments[1]) return true; const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden';`,
          css,
          visible,
        );
        if (ok) return this.find(css);
      } catch (error) {
        last = error;
      }
      await sleep(50);
    }
    throw new WebDriverError(`timeout waiting for ${css}` + (last ? ` (${last.message})` : ''));
  }
  async waitUntil(script, { timeout = 15000, args = [], message = script } = {}) {
    const deadline = Date.now() + timeout;
    while (Date.now() < deadline) {
      const value = await this.exec(script, ...args).catch(() => null);
      if (value) return value;
      await sleep(50);
    }
    throw new WebDriverError('timeout: ' + String(message).slice(0, 200));
  }
  /** Scrolls `css` to the middle of the screen (clear of fixed bars) and clicks it as a finger would. */
  async clickCss(css) {
    // A screen may re-render between finding and clicking (an answer from the hub arrived): find it again.
    for (let attempt = 0; ; attempt++) {
      try {
        const element = await this.waitFor(css);
        await this.exec('arguments[0].scrollIntoView({ block: "center" });', { [ELEMENT]: element });
        return await this.click(element);
      } catch (error) {
        if (attempt >= 5 || !/stale/.test(error.message)) throw error;
        await sleep(200);
      }
    }
  }
  async screenshot() {
    return Buffer.from(await this.cmd('GET', '/screenshot'), 'base64');
  }
  /** Browser console entries since the last call: [{level, message}]. */
  logs(type = 'browser') {
    return this.cmd('POST', '/se/log', { type }).catch(() => []);
  }
  /** Cuts or restores the page's network through DevTools (the network conditions panel). */
  async offline(offline) {
    await this.cdp('Network.enable');
    await this.cdp('Network.emulateNetworkConditions', { offline, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  }
  async throttle({ downKbps, upKbps, rttMs, cpu = 1 }) {
    await this.cdp('Network.enable');
    await this.cdp('Network.emulateNetworkConditions', {
      offline: false,
      latency: rttMs,
      downloadThroughput: (downKbps * 1000) / 8,
      uploadThroughput: (upKbps * 1000) / 8,
    });
    await this.cdp('Emulation.setCPUThrottlingRate', { rate: cpu });
  }
}
