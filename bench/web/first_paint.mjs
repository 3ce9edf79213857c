// Measures a message page of mlqd's web UI in Debian's Chromium (run by
// first_paint.sh): RUNS times, each in a fresh browser context (empty cache,
// no cookies), the #/message permalink of one of the loadgen's keys, from
// navigation start to first-contentful-paint and to every verdict card of
// the message in the DOM (a MutationObserver installed by an init script,
// before the page's own scripts). Prints a table with median and p90.
//   node first_paint.mjs BASE_URL KEYS_TSV RUNS LINES
import fs from 'node:fs';
import { chromium } from '../../tests/browser/node_modules/playwright-core/index.mjs';

const [base, keysFile, runsArg, linesArg] = process.argv.slice(2);
const runs = Number(runsArg || 15);
const keys = fs.readFileSync(keysFile, 'utf8').split('\n').filter(Boolean).map((l) => l.split('\t'));
if (!keys.length) throw new Error('no keys in ' + keysFile);

// How many verdict cards each message has: the API's trace, asked once.
async function expectedCards(mid) {
  const res = await fetch(`${base}api/v1/trace?message_id=${encodeURIComponent(mid)}`);
  const body = await res.json();
  if (res.status !== 200) throw new Error(`trace ${mid}: ${res.status} ${JSON.stringify(body)}`);
  return (body.traces || []).reduce((n, t) => n + (t.recipients || []).length, 0);
}

function watch(want) {
  window.__fp = { cards: null, fcp: null };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (e.name === 'first-contentful-paint') window.__fp.fcp = e.startTime;
  }).observe({ type: 'paint', buffered: true });
  const check = () => {
    if (window.__fp.cards === null && document.querySelectorAll('[data-testid="verdict-card"]').length >= want) {
      window.__fp.cards = performance.now();
      obs.disconnect();
    }
  };
  const obs = new MutationObserver(check);
  obs.observe(document, { childList: true, subtree: true });
}

function quantile(sorted, q) {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

const args = ['--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'];
if (process.getuid && process.getuid() === 0) args.push('--no-sandbox');
const browser = await chromium.launch({ executablePath: process.env.MLQ_CHROMIUM || '/usr/bin/chromium', headless: true, args });
const version = browser.version();
const fcp = [];
const cards = [];
const rows = [];
for (let i = 0; i < runs; i++) {
  const [mid] = keys[i % keys.length];
  const want = await expectedCards(mid);
  if (want < 1) throw new Error(`message ${mid} has no recipient in the API's trace`);
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addInitScript(watch, want);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    // An mlqd without the session route answers the page's probe with 404.
    const probe = /\/api\/v1\/session$/.test((m.location() || {}).url || '');
    if (m.type() === 'error' && !probe) errors.push(m.text());
  });
  await page.goto(`${base}#/message?message_id=${encodeURIComponent(mid)}`);
  await page.waitForFunction(() => window.__fp.cards !== null && window.__fp.fcp !== null, null, { timeout: 60000 });
  const r = await page.evaluate(() => window.__fp);
  if (errors.length) throw new Error(`page errors for ${mid}: ${errors.join(' | ')}`);
  fcp.push(r.fcp);
  cards.push(r.cards);
  rows.push([i + 1, want, r.fcp.toFixed(0), r.cards.toFixed(0), mid]);
  await context.close();
}
await browser.close();

const s = (a) => [...a].sort((x, y) => x - y);
const f = s(fcp);
const c = s(cards);
console.log(`# ${runs} loads of a message page, store of ${linesArg} lines, Chromium ${version}`);
console.log('run\tcards\tfcp_ms\tcards_ms\tmessage_id');
for (const r of rows) console.log(r.join('\t'));
console.log('');
console.log('| from navigation start to | median (ms) | p90 (ms) |');
console.log('|---|---|---|');
console.log(`| first-contentful-paint | ${quantile(f, 0.5).toFixed(0)} | ${quantile(f, 0.9).toFixed(0)} |`);
console.log(`| every verdict card rendered | ${quantile(c, 0.5).toFixed(0)} | ${quantile(c, 0.9).toFixed(0)} |`);
