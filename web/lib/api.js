// The hub's HTTP API: bearer token, JSON errors as French messages, one refresh-token rotation on 401.
// `fetch` and the token store are injected, so this runs under `node --test` with a fake.

/** An error the screens can show as is: `message` is French. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }

  /** True when the hub was not reached: the action may be retried later. */
  get offline() {
    return this.status === 0;
  }
}

const FALLBACK = {
  0: 'Pas de connexion au hub. Réessayez quand le réseau revient.',
  400: 'Requête invalide.',
  401: 'Session expirée : reconnectez-vous.',
  403: 'Action non autorisée.',
  404: 'Ressource introuvable.',
  409: 'Conflit : la demande a changé entre-temps.',
  422: 'Données invalides.',
  429: 'Trop de tentatives : patientez un peu.',
  500: 'Erreur du hub. Réessayez plus tard.',
  503: 'Hub momentanément indisponible. Réessayez plus tard.',
};

/** The French message for a status when the body carries none. */
export function fallbackMessage(status) {
  return FALLBACK[status] ?? (status >= 500 ? FALLBACK[500] : 'Erreur inattendue (' + status + ').');
}

/** Token storage over a `localStorage`-like store. */
export function tokenStore(store, key = 'djobea.tokens') {
  return {
    get() {
      try {
        return JSON.parse(store.getItem(key) ?? 'null');
      } catch {
        return null;
      }
    },
    set(tokens) {
      store.setItem(key, JSON.stringify(tokens));
    },
    clear() {
      store.removeItem(key);
    },
  };
}

/**
 * @param {object} deps
 * @param {typeof fetch} deps.fetch
 * @param {{get(): any, set(t: any): void, clear(): void}} deps.tokens
 * @param {string} [deps.baseURL]
 * @param {() => void} [deps.onLoggedOut] called when the refresh token is refused
 */
export function createApi({ fetch, tokens, baseURL = '', onLoggedOut = () => {} }) {
  let refreshing = null;
  /** The hub's clock minus this phone's, in ms, from the last answer's `Date` header (1 s resolution). */
  let clockOffset = 0;

  async function raw(method, path, { body, headers = {}, token, binary = false } = {}) {
    const init = { method, headers: { Accept: 'application/json', ...headers } };
    if (body !== undefined && body !== null) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    if (token) init.headers.Authorization = 'Bearer ' + token;
    let response;
    try {
      response = await fetch(baseURL + path, init);
    } catch {
      throw new ApiError(0, 'network', fallbackMessage(0));
    }
    const served = Date.parse(response.headers?.get?.('date') ?? '');
    if (Number.isFinite(served)) clockOffset = served + 500 - Date.now();
    if (binary && response.ok) {
      return { blob: await response.blob(), type: response.headers?.get?.('content-type') ?? '', disposition: response.headers?.get?.('content-disposition') ?? '' };
    }
    const text = response.status === 204 ? '' : await response.text();
    let data = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = null;
      }
    }
    if (!response.ok) {
      const error = data?.error;
      throw new ApiError(response.status, error?.code ?? 'http_' + response.status, error?.message || fallbackMessage(response.status));
    }
    return data;
  }

  /** One rotation at a time: concurrent 401s wait for the same refresh. */
  function refresh() {
    if (refreshing) return refreshing;
    refreshing = (async () => {
      const current = tokens.get();
      if (!current?.refresh_token) throw new ApiError(401, 'unauthenticated', fallbackMessage(401));
      try {
        const next = await raw('POST', '/provider/auth/refresh-token', { body: { refresh_token: current.refresh_token } });
        tokens.set(next);
        return next;
      } catch (error) {
        // Only a refusal of the refresh token itself ends the session: a restarting hub (5xx), a proxy error or a
        // rate limit must not cost the provider a new WhatsApp code.
        if ([400, 401, 403].includes(error.status)) {
          tokens.clear();
          onLoggedOut();
        }
        throw error;
      }
    })().finally(() => {
      refreshing = null;
    });
    return refreshing;
  }

  /**
   * Calls the hub. With `auth` (the default) the access token is sent, and a 401 triggers one refresh and
   * one retry.
   * @param {string} method
   * @param {string} path
   * @param {{body?: any, auth?: boolean, idempotencyKey?: string, headers?: object}} [options]
   */
  async function request(method, path, { body, auth = true, idempotencyKey, headers = {}, binary = false } = {}) {
    const extra = { ...headers };
    if (idempotencyKey) extra['Idempotency-Key'] = idempotencyKey;
    if (!auth) return raw(method, path, { body, headers: extra, binary });
    const token = tokens.get()?.access_token;
    try {
      return await raw(method, path, { body, headers: extra, token, binary });
    } catch (error) {
      if (error.status !== 401) throw error;
      const next = await refresh();
      return raw(method, path, { body, headers: extra, token: next.access_token, binary });
    }
  }

  return {
    request,
    get: (path, options) => request('GET', path, options),
    /** A file (PDF, spreadsheet) with the access token: `{blob, type, disposition}`; errors as for JSON calls. */
    download: (path) => request('GET', path, { binary: true, headers: { Accept: '*/*' } }),
    sendOtp: (phone) => request('POST', '/provider/auth/send-otp', { body: { phone }, auth: false }),
    async verifyOtp(phone, code) {
      const pair = await request('POST', '/provider/auth/verify-otp', { body: { phone, code }, auth: false });
      tokens.set(pair);
      return pair;
    },
    async login(email, password, totp) {
      const pair = await request('POST', '/provider/auth/login', { body: { email, password, totp }, auth: false });
      tokens.set(pair);
      return pair;
    },
    /** The current access token (EventSource cannot send an Authorization header). */
    accessToken: () => tokens.get()?.access_token ?? null,
    async logout() {
      try {
        await request('DELETE', '/provider/auth/logout');
      } finally {
        tokens.clear();
      }
    },
    dashboardStats: () => request('GET', '/provider/dashboard/stats'),
    isLoggedIn: () => Boolean(tokens.get()?.access_token),
    /** The provider the stored tokens belong to. */
    providerId: () => tokens.get()?.provider_id ?? null,
    /** Now on the hub's clock (a phone's clock is often wrong): what times sent to the hub should use. */
    now: () => Date.now() + clockOffset,
  };
}

/**
 * Adapts the API for the outbox: a refusal by the hub (4xx) is final and keeps its French reason;
 * no link, a 5xx, a 429 or a 401 (session to renew) means "retry later".
 */
export function outboxSender(api) {
  return async (item) => {
    try {
      const result = await api.request(item.method, item.path, { body: item.body ?? undefined, idempotencyKey: item.key });
      return { status: 'sent', result };
    } catch (error) {
      if (error instanceof ApiError && error.status >= 400 && error.status < 500 && error.status !== 401 && error.status !== 408 && error.status !== 429) {
        return { status: 'refused', reason: error.message, code: error.code };
      }
      return { status: 'retry', error };
    }
  };
}
