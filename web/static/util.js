// Small DOM, time and export helpers. Log text is attacker-controlled: it
// only ever reaches the page through textContent / createTextNode /
// setAttribute of the safe attributes listed below.

const SAFE_ATTRS = new Set([
  'class', 'id', 'type', 'name', 'value', 'placeholder', 'title', 'for', 'role', 'tabindex',
  'autocomplete', 'spellcheck', 'inputmode', 'list', 'min', 'max', 'step', 'open', 'hidden',
  'disabled', 'checked', 'selected', 'readonly', 'required', 'maxlength', 'datetime', 'download', 'lang', 'dir',
  'viewBox', 'width', 'height', 'x', 'y', 'x1', 'x2', 'y1', 'y2', 'd', 'fill', 'stroke',
  'stroke-width', 'rx', 'text-anchor', 'dominant-baseline', 'preserveAspectRatio', 'focusable',
  'points', 'cx', 'cy', 'r', 'transform', 'xmlns', 'scope', 'colspan', 'rows',
  'marker-end', 'refX', 'refY', 'markerWidth', 'markerHeight', 'orient',
]);

function setAttr(node, k, v) {
  if (v === undefined || v === null || v === false) return;
  if (k === 'text') { node.textContent = String(v); return; }
  if (k === 'testid') { node.setAttribute('data-testid', String(v)); return; }
  if (k === 'href') {
    // Only routes built by this page: "#/route?params".
    const s = String(v);
    if (!s.startsWith('#/')) throw new Error('refusing href ' + s);
    node.setAttribute('href', s);
    return;
  }
  if (k.startsWith('data-') || k.startsWith('aria-') || SAFE_ATTRS.has(k)) {
    node.setAttribute(k, v === true ? '' : String(v));
    return;
  }
  throw new Error('refusing attribute ' + k);
}

function append(node, kids) {
  for (const kid of kids) {
    if (kid === undefined || kid === null || kid === false) continue;
    if (Array.isArray(kid)) append(node, kid);
    else if (kid instanceof Node) node.appendChild(kid);
    else node.appendChild(document.createTextNode(String(kid)));
  }
}

// Appends children, skipping null / false (unlike Element.append).
export function add(node, ...kids) { append(node, kids); return node; }

// h('div', {class: 'x', testid: 'y'}, 'text', child, ...)
export function h(tag, attrs, ...kids) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) setAttr(node, k, v);
  append(node, kids);
  return node;
}

const SVGNS = 'http://www.w3.org/2000/svg';
export function s(tag, attrs, ...kids) {
  const node = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) setAttr(node, k, v);
  append(node, kids);
  return node;
}

// "#/route?k=v&..." leaving out empty values.
export function route(name, params) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  }
  const q = p.toString();
  return '#/' + name + (q ? '?' + q : '');
}

// ---- time -----------------------------------------------------------------

const TZ_KEY = 'mlq.tz';
export const localZone = (() => {
  try { return Intl.DateTimeFormat().resolvedOptions().timeZone || 'local'; } catch { return 'local'; }
})();
let utc = false;
try { utc = localStorage.getItem(TZ_KEY) === 'utc'; } catch { /* storage off */ }
export function isUtc() { return utc; }
export function setUtc(v) {
  utc = !!v;
  try { localStorage.setItem(TZ_KEY, utc ? 'utc' : 'local'); } catch { /* storage off */ }
  fmtCache = null;
}
export function zoneName() { return utc ? 'UTC' : localZone; }
export function zoneLabel() { return utc ? 'UTC' : 'Local (' + localZone + ')'; }

let fmtCache = null;
function formatter() {
  if (!fmtCache) {
    const o = { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit',
      minute: '2-digit', second: '2-digit', hourCycle: 'h23' };
    if (utc) o.timeZone = 'UTC';
    fmtCache = new Intl.DateTimeFormat('en-CA', o);
  }
  return fmtCache;
}

// µs since the epoch (number or int64 string) -> Date; null when unknown.
export function usDate(us) {
  if (us === undefined || us === null || us === '' || us === '0' || us === 0) return null;
  const n = Number(us);
  if (!Number.isFinite(n) || n <= 0) return null;
  return new Date(n / 1000);
}

// "2026-12-07 04:21:16" in the chosen zone.
export function fmtTime(us) {
  const d = usDate(us);
  if (!d) return '';
  const p = {};
  for (const part of formatter().formatToParts(d)) p[part.type] = part.value;
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

// A <time> element that follows the zone switch (re-rendered on switch).
export function timeEl(us, extra) {
  const d = usDate(us);
  if (!d) return h('span', { class: 'time muted' }, '—');
  return h('time', { class: 'time', datetime: d.toISOString(), 'data-us': String(us), ...extra },
    fmtTime(us));
}

// Re-render every <time data-us> in `root` (after the zone switch).
export function refreshTimes(root) {
  for (const t of root.querySelectorAll('time[data-us]')) t.textContent = fmtTime(t.getAttribute('data-us'));
}

export function isoUtc(us) {
  const d = usDate(us);
  return d ? d.toISOString() : '';
}

export function fmtDuration(us) {
  let sec = Math.max(0, Math.round(Number(us) / 1e6));
  if (!Number.isFinite(sec)) return '';
  const d = Math.floor(sec / 86400); sec -= d * 86400;
  const hh = Math.floor(sec / 3600); sec -= hh * 3600;
  const m = Math.floor(sec / 60); sec -= m * 60;
  if (d) return `${d}d ${hh}h`;
  if (hh) return `${hh}h ${m}m`;
  if (m) return `${m}m ${sec}s`;
  return `${sec}s`;
}

// ---- verdicts -------------------------------------------------------------

// The words of RecipientVerdict.verdict, and a find record's status mapped
// onto them.
export const VERDICTS = ['delivered', 'deferred', 'bounced', 'rejected', 'quarantined', 'expired', 'queued', 'unknown'];
const STATUS_TO_VERDICT = {
  sent: 'delivered', delivered: 'delivered', deliverable: 'delivered', deferred: 'deferred',
  bounced: 'bounced', reject: 'rejected', rejected: 'rejected', expired: 'expired',
  quarantined: 'quarantined', discard: 'quarantined', hold: 'quarantined', blocked: 'quarantined',
};
// Only the API's verdict words ever reach data-verdict: other statuses
// ("filter", "hold" without a mapping, ...) are "unknown".
export function verdictOfStatus(st) { return STATUS_TO_VERDICT[st] || 'unknown'; }
export const VERDICT_TO_STATUS = { delivered: 'sent', rejected: 'reject', deferred: 'deferred',
  bounced: 'bounced', expired: 'expired' };

export function pill(verdict, attrs) {
  const v = verdict || 'unknown';
  const cls = VERDICTS.includes(v) ? v : 'unknown';
  const icon = { delivered: '✓', deferred: '↻', bounced: '✗', rejected: '⊘', quarantined: '⚠',
    expired: '✗', queued: '…' }[cls] || '?';
  return h('span', { class: 'pill v-' + cls, ...attrs }, h('span', { 'aria-hidden': 'true' }, icon + ' '), v);
}

// ---- export ---------------------------------------------------------------

// RFC 4180 cell, with spreadsheet formula injection defused.
export function csvCell(v) {
  let x = v === undefined || v === null ? '' : String(v);
  if (/^[=+\-@\t\r]/.test(x)) x = "'" + x;
  if (/[",\r\n]/.test(x)) x = '"' + x.replace(/"/g, '""') + '"';
  return x;
}

export function download(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.setAttribute('download', name);
  a.href = url; // blob: URL made here, never from data
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

export function debounce(fn, ms) {
  let t = 0;
  return (...a) => { clearTimeout(t); t = setTimeout(() => fn(...a), ms); };
}
