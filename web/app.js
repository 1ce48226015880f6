// The provider app's entry point: login by WhatsApp code, then the dashboard. Screens are plain DOM.
import { ApiError, createApi, outboxSender, tokenStore } from './lib/api.js';
import { kpiCards } from './lib/dashboard.js';
import { normalizePhone, relativeTime } from './lib/format.js';
import { createOutbox, keyValueStorage } from './lib/outbox.js';

const $ = (selector, root = document) => root.querySelector(selector);
const STATS_KEY = 'djobea.dashboard';
const TITLES = { accueil: 'Accueil', demandes: 'Demandes', finances: 'Finances', profil: 'Profil' };

const api = createApi({ fetch: (...args) => fetch(...args), tokens: tokenStore(localStorage), onLoggedOut: showLogin });
const outbox = createOutbox({ storage: keyValueStorage(localStorage), send: outboxSender(api) });
let lastSync = null;

// MARK: - Login

let phone = '';

function showLogin() {
  $('#app').hidden = true;
  $('#login').hidden = false;
  $('#phone-form').hidden = false;
  $('#code-form').hidden = true;
  $('#phone').focus();
}

function setBusy(form, busy, message = '') {
  for (const button of form.querySelectorAll('button')) button.disabled = busy;
  $('[data-error]', form).textContent = message;
}

function messageOf(error) {
  return error instanceof ApiError ? error.message : 'Erreur inattendue. Réessayez.';
}

$('#phone-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  phone = normalizePhone($('#phone').value);
  if (!phone) return setBusy(form, false, 'Entrez votre numéro de téléphone.');
  setBusy(form, true);
  try {
    const sent = await api.sendOtp(phone);
    setBusy(form, false);
    form.hidden = true;
    const codeForm = $('#code-form');
    codeForm.hidden = false;
    const minutes = Math.round((sent?.expires_in ?? 300) / 60);
    $('[data-sent]', codeForm).textContent = `Code envoyé sur WhatsApp au ${phone}. Il reste valable ${minutes} min.`;
    $('#code').value = '';
    $('#code').focus();
  } catch (error) {
    setBusy(form, false, messageOf(error));
  }
});

$('#code-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const code = $('#code').value.replace(/\D/g, '');
  if (!code) return setBusy(form, false, 'Entrez le code reçu.');
  setBusy(form, true);
  try {
    await api.verifyOtp(phone, code);
    setBusy(form, false);
    showApp();
  } catch (error) {
    setBusy(form, false, messageOf(error));
  }
});

$('[data-back]').addEventListener('click', showLogin);

// MARK: - App

function showApp() {
  $('#login').hidden = true;
  $('#app').hidden = false;
  const cached = readCache();
  if (cached) {
    lastSync = cached.at;
    renderStats(cached.stats);
  }
  showTab();
  renderSync();
  refresh();
  outbox.replay().then(renderOutbox, () => {});
}

function showTab() {
  const name = (location.hash || '#accueil').slice(1);
  const tab = TITLES[name] ? name : 'accueil';
  for (const section of document.querySelectorAll('[data-tab]')) section.hidden = section.dataset.tab !== tab;
  for (const link of document.querySelectorAll('nav.tabs a')) {
    if (link.getAttribute('href') === '#' + tab) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  $('[data-title]').textContent = TITLES[tab];
  if (tab === 'profil') renderOutbox();
}

async function refresh() {
  const error = $('[data-tab=accueil] [data-error]');
  try {
    const stats = await api.dashboardStats();
    lastSync = Date.now();
    localStorage.setItem(STATS_KEY, JSON.stringify({ at: lastSync, stats }));
    error.textContent = '';
    renderStats(stats);
  } catch (failure) {
    if (failure instanceof ApiError && failure.status === 401) return;
    error.textContent = messageOf(failure);
  }
  renderSync();
}

function readCache() {
  try {
    return JSON.parse(localStorage.getItem(STATS_KEY) ?? 'null');
  } catch {
    return null;
  }
}

function renderSync() {
  const line = $('[data-sync]');
  const offline = navigator.onLine === false;
  line.toggleAttribute('data-offline', offline);
  const when = lastSync ? relativeTime(lastSync, Date.now()) : 'jamais';
  line.textContent = `Dernière synchro ${lastSync ? when : ': jamais'}${offline ? ' · hors connexion' : ''}`;
}

function renderStats(stats) {
  const list = $('[data-kpis]');
  list.replaceChildren(
    ...kpiCards(stats).map((card) => {
      const item = document.createElement('li');
      item.className = 'kpi ' + (card.kind ?? '');
      for (const [cls, text] of [['kpi-label', card.label], ['kpi-value', card.value], ['kpi-note', card.note]]) {
        if (!text) continue;
        const span = document.createElement('span');
        span.className = cls;
        span.textContent = text;
        item.append(span);
      }
      return item;
    }),
  );
}

async function renderOutbox() {
  const list = $('[data-outbox]');
  const items = await outbox.list();
  if (!items.length) return;
  list.replaceChildren(
    ...items.map((item) => {
      const row = document.createElement('li');
      const badge = document.createElement('span');
      badge.className = 'badge ' + item.state;
      badge.textContent = item.label;
      row.append(`${item.title || item.method + ' ' + item.path} `, badge);
      if (item.reason) row.append(` — ${item.reason}`);
      return row;
    }),
  );
}

$('[data-refresh]').addEventListener('click', refresh);
$('[data-logout]').addEventListener('click', async () => {
  await api.logout().catch(() => {});
  showLogin();
});
addEventListener('hashchange', showTab);
addEventListener('online', () => {
  renderSync();
  outbox.replay().then(renderOutbox, () => {});
  refresh();
});
addEventListener('offline', renderSync);
setInterval(renderSync, 30_000);

if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('/sw.js').catch(() => {});
}

if (api.isLoggedIn()) showApp();
else showLogin();
