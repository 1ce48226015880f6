// A minimal W3C WebDriver client for Debian's chromedriver + headless chromium, with the Chrome extras the tests
// need (DevTools commands for network emulation and CPU throttling, browser console logs). No dependencies.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
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
  return new Session(driver.base, response.sessionId, response.capabilities);
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
  constructor(base, id, capabilities = {}) {
    this.base = base;
    this.id = id;
    this.capabilities = capabilities;
  }
  /**
   * A DevTools connection of our own to the page whose URL starts with `urlPrefix` (chromedriver's `goog/cdp/execute`
   * returns command results only; this one also receives events, e.g. ServiceWorker.workerRegistrationUpdated).
   */
  async devtools(urlPrefix = '') {
    const address = this.capabilities?.['goog:chromeOptions']?.debuggerAddress;
    if (!address) throw new WebDriverError('chromedriver did not report a debuggerAddress');
    const targets = await (await fetch(`http://${address}/json/list`)).json();
    const page = targets.find((t) => t.type === 'page' && t.url.startsWith(urlPrefix)) ?? targets.find((t) => t.type === 'page');
    if (!page?.webSocketDebuggerUrl) throw new WebDriverError('no page target: ' + JSON.stringify(targets).slice(0, 300));
    return DevTools.connect(page.webSocketDebuggerUrl);
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

/**
 * A minimal Chrome DevTools Protocol client over a WebSocket (RFC 6455 text frames; Node 20 has no WebSocket without a
 * flag, and the tests take no dependencies).
 */
export class DevTools {
  static connect(url) {
    const target = new URL(url);
    return new Promise((resolve, reject) => {
      const request = httpRequest({
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Key': randomBytes(16).toString('base64'), 'Sec-WebSocket-Version': '13' },
      });
      request.on('upgrade', (_response, socket) => resolve(new DevTools(socket)));
      request.on('response', (response) => reject(new WebDriverError('DevTools refused the WebSocket: ' + response.statusCode)));
      request.on('error', reject);
      request.end();
    });
  }

  constructor(socket) {
    this.socket = socket;
    this.buffer = Buffer.alloc(0);
    this.fragments = [];
    this.nextId = 1;
    this.pending = new Map();
    /** Every event received: [{method, params}]. */
    this.events = [];
    this.waiters = new Set();
    socket.on('data', (chunk) => this.read(chunk));
    socket.on('close', () => {
      for (const { reject } of this.pending.values()) reject(new WebDriverError('DevTools connection closed'));
      this.pending.clear();
    });
  }

  /** Sends a command; resolves with its result. */
  send(method, params = {}) {
    const id = this.nextId++;
    const promise = new Promise((resolve, reject) => this.pending.set(id, { resolve, reject, method }));
    this.write(JSON.stringify({ id, method, params }));
    return promise;
  }

  /** The first event (already received or to come) named `method` for which `predicate(params)` holds. */
  waitForEvent(method, predicate = () => true, timeout = 15000) {
    const found = this.events.find((e) => e.method === method && predicate(e.params));
    if (found) return Promise.resolve(found.params);
    return new Promise((resolve, reject) => {
      const waiter = { method, predicate, resolve };
      this.waiters.add(waiter);
      setTimeout(() => {
        if (this.waiters.delete(waiter)) reject(new WebDriverError('timeout waiting for the event ' + method));
      }, timeout);
    });
  }

  close() {
    try {
      this.writeFrame(0x8, Buffer.alloc(0));
    } catch {}
    this.socket.end();
  }

  received(message) {
    if (message.id !== undefined) {
      const waiting = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.error) waiting?.reject(new WebDriverError(`${waiting.method}: ${message.error.message}`));
      else waiting?.resolve(message.result);
      return;
    }
    this.events.push(message);
    for (const waiter of [...this.waiters]) {
      if (waiter.method === message.method && waiter.predicate(message.params)) {
        this.waiters.delete(waiter);
        waiter.resolve(message.params);
      }
    }
  }

  read(chunk) {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      if (this.buffer.length < 2) return;
      const first = this.buffer[0];
      const second = this.buffer[1];
      let length = second & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (this.buffer.length < 4) return;
        length = this.buffer.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (this.buffer.length < 10) return;
        length = Number(this.buffer.readBigUInt64BE(2));
        offset = 10;
      }
      const mask = second & 0x80 ? this.buffer.subarray(offset, offset + 4) : null;
      if (mask) offset += 4;
      if (this.buffer.length < offset + length) return;
      const payload = Buffer.from(this.buffer.subarray(offset, offset + length));
      if (mask) for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i % 4];
      this.buffer = this.buffer.subarray(offset + length);
      const opcode = first & 0x0f;
      if (opcode === 0x8) return this.socket.end();
      if (opcode === 0x9) {
        this.writeFrame(0xa, payload);
        continue;
      }
      if (opcode === 0x1 || opcode === 0x0) {
        this.fragments.push(payload);
        if (first & 0x80) {
          const text = Buffer.concat(this.fragments).toString('utf8');
          this.fragments = [];
          try {
            this.received(JSON.parse(text));
          } catch {}
        }
      }
    }
  }

  write(text) {
    this.writeFrame(0x1, Buffer.from(text, 'utf8'));
  }

  /** A client frame: always masked. */
  writeFrame(opcode, payload) {
    const length = payload.length;
    const header = length < 126 ? Buffer.alloc(2) : length < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
    header[0] = 0x80 | opcode;
    if (length < 126) header[1] = 0x80 | length;
    else if (length < 65536) {
      header[1] = 0x80 | 126;
      header.writeUInt16BE(length, 2);
    } else {
      header[1] = 0x80 | 127;
      header.writeBigUInt64BE(BigInt(length), 2);
    }
    const mask = randomBytes(4);
    const masked = Buffer.alloc(length);
    for (let i = 0; i < length; i++) masked[i] = payload[i] ^ mask[i % 4];
    this.socket.write(Buffer.concat([header, mask, masked]));
  }
}
