// Same-origin calls to mlqd's JSON API (/api/v1), with the CSRF header, one
// abortable query per screen, and the global loading / error indicators.

let csrf = '';
let pending = 0;
const hooks = { loading: () => {}, error: () => {}, unauthenticated: () => {} };

export function setHooks(h) { Object.assign(hooks, h); }
export function setCsrf(t) { csrf = t || ''; }
export function getCsrf() { return csrf; }

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function query(params) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  }
  const q = p.toString();
  return q ? '?' + q : '';
}

export function apiUrl(path, params) { return '/api/v1/' + path + query(params); }

async function call(method, path, params, opts = {}) {
  const headers = { Accept: 'application/json', ...(opts.headers || {}) };
  if (csrf) headers['X-MLQ-CSRF'] = csrf;
  pending++;
  hooks.loading(pending > 0);
  try {
    let res;
    try {
      res = await fetch(apiUrl(path, params), {
        method, headers, credentials: 'same-origin', signal: opts.signal, cache: 'no-store',
      });
    } catch (e) {
      if (e.name === 'AbortError') throw e;
      throw new ApiError(0, 'UNAVAILABLE', 'mlqd did not answer (' + e.message + ')');
    }
    let body = null;
    const text = await res.text();
    if (text) {
      try { body = JSON.parse(text); } catch { body = null; }
    }
    if (!res.ok) {
      const err = new ApiError(res.status, (body && body.code) || String(res.status),
        (body && body.message) || (res.status + ' ' + (res.statusText || 'error') + (text && !body ? ': ' + text.slice(0, 200) : '')));
      if (res.status === 401 && !opts.noAuthHook) hooks.unauthenticated();
      throw err;
    }
    return body || {};
  } finally {
    pending--;
    hooks.loading(pending > 0);
  }
}

export function get(path, params, opts) { return call('GET', path, params, opts); }

// A screen's queries: starting one aborts the one before.
export class Runner {
  constructor() { this.ctl = null; }
  next() {
    if (this.ctl) this.ctl.abort();
    this.ctl = new AbortController();
    return this.ctl.signal;
  }
  abort() { if (this.ctl) this.ctl.abort(); this.ctl = null; }
}

// ---- session ---------------------------------------------------------------

// {auth_required, role, domains, csrf_token}; null when mlqd has no session
// route (older mlqd: no login); throws ApiError 401 when a login is needed.
export async function session() {
  try {
    const s = await call('GET', 'session', null, { noAuthHook: true });
    setCsrf(s.csrf_token);
    return s;
  } catch (e) {
    if (e instanceof ApiError && (e.status === 404 || e.status === 405)) return null;
    throw e;
  }
}

export async function login(token) {
  const s = await call('POST', 'session', null, { headers: { Authorization: 'Bearer ' + token }, noAuthHook: true });
  setCsrf(s.csrf_token);
  return s;
}

export async function logout() {
  try { await call('DELETE', 'session', null, { noAuthHook: true }); } finally { setCsrf(''); }
}

export function reportError(e) {
  if (e && e.name === 'AbortError') return;
  hooks.error(e && e.message ? e.message : String(e));
}
