// Starts a real `djobea` node for the browser tests and the page-load benchmark, and talks to it as a phone would.
import { execFileSync, spawn } from 'node:child_process';
import { X509Certificate, createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, sleep } from './webdriver.mjs';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** The built binary: $DJOBEA_BIN, else the release build if newer, else the debug build. */
export function djobeaBinary() {
  if (process.env.DJOBEA_BIN) return process.env.DJOBEA_BIN;
  for (const path of [join(ROOT, '.build/debug/djobea'), join(ROOT, '.build/release/djobea')]) if (existsSync(path)) return path;
  throw new Error('djobea binary not built: run `swift build` first');
}

/**
 * A throwaway self-signed certificate for 127.0.0.1 and localhost (ECDSA P-256, 2 days), made by `openssl` in `dir`:
 * { cert, key } (paths), pem, and spki (base64 SHA-256 of the public key, for Chromium's
 * --ignore-certificate-errors-spki-list).
 */
export function selfSignedCertificate(dir) {
  const cert = join(dir, 'tls-cert.pem');
  const key = join(dir, 'tls-key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key,
    '-out', cert, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
  const pem = readFileSync(cert, 'utf8');
  const spkiDER = new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' });
  return { cert, key, pem, spki: createHash('sha256').update(spkiDER).digest('base64') };
}

/**
 * Runs `djobea demo` (central + hub, demo data generated at central and synced) in a fresh directory, or
 * `djobea hub` on an existing data directory (`data`). Resolves once the hub answers /healthz. With `tls` (from
 * `selfSignedCertificate`) the hub serves HTTPS and the helpers here trust that certificate.
 */
export async function startHub({ data, port, demo = !data, web = join(ROOT, 'web'), env = {}, log = false, tls } = {}) {
  port ??= await freePort();
  data ??= mkdtempSync(join(tmpdir(), 'djobea-pwa-'));
  const args = demo ? ['demo', '--data', data, '--port', String(port)] : ['hub', '--data', data, '--port', String(port)];
  if (tls) args.push('--tls-cert', tls.cert, '--tls-key', tls.key);
  if (demo) {
    // central takes port + 1: make sure it's free too
    for (let tries = 0; tries < 20; tries++) {
      if (await portFree(port + 1)) break;
      port = await freePort();
      args[4] = String(port);
    }
  }
  const child = spawn(djobeaBinary(), args, {
    cwd: ROOT,
    env: { ...process.env, DJOBEA_WEB_DIR: web, LOG_LEVEL: 'warning', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
    if (log) process.stderr.write(chunk);
  });
  child.stderr.on('data', (chunk) => {
    if (output.length < 200_000) output += chunk;
    if (log) process.stderr.write(chunk);
  });
  const base = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  const ca = tls?.pem;
  const deadline = Date.now() + (demo ? 240_000 : 30_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`djobea exited (${child.exitCode}):\n${output.slice(-3000)}`);
    const ready = demo ? output.includes('Ctrl-C') : true;
    if (ready) {
      try {
        const response = await hubFetch({ base, ca }, '/healthz');
        if (response.ok) break;
      } catch {}
    }
    await sleep(200);
  }
  const phones = [...output.matchAll(/^\s+(\+237\d{9})\s/gm)].map((m) => m[1]);
  return {
    base,
    ca,
    port,
    data,
    phones,
    child,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      for (let i = 0; i < 50 && child.exitCode === null; i++) await sleep(100);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

async function portFree(port) {
  try {
    await fetch(`http://127.0.0.1:${port}/healthz`);
    return false;
  } catch {
    return true;
  }
}

/** The last WhatsApp code the hub "sent" (console driver: `<data>/outbox/whatsapp.jsonl`). */
export function lastCode(data, phone) {
  const lines = readFileSync(join(data, 'outbox', 'whatsapp.jsonl'), 'utf8').trim().split('\n').reverse();
  for (const line of lines) {
    const message = JSON.parse(line);
    if (!phone || message.to === phone || message.phone === phone || JSON.stringify(message).includes(phone)) {
      if (message.variables?.code) return message.variables.code;
    }
  }
  throw new Error('no code in the outbox for ' + phone);
}

/** Logs in by WhatsApp code as the API does (send-otp, read the outbox file, verify-otp); returns the token pair. */
export async function login(hub, phone) {
  await json(hub, 'POST', '/provider/auth/send-otp', { phone });
  return json(hub, 'POST', '/provider/auth/verify-otp', { phone, code: lastCode(hub.data, phone) });
}

export async function json(hub, method, path, body, token) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = 'Bearer ' + token;
  const response = await hubFetch(hub, path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) throw new Error(`${method} ${path} → ${response.status} ${text.slice(0, 300)}`);
  return data;
}

/**
 * `fetch` towards the hub; over HTTPS with `hub.ca` trusted (Node 20's fetch takes no CA): { ok, status, text() }.
 */
export async function hubFetch(hub, path, { method = 'GET', headers = {}, body } = {}) {
  if (!hub.ca) return fetch(hub.base + path, { method, headers, body });
  return new Promise((resolve, reject) => {
    const request = httpsRequest(hub.base + path, { method, headers, ca: hub.ca }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ ok: response.statusCode >= 200 && response.statusCode < 300, status: response.statusCode, text: async () => text });
      });
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(body);
  });
}

/** Reads the hub's SQLite file (read-only, next to the running hub, WAL-safe) with Python's sqlite3. */
export function sql(hub, query, ...params) {
  const script =
    'import json,sqlite3,sys\n' +
    'c=sqlite3.connect("file:"+sys.argv[1]+"?mode=ro",uri=True)\n' +
    'print(json.dumps([list(r) for r in c.execute(sys.argv[2],json.loads(sys.argv[3]))]))';
  const out = execFileSync('python3', ['-c', script, join(hub.data, 'djobea.sqlite'), query, JSON.stringify(params)], { encoding: 'utf8' });
  return JSON.parse(out);
}
