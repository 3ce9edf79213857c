// Shared by the browser scenarios (tests/browser/*.mjs), run by
// tests/integration/web_browser_test.cc against a real mlqd: one headless
// Debian Chromium per node run (playwright-core, no browser download), a
// watch on every page for what must never happen (console errors, page
// errors, failed requests, CSP violations, dialogs), the login, reading the
// page's data-testid hooks (web/CONTRACT.md) and asking the JSON API itself
// for the answers to compare with.
//
// A scenario prints one JSON object on its last stdout line:
//   {"failures": [...], ...what it observed...}
// and exits 0 when `failures` is empty, 1 when not, 2 when it could not run.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';

export const CHROMIUM = process.env.MLQ_CHROMIUM || '/usr/bin/chromium';
// A step that the page should finish at once on 127.0.0.1; generous for a
// loaded 2-core machine. Not a performance bound.
export const STEP_MS = 20000;

// Records what the page must never do, before any page script runs.
function watchInit() {
  const sink = { csp: [] };
  Object.defineProperty(window, '__mlqBrowserTest', { value: sink, enumerable: false });
  document.addEventListener(
    'securitypolicyviolation',
    (e) => {
      sink.csp.push({
        directive: e.violatedDirective,
        blocked: e.blockedURI,
        source: e.sourceFile,
        line: e.lineNumber,
        sample: e.sample,
      });
    },
    true,
  );
}

export class Run {
  constructor(config) {
    this.config = config;
    this.base = config.base.endsWith('/') ? config.base : config.base + '/';
    this.out = { failures: [], notes: [], screenshots: [] };
    this.pages = [];
    // URLs whose 401 answer the scenario expects (the session probe before
    // login; a wrong token). Chromium logs each such answer as a console
    // error "Failed to load resource", which is then expected too.
    this.expected401 = [(method, url) => method === 'GET' && new URL(url).pathname === '/api/v1/session'];
    this.seen401 = new Set();
  }

  fail(what) {
    if (this.closing) return;  // the browser going away aborts what is open
    this.out.failures.push(what);
  }
  note(what) {
    this.out.notes.push(what);
  }

  async launch() {
    const args = ['--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'];
    if (process.getuid && process.getuid() === 0) args.push('--no-sandbox');
    this.browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args });
    this.out.chromium = this.browser.version();
  }

  // A fresh context (no cookies): 1280x800 unless told otherwise.
  async newPage(label, options = {}) {
    const context = await this.browser.newContext({
      viewport: { width: 1280, height: 800 },
      acceptDownloads: true,
      ...options,
    });
    await context.addInitScript(watchInit);
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_MS);
    this.watch(page, label);
    this.pages.push({ page, label });
    return page;
  }

  watch(page, label) {
    page.on('console', (msg) => {
      const text = msg.text();
      if (/Content Security Policy/i.test(text)) {
        this.fail(`${label}: CSP console message: ${text}`);
        return;
      }
      if (msg.type() !== 'error') return;
      const url = msg.location() && msg.location().url;
      if (/^Failed to load resource: the server responded with a status of 401/.test(text) && this.seen401.has(url)) {
        return;
      }
      this.fail(`${label}: console error: ${text}${url ? ' (' + url + ')' : ''}`);
    });
    page.on('pageerror', (err) => this.fail(`${label}: page error: ${err.message}`));
    page.on('dialog', async (dialog) => {
      this.fail(`${label}: a ${dialog.type()} dialog opened: ${dialog.message()}`);
      await dialog.dismiss().catch(() => {});
    });
    page.on('requestfailed', (req) => {
      const f = req.failure();
      this.fail(`${label}: request failed: ${req.method()} ${req.url()}: ${f ? f.errorText : '?'}`);
    });
    page.on('response', (res) => {
      const status = res.status();
      if (status < 400) return;
      const req = res.request();
      if (status === 401 && this.expected401.some((p) => p(req.method(), res.url()))) {
        this.seen401.add(res.url());
        return;
      }
      this.fail(`${label}: HTTP ${status} for ${req.method()} ${res.url()}`);
    });
  }

  // CSP violations the init script recorded on every page still open.
  async collectCsp() {
    for (const { page, label } of this.pages) {
      if (page.isClosed()) continue;
      const v = await page.evaluate(() => (window.__mlqBrowserTest ? window.__mlqBrowserTest.csp : null)).catch(() => null);
      if (v === null) {
        this.fail(`${label}: the CSP watch did not run before the page (no init script result)`);
        continue;
      }
      for (const e of v) this.fail(`${label}: CSP violation: ${JSON.stringify(e)}`);
    }
  }

  async shot(page, name) {
    if (!this.config.shots) return;
    fs.mkdirSync(this.config.shots, { recursive: true });
    const file = path.join(this.config.shots, name + '.png');
    await page.screenshot({ path: file });
    this.out.screenshots.push(file);
  }

  // GET /api/v1/<what>?<params> with a bearer token: the answer to compare
  // the page with.
  async api(what, params, token = this.config.tokens.reader) {
    const q = new URLSearchParams(params).toString();
    const res = await fetch(`${this.base}api/v1/${what}${q ? '?' + q : ''}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    const body = await res.json();
    if (res.status !== 200) throw new Error(`API ${what}?${q}: ${res.status} ${JSON.stringify(body)}`);
    return body;
  }

  // The login screen of a page that has none yet, then the token.
  async login(page, token, url = this.base) {
    await page.goto(url);
    await page.getByTestId('login-form').waitFor({ state: 'visible' });
    await page.getByTestId('login-token').fill(token);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('login-form').waitFor({ state: 'hidden' });
    await page.getByTestId('whoami').waitFor({ state: 'attached' });
  }

  async close() {
    try {
      await this.collectCsp();
    } catch (e) {
      this.fail(`collecting CSP violations: ${e.message}`);
    }
    this.closing = true;
    if (this.browser) await this.browser.close().catch(() => {});
  }
}

// Runs `body(run)` and prints the result; the exit code says how it went.
export async function scenario(body) {
  let config;
  try {
    config = JSON.parse(process.argv[2]);
  } catch (e) {
    console.log(JSON.stringify({ failures: [`bad config argument: ${e.message}`] }));
    process.exit(2);
  }
  const run = new Run(config);
  let code = 0;
  try {
    await run.launch();
    await body(run);
  } catch (e) {
    run.fail(`stopped: ${e && e.stack ? e.stack.split('\n').slice(0, 4).join(' | ') : String(e)}`);
  }
  await run.close();
  if (run.out.failures.length) code = 1;
  console.log(JSON.stringify(run.out));
  process.exit(code);
}

// --- reading the page ---------------------------------------------------

// Marks what is on screen now, so that a wait can tell the next answer from it.
export async function markStale(page) {
  await page.evaluate(() => {
    for (const sel of ['result-message', 'results-empty', 'error', 'verdict-card', 'message']) {
      for (const el of document.querySelectorAll(`[data-testid="${sel}"]`)) el.setAttribute('data-bt-stale', '1');
    }
  });
}

// Waits until the search shows a fresh answer: results, "no results" or an error.
export async function waitSearchAnswer(page) {
  await page.waitForFunction(
    () => {
      const fresh = (sel) => [...document.querySelectorAll(`[data-testid="${sel}"]`)].filter((e) => !e.hasAttribute('data-bt-stale'));
      const visible = (e) => !!(e.offsetWidth || e.offsetHeight || e.getClientRects().length);
      const loading = [...document.querySelectorAll('[data-testid="loading"]')].some(visible);
      if (loading) return false;
      return fresh('result-message').length > 0 || fresh('results-empty').some(visible) || fresh('error').some((e) => visible(e) && e.textContent.trim() !== '');
    },
    null,
    { timeout: STEP_MS },
  );
}

export async function errorText(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('[data-testid="error"]')]
      .filter((e) => !!(e.offsetWidth || e.offsetHeight || e.getClientRects().length))
      .map((e) => e.textContent.trim())
      .filter((t) => t)
      .join(' | '),
  );
}

export async function readResults(page) {
  return page.$$eval('[data-testid="result-message"]:not([data-bt-stale])', (els) =>
    els.map((e) => ({
      message_id: e.dataset.messageId || '',
      host: e.dataset.host || '',
      queue_id: e.dataset.queueId || '',
      verdicts: [...e.querySelectorAll('[data-testid="result-verdict"]')].map((v) => ({
        address: v.dataset.address || '',
        verdict: v.dataset.verdict || '',
      })),
      has_link: !!e.querySelector('[data-testid="open-message"]'),
    })),
  );
}

// Types `q` into the search box and submits it; the fresh answer.
export async function search(page, q) {
  await page.getByTestId('search-q').waitFor({ state: 'visible' });
  await markStale(page);
  await page.getByTestId('search-q').fill(q);
  await page.getByTestId('search-go').click();
  await waitSearchAnswer(page);
  return {
    kind: ((await page.getByTestId('search-kind').textContent()) || '').trim(),
    results: await readResults(page),
    empty: await page.getByTestId('results-empty').isVisible().catch(() => false),
    error: await errorText(page),
    url: page.url(),
  };
}

// Waits for the message view to show the trace (or say there is none).
export async function waitMessage(page) {
  await page.waitForFunction(
    () => {
      const visible = (e) => !!(e.offsetWidth || e.offsetHeight || e.getClientRects().length);
      if ([...document.querySelectorAll('[data-testid="loading"]')].some(visible)) return false;
      // The view shows at once, the trace when it has come: a verdict
      // card, its raw lines, "nothing" or an error in it.
      const m = [...document.querySelectorAll('[data-testid="message"]')].filter((e) => !e.hasAttribute('data-bt-stale'));
      const done = m.some((e) => e.querySelector('[data-testid="verdict-card"], [data-testid="raw-lines"], [data-testid="results-empty"], .error-text'));
      const err = [...document.querySelectorAll('[data-testid="error"]')].some((e) => visible(e) && e.textContent.trim());
      return done || err;
    },
    null,
    { timeout: STEP_MS },
  );
}

export async function readMessage(page) {
  // The raw lines are in a closed <details>: open it to read them as shown.
  await page.evaluate(() => {
    for (const d of document.querySelectorAll('[data-testid="raw-lines"]')) d.open = true;
  });
  return page.evaluate(() => {
    const all = (sel, root = document) => [...root.querySelectorAll(`[data-testid="${sel}"]`)];
    const text = (el) => (el ? el.textContent.trim() : null);
    return {
      present: all('message').length > 0,
      lanes: all('lane').map((e) => e.dataset.host || ''),
      hops: all('hop').map((e) => ({ host: e.dataset.host || '', queue_id: e.dataset.queueId || '', role: e.dataset.role || '' })),
      cards: all('verdict-card').map((c) => ({
        address: c.dataset.address || '',
        verdict: c.dataset.verdict || '',
        dsn: text(c.querySelector('[data-testid="verdict-dsn"]')),
        reply: text(c.querySelector('[data-testid="verdict-reply"]')),
      })),
      raw: all('raw-line').map((e) => e.textContent),
      summary: text(document.querySelector('[data-testid="message-summary"]')),
      body: document.body.innerText,
    };
  });
}

// --- the API's answers, as the page should show them ------------------------

export function stripAngles(id) {
  return (id || '').replace(/^<(.*)>$/, '$1');
}

// One trace of the API as {message_ids, hops: ["host/qid"], recipients}.
export function traceShape(t) {
  return {
    message_ids: (t.message_ids || []).map(stripAngles),
    hops: (t.hops || []).map((h) => `${h.host || ''}/${h.queue_id || ''}`),
    recipients: (t.recipients || []).map((r) => ({ address: r.address || '', verdict: r.verdict || '', dsn: r.dsn || '' })),
  };
}

// The traces of the messages the records of a find answer belong to.
export async function tracesOfRecords(run, records) {
  const seen = new Set();
  const out = [];
  for (const r of records) {
    if (!r.queue_id) continue;
    const k = `${r.host || ''}/${r.queue_id}`;
    if (seen.has(k)) continue;
    seen.add(k);
    const t = await run.api('trace', { queue_id: r.queue_id, host: r.host || '', since: '@1' });
    for (const tr of t.traces || []) {
      const s = traceShape(tr);
      if (!out.some((o) => JSON.stringify(o.hops) === JSON.stringify(s.hops))) out.push(s);
      for (const h of s.hops) seen.add(h);
    }
  }
  return out;
}

// The page's result that shows trace `t`: same Message-ID or one of its hops.
// A queue entry of the trace first: a line grouped on its own (no queue ID)
// may carry the Message-ID too.
export function findResultFor(results, t) {
  return (
    results.find((r) => r.queue_id && t.hops.includes(`${r.host}/${r.queue_id}`)) ||
    results.find((r) => r.message_id && t.message_ids.includes(stripAngles(r.message_id)))
  );
}

export function sortedPairs(list) {
  return list.map((v) => `${v.address} ${v.verdict}`).sort();
}
