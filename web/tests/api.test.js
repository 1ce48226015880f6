import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError, createApi, outboxSender, tokenStore } from '../lib/api.js';

/** A fake fetch answering from a list of handlers, recording every call. */
function fakeFetch(handler) {
  const calls = [];
  const fetch = async (url, init = {}) => {
    const call = { url, method: init.method, headers: init.headers ?? {}, body: init.body ? JSON.parse(init.body) : undefined };
    calls.push(call);
    const [status, body] = await handler(call, calls.length);
    return new Response(body === undefined ? null : JSON.stringify(body), {
      status, headers: { 'Content-Type': 'application/json' },
    });
  };
  return { fetch, calls };
}

function memoryTokens(initial = null) {
  let value = initial;
  return { get: () => value, set: (t) => { value = t; }, clear: () => { value = null; } };
}

const pair = (n) => ({ access_token: `access-${n}`, refresh_token: `refresh-${n}`, token_type: 'Bearer', expires_in: 900 });

test('login stores the tokens and later calls carry the bearer token', async () => {
  const { fetch, calls } = fakeFetch((call) => {
    if (call.url.endsWith('/send-otp')) return [202, { message: 'Code envoyé', expires_in: 300 }];
    if (call.url.endsWith('/verify-otp')) return [200, pair(1)];
    return [200, { today_new: 2 }];
  });
  const tokens = memoryTokens();
  const api = createApi({ fetch, tokens, baseURL: 'http://hub' });
  await api.sendOtp('+237690000001');
  await api.verifyOtp('+237690000001', '123456');
  assert.equal(api.isLoggedIn(), true);
  const stats = await api.dashboardStats();
  assert.equal(stats.today_new, 2);
  assert.deepEqual(calls.map((c) => `${c.method} ${c.url}`), [
    'POST http://hub/provider/auth/send-otp', 'POST http://hub/provider/auth/verify-otp', 'GET http://hub/provider/dashboard/stats',
  ]);
  assert.deepEqual(calls[1].body, { phone: '+237690000001', code: '123456' });
  assert.equal(calls[0].headers.Authorization, undefined, 'no token on public routes');
  assert.equal(calls[2].headers.Authorization, 'Bearer access-1');
});

test('JSON errors surface as French messages with their code', async () => {
  const { fetch } = fakeFetch(() => [422, { error: { code: 'invalid_code', message: 'Code incorrect.' } }]);
  const api = createApi({ fetch, tokens: memoryTokens() });
  await assert.rejects(api.verifyOtp('+237690000001', '000000'), (error) => {
    assert.ok(error instanceof ApiError);
    assert.equal(error.status, 422);
    assert.equal(error.code, 'invalid_code');
    assert.equal(error.message, 'Code incorrect.');
    return true;
  });
});

test('a non-JSON error and a dead network still give French messages', async () => {
  const api = createApi({ fetch: async () => new Response('<html>bad gateway</html>', { status: 502 }), tokens: memoryTokens(pair(1)) });
  await assert.rejects(api.dashboardStats(), { status: 502, message: 'Erreur du hub. Réessayez plus tard.' });
  const offline = createApi({ fetch: async () => { throw new TypeError('Failed to fetch'); }, tokens: memoryTokens(pair(1)) });
  await assert.rejects(offline.dashboardStats(), (error) => error.offline && /Pas de connexion/.test(error.message));
});

test('a 401 rotates the refresh token once and retries once', async () => {
  const { fetch, calls } = fakeFetch((call) => {
    if (call.url.endsWith('/refresh-token')) return [200, pair(2)];
    return call.headers.Authorization === 'Bearer access-2' ? [200, { ok: true }] : [401, { error: { code: 'unauthenticated', message: 'Jeton expiré.' } }];
  });
  const tokens = memoryTokens(pair(1));
  const api = createApi({ fetch, tokens });
  assert.deepEqual(await api.get('/provider/profile'), { ok: true });
  assert.equal(tokens.get().refresh_token, 'refresh-2');
  assert.deepEqual(calls.map((c) => c.url), ['/provider/profile', '/provider/auth/refresh-token', '/provider/profile']);
  assert.deepEqual(calls[1].body, { refresh_token: 'refresh-1' });
});

test('concurrent 401s share one refresh (a refresh token is single-use)', async () => {
  const { fetch, calls } = fakeFetch(async (call) => {
    if (call.url.endsWith('/refresh-token')) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return [200, pair(2)];
    }
    return call.headers.Authorization === 'Bearer access-2' ? [200, {}] : [401, {}];
  });
  const api = createApi({ fetch, tokens: memoryTokens(pair(1)) });
  await Promise.all([api.get('/a'), api.get('/b'), api.get('/c')]);
  assert.equal(calls.filter((c) => c.url.endsWith('/refresh-token')).length, 1);
});

test('a refused refresh logs out; a second 401 after refresh is not retried again', async () => {
  let loggedOut = 0;
  const refused = fakeFetch((call) =>
    call.url.endsWith('/refresh-token') ? [401, { error: { code: 'refresh_reused', message: 'Session révoquée : reconnectez-vous.' } }] : [401, {}]);
  const tokens = memoryTokens(pair(1));
  const api = createApi({ fetch: refused.fetch, tokens, onLoggedOut: () => { loggedOut += 1; } });
  await assert.rejects(api.dashboardStats(), { code: 'refresh_reused', message: 'Session révoquée : reconnectez-vous.' });
  assert.equal(tokens.get(), null);
  assert.equal(loggedOut, 1);

  const always401 = fakeFetch((call) => (call.url.endsWith('/refresh-token') ? [200, pair(2)] : [401, {}]));
  const api2 = createApi({ fetch: always401.fetch, tokens: memoryTokens(pair(1)) });
  await assert.rejects(api2.dashboardStats(), { status: 401, message: 'Session expirée : reconnectez-vous.' });
  assert.equal(always401.calls.length, 3, 'request, refresh, one retry — no loop');
});

test('the outbox sender sends the idempotency key and classifies answers', async () => {
  const { fetch, calls } = fakeFetch((call) => {
    if (call.url === '/taken') return [409, { error: { code: 'request_taken', message: 'Demande déjà attribuée.' } }];
    if (call.url === '/busy') return [503, {}];
    return [200, { id: 'r1' }];
  });
  const send = outboxSender(createApi({ fetch, tokens: memoryTokens(pair(1)) }));
  assert.deepEqual(await send({ method: 'PUT', path: '/ok', key: 'k-1', body: null }), { status: 'sent', result: { id: 'r1' } });
  assert.equal(calls[0].headers['Idempotency-Key'], 'k-1');
  assert.deepEqual(await send({ method: 'PUT', path: '/taken', key: 'k-2' }), {
    status: 'refused', reason: 'Demande déjà attribuée.', code: 'request_taken',
  });
  assert.equal((await send({ method: 'PUT', path: '/busy', key: 'k-3' })).status, 'retry');
  const offline = outboxSender(createApi({ fetch: async () => { throw new TypeError('offline'); }, tokens: memoryTokens(pair(1)) }));
  assert.equal((await offline({ method: 'PUT', path: '/ok', key: 'k-4' })).status, 'retry');
});

test('tokenStore survives garbage', () => {
  const map = new Map();
  const store = { getItem: (k) => map.get(k) ?? null, setItem: (k, v) => map.set(k, v), removeItem: (k) => map.delete(k) };
  const tokens = tokenStore(store);
  assert.equal(tokens.get(), null);
  tokens.set(pair(1));
  assert.equal(tokens.get().access_token, 'access-1');
  map.set('djobea.tokens', '{oops');
  assert.equal(tokens.get(), null);
  tokens.clear();
  assert.equal(map.size, 0);
});

test('a download carries the token, refreshes once on 401 and gives the file with its name; an error stays French', async () => {
  const calls = [];
  const fetch = async (url, init = {}) => {
    calls.push({ url, headers: init.headers ?? {} });
    if (url.endsWith('/refresh-token')) return new Response(JSON.stringify(pair(2)), { status: 200, headers: { 'Content-Type': 'application/json' } });
    if (init.headers?.Authorization === 'Bearer access-1') return new Response('{}', { status: 401 });
    if (url.includes('/export/')) {
      return new Response(JSON.stringify({ error: { code: 'invalid_parameter', message: 'Paramètre « to » invalide : date obligatoire' } }), { status: 400 });
    }
    return new Response(new Uint8Array([37, 80, 68, 70]), { status: 200, headers: { 'Content-Type': 'application/pdf', 'Content-Disposition': 'inline; filename="F-2026-0007.pdf"' } });
  };
  const api = createApi({ fetch, tokens: memoryTokens(pair(1)) });
  const file = await api.download('/provider/finance/invoices/abc/pdf');
  assert.equal(file.type, 'application/pdf');
  assert.equal(file.disposition, 'inline; filename="F-2026-0007.pdf"');
  assert.equal(await file.blob.text(), '%PDF');
  assert.equal(calls.at(-1).headers.Authorization, 'Bearer access-2');
  assert.equal(calls.at(-1).headers.Accept, '*/*');
  await assert.rejects(api.download('/provider/finance/export/csv?from=2026-01-01'), (error) => {
    assert.equal(error.status, 400);
    assert.equal(error.code, 'invalid_parameter');
    assert.match(error.message, /date obligatoire/);
    return true;
  });
});
