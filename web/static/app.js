// Entry: session / login, hash routing, the global controls (time zone,
// theme, logout), loading and error indicators.
import { h, setUtc, isUtc, zoneLabel, refreshTimes } from './util.js';
import * as api from './api.js';
import * as search from './search.js';
import * as message from './message.js';

// Search and Message are the first paint of most visits; Live and Overview
// load when first opened.
const SCREENS = { search, message, live: () => import('./live.js'), overview: () => import('./overview.js') };
const view = document.getElementById('view');
const $ = (id) => document.querySelector(`[data-testid="${id}"]`);
const errorBox = $('error');
const loadingEl = $('loading');
let current = null;      // the screen module shown
let me = undefined;      // session (null: no login on this mlqd)

function showError(msg) {
  errorBox.textContent = msg || '';
  errorBox.hidden = !msg;
}

api.setHooks({
  loading: (on) => { loadingEl.hidden = !on; },
  error: showError,
  unauthenticated: () => { me = undefined; showLogin(); },
});

// ---- time zone and theme ----------------------------------------------------

const tzBtn = $('tz-toggle');
function paintTz() {
  tzBtn.textContent = zoneLabel();
  tzBtn.setAttribute('aria-pressed', isUtc() ? 'true' : 'false');
}
tzBtn.addEventListener('click', () => {
  setUtc(!isUtc());
  paintTz();
  refreshTimes(document);
  if (current && current.zoneChanged) current.zoneChanged();
});
paintTz();

const THEME_KEY = 'mlq.theme';
const themeBtn = $('theme-toggle');
const THEMES = ['auto', 'light', 'dark'];
function applyTheme(t) {
  if (t === 'light' || t === 'dark') document.documentElement.setAttribute('data-theme', t);
  else document.documentElement.removeAttribute('data-theme');
  themeBtn.textContent = 'Theme: ' + t;
}
let theme = 'auto';
try { theme = localStorage.getItem(THEME_KEY) || 'auto'; } catch { /* storage off */ }
if (!THEMES.includes(theme)) theme = 'auto';
applyTheme(theme);
themeBtn.addEventListener('click', () => {
  theme = THEMES[(THEMES.indexOf(theme) + 1) % THEMES.length];
  try { localStorage.setItem(THEME_KEY, theme); } catch { /* storage off */ }
  applyTheme(theme);
});

// ---- session ----------------------------------------------------------------

const whoami = $('whoami');
const logoutBtn = $('logout');
function paintWho() {
  if (me && me.auth_required !== false && me.role) {
    const doms = (me.domains || []).join(', ');
    whoami.textContent = (me.name ? me.name + ' (' + me.role + ')' : me.role) + (doms ? ' · ' + doms : '');
    logoutBtn.hidden = false;
  } else {
    whoami.textContent = me && me.role ? me.role : '';
    logoutBtn.hidden = true;
  }
}
logoutBtn.addEventListener('click', async () => {
  try { await api.logout(); } catch (e) { api.reportError(e); }
  me = undefined;
  paintWho();
  showLogin();
});

function showLogin(msg) {
  if (current && current.dispose) current.dispose();
  current = null;
  paintWho();
  const input = h('input', { type: 'password', id: 'login-token', testid: 'login-token',
    autocomplete: 'current-password', spellcheck: 'false', required: true });
  const err = h('p', { testid: 'login-error', class: 'error-text', role: 'alert' }, msg || '');
  const form = h('form', { testid: 'login-form', class: 'card login' },
    h('h1', {}, 'Log in to mlq'),
    h('p', { class: 'muted' }, 'Paste the access token your administrator gave you (mlq token create).'),
    h('label', { for: 'login-token' }, 'Token'), input,
    h('div', { class: 'row' }, h('button', { type: 'submit', testid: 'login-submit', class: 'primary' }, 'Log in')),
    err);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.textContent = '';
    try {
      me = await api.login(input.value.trim());
      input.value = '';
      showError('');
      paintWho();
      render();
    } catch (e) {
      err.textContent = e.status === 401 || e.status === 403 ? 'That token was not accepted.' : e.message;
    }
  });
  view.replaceChildren(form);
  input.focus();
}

// ---- routing ----------------------------------------------------------------

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const i = raw.indexOf('?');
  const name = (i < 0 ? raw : raw.slice(0, i)) || 'search';
  const params = new URLSearchParams(i < 0 ? '' : raw.slice(i + 1));
  return { name, params };
}

let renders = 0;
async function render() {
  if (me === undefined) return;
  const { name, params } = parseHash();
  let mod = SCREENS[name];
  if (!mod) { location.replace('#/search'); return; }
  if (typeof mod === 'function') {
    const n = ++renders;
    try {
      mod = SCREENS[name] = await mod();
    } catch (e) {
      api.reportError(e);
      return;
    }
    if (n !== renders) return; // another route was asked for meanwhile
  } else {
    ++renders;
  }
  for (const n of ['search', 'live', 'overview']) {
    const a = $('nav-' + n);
    if ((name === n) || (name === 'message' && n === 'search')) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  if (current && current !== mod && current.dispose) current.dispose();
  showError('');
  const same = current === mod;
  current = mod;
  mod.show(view, params, { same, me });
}

window.addEventListener('hashchange', render);

// "/" jumps to the search box (or the live filter), as on many sites.
document.addEventListener('keydown', (ev) => {
  if (ev.key !== '/' || ev.ctrlKey || ev.metaKey || ev.altKey) return;
  const t = ev.target;
  if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
  const box = document.querySelector('[data-testid="search-q"], [data-testid="live-q"]');
  if (!box) return;
  ev.preventDefault();
  box.focus();
  box.select();
});

async function start() {
  try {
    me = await api.session();
  } catch (e) {
    if (e.status === 401) { showLogin(); return; }
    me = null;
    api.reportError(e);
  }
  paintWho();
  render();
}
start();
