// Search screen: one box, recognised as address / domain / queue ID /
// message-id / IP / text; results grouped by message with a verdict per
// recipient; CSV / NDJSON export of exactly what is shown; Find pages.
import { h, add, route, timeEl, isoUtc, pill, csvCell, download, VERDICTS, VERDICT_TO_STATUS, verdictOfStatus } from './util.js';
import { get, Runner, reportError } from './api.js';

const runner = new Runner();
let ui = null;            // the form's elements while the screen is shown
let shown = [];           // messages shown (for export)
const prevPage = new Map(); // page token -> the page token before it (this session)
const prevAfter = new Map(); // address page cursor -> the cursor before it (this session)

// ---- what the box holds -----------------------------------------------------

const RE_IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const RE_IPV6 = /^[0-9a-f:]*:[0-9a-f:]*:[0-9a-f:.]*$/i;
const RE_ADDR = /^[^\s@<>]+@[^\s@<>]+$/;
const RE_DOMAIN = /^(?=.{3,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}\.?$/i;
const RE_QID_SHORT = /^[0-9A-F]{6,12}$/;                     // Postfix short
const RE_QID_LONG = /^(?=.*\d)(?=.*[A-Z])(?=.*[a-z])[0-9A-Za-z]{10,20}$/; // Postfix long
const RE_QID_EXIM = /^[0-9A-Za-z]{6}-[0-9A-Za-z]{6,11}-[0-9A-Za-z]{2,4}$/;   // Exim

function isIpv6(v) {
  if (!RE_IPV6.test(v)) return false;
  const parts = v.split(':');
  if (parts.some((x) => x.length > 4 && !x.includes('.'))) return false;
  const v4 = parts[parts.length - 1].includes('.');
  if (v4 && !RE_IPV4.test(parts[parts.length - 1])) return false;
  return v.includes('::') ? parts.length <= 8 : parts.length === (v4 ? 7 : 8);
}

export function classify(q) {
  const v = (q || '').trim();
  if (!v) return 'text';
  if (/^<[^<>\s]+>$/.test(v)) return 'message-id';
  if (RE_IPV4.test(v) || isIpv6(v)) return 'IP';
  if (RE_ADDR.test(v)) return 'address';
  if (RE_QID_EXIM.test(v) || RE_QID_SHORT.test(v) || RE_QID_LONG.test(v)) return 'queue ID';
  if (RE_DOMAIN.test(v)) return 'domain';
  return 'text';
}

const KIND_HELP = {
  'address': 'mail from or to this address (and a Message-ID of that form)',
  'domain': 'lines naming this domain, grouped by message',
  'queue ID': 'the message with this queue ID',
  'message-id': 'the message with this Message-ID',
  'IP': 'lines from this client IP, grouped by message',
  'text': 'lines containing this text, grouped by message',
};

// ---- the form -----------------------------------------------------------------

const PRESETS = [['1h', '1h'], ['24h', '24h'], ['7d', '7d'], ['30d', '30d'], ['all', '']];

function field(label, id, input) {
  return h('div', { class: 'field' }, h('label', { for: id }, label), input);
}

function buildForm() {
  const q = h('input', { type: 'search', id: 'search-q', testid: 'search-q', name: 'q',
    placeholder: 'address, domain, queue ID, <message-id>, IP or text  ( / )', autocomplete: 'off',
    spellcheck: 'false', 'aria-describedby': 'search-kind' });
  const kind = h('span', { id: 'search-kind', testid: 'search-kind', class: 'kind', 'aria-live': 'polite' }, 'text');
  const kindHelp = h('span', { class: 'muted small' });
  const since = h('input', { type: 'text', id: 'search-since', testid: 'search-since', name: 'since',
    placeholder: 'e.g. 24h', title: 'How far back: 2h, 7d, a date or a date and time (UTC unless a zone is given)', autocomplete: 'off', spellcheck: 'false' });
  const until = h('input', { type: 'text', id: 'search-until', testid: 'search-until', name: 'until',
    placeholder: 'now', autocomplete: 'off', spellcheck: 'false' });
  const host = h('input', { type: 'text', id: 'filter-host', testid: 'filter-host', name: 'host',
    placeholder: 'any host', autocomplete: 'off', spellcheck: 'false', list: 'host-list' });
  const hostList = h('datalist', { id: 'host-list' });
  const status = h('select', { id: 'filter-status', testid: 'filter-status', name: 'status' },
    h('option', { value: '' }, 'any'), VERDICTS.filter((v) => v !== 'unknown').map((v) => h('option', { value: v }, v)));
  const direction = h('select', { id: 'filter-direction', testid: 'filter-direction', name: 'direction' },
    h('option', { value: '' }, 'both'), h('option', { value: 'in' }, 'in (received)'), h('option', { value: 'out' }, 'out (sent)'));
  const go = h('button', { type: 'submit', testid: 'search-go', class: 'primary' }, 'Search');
  const presets = h('div', { class: 'presets', role: 'group', 'aria-label': 'Time range presets' },
    PRESETS.map(([label, val]) => {
      const b = h('button', { type: 'button', class: 'chip', 'data-since': val }, label);
      b.addEventListener('click', () => { since.value = val; until.value = ''; submit(); });
      return b;
    }));
  const form = h('form', { class: 'search-form card', role: 'search' },
    h('div', { class: 'qrow' },
      h('label', { for: 'search-q', class: 'sr-only' }, 'Search'), q, go),
    h('div', { class: 'kindrow' }, 'Recognised as ', kind, ' ', kindHelp),
    h('div', { class: 'filters' },
      field('Since', 'search-since', since), field('Until', 'search-until', until), presets,
      field('Host', 'filter-host', host), hostList, field('Status', 'filter-status', status),
      field('Direction', 'filter-direction', direction)));
  const paintKind = () => {
    const k = classify(q.value);
    kind.textContent = k;
    kindHelp.textContent = q.value.trim() ? '— ' + KIND_HELP[k] : '— type what the ticket gives you';
  };
  q.addEventListener('input', paintKind);
  function submit() {
    const p = { q: q.value.trim(), since: since.value.trim(), until: until.value.trim(),
      host: host.value.trim(), status: status.value, direction: direction.value };
    const target = route('search', p);
    if (location.hash === target) show(ui.view, new URLSearchParams(target.slice(target.indexOf('?') + 1)), { same: true, force: true });
    else location.hash = target;
  }
  form.addEventListener('submit', (ev) => { ev.preventDefault(); submit(); });
  for (const sel of [status, direction]) sel.addEventListener('change', submit);
  const results = h('section', { testid: 'results', class: 'results', 'aria-live': 'polite' });
  const bar = h('div', { class: 'resultbar' });
  const chips = h('div', { class: 'chips', 'aria-label': 'Filters in force' });
  form.appendChild(chips);
  return { chips, form, q, kind, since, until, host, hostList, status, direction, results, bar, paintKind, presets };
}

// ---- queries ------------------------------------------------------------------

function traceToMessage(t) {
  const hops = t.hops || [];
  const first = hops[0] || {};
  const rcpts = (t.recipients || []).map((r) => ({
    address: r.address || '', verdict: r.verdict || 'unknown', dsn: r.dsn || '', reply: r.reply || '',
    time_us: r.time_us || '', host: r.host || '', queue_id: r.queue_id || '', notice: r.notice || '',
  }));
  const hosts = [];
  for (const hp of hops) if (hp.host && !hosts.includes(hp.host)) hosts.push(hp.host);
  for (const r of rcpts) if (!hops.length && r.host && !hosts.includes(r.host)) hosts.push(r.host);
  const other = t.other_lines || [];
  let from = first.from || '';
  if (!from) for (const l of other) if (l.from) { from = l.from; break; }
  const time = first.time_us || (rcpts[0] && rcpts[0].time_us) || (other[0] && other[0].timestamp_us) || '';
  const mid = (t.message_ids || [])[0] || '';
  const m = { message_id: mid, host: first.host || (rcpts[0] && rcpts[0].host) || '', queue_id: first.queue_id || '',
    time_us: time, from, hosts, recipients: rcpts, summary: t.summary || '' };
  m.link = hops.length ? hopLink(first) : messageLink(m, rcpts);
  m.key = mid + '|' + m.host + '/' + m.queue_id + '|' + (hops.length ? '' : time + rcpts.map((r) => r.address).join(','));
  return m;
}

// The exact queue entry (a short Postfix queue ID is reused in time): its
// host, queue ID and the seconds its lines span.
function hopLink(hp) {
  const a = Math.floor(Number(hp.time_us) / 1e6);
  const b = Math.ceil(Number(hp.last_us || hp.time_us) / 1e6) + 1;
  return route('message', { queue_id: hp.queue_id, host: hp.host, since: a > 0 ? '@' + a : '', until: a > 0 ? '@' + b : '' });
}

function messageLink(m, rcpts) {
  if (m.message_id) return route('message', { message_id: m.message_id });
  if (m.queue_id) return route('message', { queue_id: m.queue_id, host: m.host });
  // Rejected before queueing: no queue ID, no Message-ID; the recipient and
  // the second it happened.
  const sec = Math.floor(Number(m.time_us) / 1e6);
  const to = rcpts && rcpts[0] ? rcpts[0].address : '';
  if (to && sec > 0) return route('message', { to, from: m.from, since: '@' + sec, until: '@' + (sec + 1) });
  if (m.from && sec > 0) return route('message', { from: m.from, since: '@' + sec, until: '@' + (sec + 1) });
  return '';
}

// ---- pages of an address lookup ------------------------------------------------
//
// Trace by address walks the address's lines OLDEST first within
// [since, until) (since inclusive, until exclusive, µs) and stops after
// `limit` messages; each message is reached by its "anchor": its first
// line in the range naming the address (to / orig_to, or from), in the
// store's order (time, then record key). So a full lookup holds the oldest
// messages of the range, and the next page is LATER, not older: it asks
// `since_us` = the last anchor (inclusive) and drops every message whose
// anchor is at or before that cursor (time, key). A cursor of the time
// alone would lose messages whose lines share its microsecond (syslog
// stamps often have whole seconds) or show them twice; with the key too,
// none is skipped and none is shown on two pages. The cursor is the URL's
// `after=<µs>.<key>`. With both to= and from= full, a page ends at the
// smaller of their last anchors and shows only messages up to it.
const TRACE_LIMIT = 50;
const RE_AFTER = /^(\d{1,17})\.([0-9a-f]*)$/;

function parseAfter(v) {
  const m = RE_AFTER.exec(v || '');
  return m ? { us: Number(m[1]), key: m[2] } : null;
}
function cmpPos(a, b) {
  return a.us - b.us || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

// The lower bound of the range as µs, in the forms of `mlq --since`
// (cli/timespec.h; dates without a zone are UTC, as the JSON API reads
// them): 0 for none, null when the page cannot tell (then it does not page:
// a cursor from anchors before `since` would reach back past it).
export function sinceUs(v, nowMs) {
  const x = (v || '').trim();
  if (!x) return 0;
  const now = (nowMs || Date.now()) * 1000;
  if (x === 'now') return now;
  let m = /^@(\d+)(\.\d{1,6})?\d*$/.exec(x);
  if (m) return Number(m[1]) * 1e6 + Math.floor(Number(m[2] || 0) * 1e6);
  if (/^(\d+[smhdw])+$/.test(x)) {
    let back = 0;
    for (const [, k, u] of x.matchAll(/(\d+)([smhdw])/g)) back += Number(k) * { s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[u];
    return now - back * 1e6;
  }
  m = /^(\d{4}-\d\d-\d\d)(?:[ T](\d\d:\d\d(?::\d\d(?:\.\d+)?)?))?(Z|[+-]\d\d(?::?\d\d)?)?$/.exec(x);
  if (!m) return null;
  let zone = m[3] || 'Z';
  if (/^[+-]\d\d$/.test(zone)) zone += ':00';
  else if (/^[+-]\d{4}$/.test(zone)) zone = zone.slice(0, 3) + ':' + zone.slice(3);
  const t = Date.parse(m[1] + 'T' + (m[2] || '00:00') + zone);
  return Number.isFinite(t) ? t * 1000 + (m[2] && m[2].includes('.') ? Number((m[2].split('.')[1] + '000000').slice(3, 6)) : 0) : null;
}

// The first line of trace `t` naming `addr` the way the lookup `field`
// (to / from) does, at or after `lo` µs: {us, key}, or null.
function anchorOf(t, field, addr, lo) {
  const a = addr.toLowerCase();
  let best = null;
  const lines = [];
  for (const hp of t.hops || []) for (const l of hp.lines || []) lines.push(l);
  for (const l of t.other_lines || []) lines.push(l);
  for (const l of lines) {
    const hit = field === 'from' ? (l.from || '').toLowerCase() === a
      : (l.to || []).some((x) => x.toLowerCase() === a) || (l.orig_to || '').toLowerCase() === a;
    if (!hit) continue;
    const pos = { us: Number(l.timestamp_us || 0), key: l.key || '' };
    if (pos.us < lo) continue;
    if (!best || cmpPos(pos, best) < 0) best = pos;
  }
  return best;
}

async function traces(p, kind, signal) {
  const lo = sinceUs(p.since); // before asking: "2h" then means what mlqd took
  const after = kind === 'address' && lo !== null ? parseAfter(p.after) : null;
  const base = { since: p.since, until: p.until, limit: TRACE_LIMIT };
  if (after) { delete base.since; base.since_us = String(after.us); }
  const reqs = [];
  if (kind === 'address') {
    if (p.direction !== 'out') reqs.push({ ...base, to: p.q, field: 'to' });
    if (p.direction !== 'in') reqs.push({ ...base, from: p.q, field: 'from' });
    // A Message-ID ignores the time range: asked on the first page only.
    if (!after) reqs.push({ message_id: p.q, limit: TRACE_LIMIT, optional: true });
  } else if (kind === 'message-id') {
    reqs.push({ ...base, message_id: p.q });
  } else {
    reqs.push({ ...base, queue_id: p.q, host: p.host });
  }
  const answers = await Promise.allSettled(reqs.map((r) => {
    const { optional, field, ...params } = r;
    return get('trace', params, { signal });
  }));
  const byKey = new Map();
  const out = [];
  let failed = null;
  let full = false;      // a lookup that cannot page (queue ID, Message-ID) hit its limit
  let cursor = null;     // where the next page starts (address lookups)
  answers.forEach((a, i) => {
    const rq = reqs[i];
    if (a.status === 'rejected') { if (!rq.optional) failed = failed || a.reason; return; }
    const ts = a.value.traces || [];
    const isFull = !rq.optional && ts.length >= TRACE_LIMIT;
    let last = null;
    for (const t of ts) {
      const m = traceToMessage(t);
      const anc = rq.field ? anchorOf(t, rq.field, p.q, lo || 0) : null;
      // The server's own anchor: from the since it was asked.
      const own = rq.field && after ? anchorOf(t, rq.field, p.q, after.us) : anc;
      if (own && (!last || cmpPos(own, last) > 0)) last = own;
      const had = byKey.get(m.key);
      if (had) {
        if (anc && (!had.anchor || cmpPos(anc, had.anchor) < 0)) had.anchor = anc;
        continue;
      }
      m.anchor = anc;
      byKey.set(m.key, m);
      out.push(m);
    }
    if (isFull && rq.field && last && lo !== null) { if (!cursor || cmpPos(last, cursor) < 0) cursor = last; }
    else if (isFull) full = true;
  });
  if (failed && !out.length) throw failed;
  // 50 messages in one microsecond, all before the cursor's key: no way on.
  if (cursor && after && cmpPos(cursor, after) <= 0) { cursor = null; full = true; }
  let list = out;
  // Shown on an earlier page / left for the next one.
  if (after) list = list.filter((m) => !m.anchor || cmpPos(m.anchor, after) > 0);
  if (cursor) list = list.filter((m) => !m.anchor || cmpPos(m.anchor, cursor) <= 0);
  if (p.host) list = list.filter((m) => m.hosts.includes(p.host));
  if (p.status) list = list.filter((m) => m.recipients.some((r) => r.verdict === p.status));
  const NONE = { us: 0, key: '' };
  list.sort((a, b) => Number(b.time_us) - Number(a.time_us) || cmpPos(b.anchor || NONE, a.anchor || NONE));
  const notes = [];
  if (cursor) notes.push('The lookup finds the earliest messages of the range first: later ones are on the next page.');
  if (full) notes.push('Only the first ' + TRACE_LIMIT + ' messages of a lookup are shown: narrow the time range.');
  return { messages: list, note: notes.join(' '),
    after: cursor ? cursor.us + '.' + cursor.key : '' };
}

// Lines tell only part of a story (a relay's "sent" is not a delivery):
// each message with a queue ID is traced, so it shows with every hop over
// every host and its final verdicts; hops of one message collapse into one.
const MAX_TRACED = 60;
async function traced(list, signal) {
  const todo = list.filter((m) => m.queue_id).slice(0, MAX_TRACED);
  const byGroup = new Map();
  let next = 0;
  const worker = async () => {
    while (next < todo.length && !signal.aborted) {
      const m = todo[next++];
      let res;
      try {
        res = await get('trace', { queue_id: m.queue_id, host: m.host }, { signal });
      } catch (e) {
        if (e.name === 'AbortError') throw e;
        continue; // keep what the lines say
      }
      // A queue ID may be reused: the entry whose time holds the line.
      let best = null, bestDist = Infinity;
      for (const tr of res.traces || []) {
        for (const hp of tr.hops || []) {
          if (hp.host !== m.host || hp.queue_id !== m.queue_id) continue;
          const a = Number(hp.time_us), b = Number(hp.last_us || hp.time_us);
          const d = m.at < a ? a - m.at : (m.at > b ? m.at - b : 0);
          if (d < bestDist) { best = tr; bestDist = d; }
        }
      }
      if (best) {
        const tm = traceToMessage(best);
        tm.matched = m.matched;
        byGroup.set(m, tm);
      }
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  if (signal.aborted) throw new DOMException('aborted', 'AbortError');
  const out = [];
  const seen = new Set();
  for (const m of list) {
    const t = byGroup.get(m);
    if (!t) { out.push(m); continue; }
    if (seen.has(t.key)) {
      const had = out.find((x) => x.key === t.key);
      if (had && m.matched) had.matched = (had.matched || []).concat(m.matched).slice(0, 3);
      continue;
    }
    seen.add(t.key);
    out.push(t);
  }
  out.sort((a, b) => Number(b.time_us) - Number(a.time_us));
  return out;
}

async function found(p, kind, signal) {
  const params = { since: p.since, until: p.until, host: p.host, limit: 300, newest_first: true,
    page_token: p.page };
  if (kind === 'IP') params.client_ip = p.q;
  else if (p.q) params.text = p.q;
  if (p.status) params.status = VERDICT_TO_STATUS[p.status] || p.status;
  const res = await get('find', params, { signal });
  const recs = res.records || [];
  const groups = new Map();
  const loose = [];
  for (const r of recs) {
    let key;
    if (r.queue_id) key = (r.host || '') + '/' + r.queue_id;
    else if (verdictOfStatus(r.status) === 'rejected' || r.event === 'reject') key = 'line:' + r.key;
    else { loose.push(r); continue; }
    let g = groups.get(key);
    if (!g) {
      g = { message_id: '', host: r.host || '', queue_id: r.queue_id || '', time_us: r.timestamp_us || '',
        from: '', hosts: r.host ? [r.host] : [], rcpts: new Map(), lines: 0, last: null, direction: '' };
      groups.set(key, g);
    }
    g.lines++;
    if (Number(r.timestamp_us) < Number(g.time_us) || !g.time_us) g.time_us = r.timestamp_us;
    if (r.message_id && !g.message_id) g.message_id = r.message_id;
    if (r.from && !g.from) g.from = r.from;
    if (!g.last || Number(r.timestamp_us) > Number(g.last.timestamp_us)) g.last = r;
    if (r.status) {
      for (const to of r.to || []) {
        const old = g.rcpts.get(to);
        if (!old || Number(r.timestamp_us) >= Number(old.time_us)) {
          g.rcpts.set(to, { address: to, verdict: verdictOfStatus(r.status), dsn: r.dsn || '',
            reply: r.reply || '', time_us: r.timestamp_us || '', host: r.host || '', queue_id: r.queue_id || '' });
        }
      }
    }
  }
  let list = [];
  for (const g of groups.values()) {
    const rcpts = [...g.rcpts.values()];
    const m = { message_id: g.message_id, host: g.host, queue_id: g.queue_id, time_us: g.time_us,
      from: g.from, hosts: g.hosts, recipients: rcpts,
      summary: g.lines + (g.lines === 1 ? ' matching line' : ' matching lines') + (g.queue_id ? ' (not traced)' : '') };
    m.link = messageLink(m, rcpts);
    m.fromUnknown = !g.from;
    m.matched = g.last ? [g.last.raw || g.last.message || ''] : [];
    m.at = g.last ? Number(g.last.timestamp_us) : Number(g.time_us);
    list.push(m);
  }
  list = await traced(list, signal);
  if (p.status) list = list.filter((m) => m.recipients.some((r) => r.verdict === p.status));
  if (kind === 'domain' && p.direction) {
    const dom = '@' + p.q.toLowerCase();
    list = list.filter((m) => p.direction === 'out'
      ? m.from.toLowerCase().endsWith(dom)
      : m.recipients.some((r) => r.address.toLowerCase().endsWith(dom)));
  }
  return { messages: list, next: res.next_page_token || '', loose, truncated: !!res.truncated };
}

// ---- rendering ------------------------------------------------------------------

function renderMessage(m) {
  const card = h('article', { testid: 'result-message', class: 'result card',
    'data-message-id': m.message_id, 'data-host': m.host, 'data-queue-id': m.queue_id });
  const title = m.link
    ? h('a', { testid: 'open-message', href: m.link, class: 'open' }, m.message_id ? '<' + m.message_id + '>' : (m.queue_id ? m.host + ' / ' + m.queue_id : 'rejected before queueing'))
    : h('span', {}, m.queue_id || '—');
  add(card, 
    h('div', { class: 'rhead' }, timeEl(m.time_us), ' ', title),
    h('dl', { class: 'kv' },
      h('dt', {}, 'From'), h('dd', {}, m.from || (m.fromUnknown ? '—' : '<>')),
      h('dt', {}, 'Hosts'), h('dd', {}, m.hosts.join(' → ') || '—'),
      m.queue_id ? [h('dt', {}, 'Queue ID'), h('dd', { class: 'mono' }, m.queue_id)] : null),
    h('ul', { class: 'verdicts' }, m.recipients.length
      ? m.recipients.map((r) => h('li', { testid: 'result-verdict', 'data-address': r.address, 'data-verdict': r.verdict },
        pill(r.verdict), ' ', h('span', { class: 'addr' }, r.address || '(no address)'),
        r.notice ? h('span', { class: 'muted small' }, ' (' + r.notice + ')') : null,
        r.dsn ? h('span', { class: 'muted small mono' }, ' ' + r.dsn) : null))
      : h('li', { class: 'muted small' }, 'no recipient outcome in these lines')),
    m.summary ? h('p', { class: 'summary' }, m.summary) : null,
    m.matched && m.matched.length ? h('div', { class: 'matched' }, h('span', { class: 'muted small' }, 'Matching line' + (m.matched.length > 1 ? 's' : '') + ':'),
      m.matched.map((x) => h('div', { class: 'line' }, x))) : null);
  return card;
}

function exportRows() {
  const rows = [];
  for (const m of shown) {
    const base = { time: isoUtc(m.time_us), host: m.host, queue_id: m.queue_id, message_id: m.message_id, from: m.from };
    if (!m.recipients.length) rows.push({ ...base, to: '', verdict: '', dsn: '', reply: '' });
    for (const r of m.recipients) {
      rows.push({ ...base, time: isoUtc(r.time_us || m.time_us), to: r.address, verdict: r.verdict, dsn: r.dsn, reply: r.reply });
    }
  }
  return rows;
}
const COLS = ['time', 'host', 'queue_id', 'message_id', 'from', 'to', 'verdict', 'dsn', 'reply'];
function exportCsv() {
  const lines = [COLS.join(',')];
  for (const r of exportRows()) lines.push(COLS.map((c) => csvCell(r[c])).join(','));
  download('mlq-search.csv', lines.join('\r\n') + '\r\n', 'text/csv;charset=utf-8');
}
function exportNdjson() {
  const out = exportRows().map((r) => JSON.stringify(r)).join('\n');
  download('mlq-search.ndjson', out ? out + '\n' : '', 'application/x-ndjson');
}

// ---- the screen -------------------------------------------------------------------

function readParams(params) {
  const p = {};
  for (const k of ['q', 'since', 'until', 'host', 'status', 'direction', 'page', 'after']) p[k] = (params.get(k) || '').trim();
  return p;
}

export function show(view, params, ctx) {
  if (!ui || !ctx.same || !view.contains(ui.form)) {
    ui = buildForm();
    ui.view = view;
    view.replaceChildren(h('h1', { class: 'sr-only' }, 'Search'), ui.form, ui.bar, ui.results);
  }
  const p = readParams(params);
  ui.q.value = p.q; ui.since.value = p.since; ui.until.value = p.until; ui.host.value = p.host;
  ui.status.value = VERDICTS.includes(p.status) ? p.status : '';
  ui.direction.value = p.direction === 'in' || p.direction === 'out' ? p.direction : '';
  for (const b of ui.presets.children) b.setAttribute('aria-pressed', b.getAttribute('data-since') === p.since && !p.until ? 'true' : 'false');
  ui.paintKind();
  paintChips(p);
  if (!ctx.same) ui.q.focus();
  run(p);
}

// The filters in force, each as a chip whose button drops it.
function paintChips(p) {
  const chips = [];
  const labels = { since: 'since', until: 'until', host: 'host', status: 'status', direction: 'direction' };
  for (const k of Object.keys(labels)) {
    if (!p[k]) continue;
    const b = h('a', { class: 'chip button', href: route('search', { ...p, [k]: '', page: '', after: '' }), 'aria-label': 'Remove filter ' + labels[k] + ' ' + p[k] },
      labels[k] + ': ' + p[k] + ' ', h('span', { 'aria-hidden': 'true' }, '×'));
    chips.push(b);
  }
  ui.chips.replaceChildren(...(chips.length ? [h('span', { class: 'muted small' }, 'Filters: '), ...chips] : []));
}

async function run(p) {
  const signal = runner.next();
  const kind = classify(p.q);
  shown = [];
  ui.bar.replaceChildren();
  if (!p.q && !p.host && !p.status) {
    // Nothing asked yet: no query (scanning every recent line helps no one).
    runner.abort();
    ui.results.removeAttribute('aria-busy');
    ui.results.replaceChildren(h('div', { class: 'card hint' },
      h('p', {}, 'Type what the ticket gives you: the sender\'s or recipient\'s address, their domain, a queue ID from a bounce, the Message-ID (in <angle brackets>), the sending server\'s IP, or any text of a log line.'),
      h('p', { class: 'muted small' }, 'Then open a message to see where it went, what each server answered, and what to do next. Choose a host or status alone to list recent mail of that kind.')));
    return;
  }
  ui.results.replaceChildren(h('p', { class: 'muted' }, 'Searching…'));
  ui.results.setAttribute('aria-busy', 'true');
  let res;
  try {
    if (kind === 'address' || kind === 'message-id' || kind === 'queue ID') res = await traces(p, kind, signal);
    else res = await found(p, kind, signal);
  } catch (e) {
    if (e.name === 'AbortError') return;
    ui.results.removeAttribute('aria-busy');
    ui.results.replaceChildren(h('p', { class: 'error-text' }, 'The search failed: ' + e.message));
    reportError(e);
    return;
  }
  ui.results.removeAttribute('aria-busy');
  shown = res.messages;
  const hosts = new Set();
  for (const m of shown) for (const x of m.hosts) hosts.add(x);
  ui.hostList.replaceChildren(...[...hosts].sort().map((x) => h('option', { value: x })));
  const csv = h('button', { type: 'button', testid: 'export-csv' }, 'Export CSV');
  const nd = h('button', { type: 'button', testid: 'export-ndjson' }, 'Export NDJSON');
  csv.addEventListener('click', exportCsv);
  nd.addEventListener('click', exportNdjson);
  const nav = [];
  if (p.page) {
    const prev = prevPage.get(p.page);
    nav.push(h('a', { testid: 'page-prev', class: 'button', href: route('search', { ...p, page: prev || '' }) }, '← Newer'));
  }
  if (res.next) {
    prevPage.set(res.next, p.page);
    nav.push(h('a', { testid: 'page-next', class: 'button', href: route('search', { ...p, page: res.next }) }, 'Older →'));
  }
  // Address lookups page forwards in time (see traces()).
  if (p.after && !p.page) {
    const prev = prevAfter.get(p.after);
    nav.push(h('a', { testid: 'page-prev', class: 'button', href: route('search', { ...p, after: prev || '' }) }, prev ? '← Earlier' : '← First page'));
  }
  if (res.after) {
    prevAfter.set(res.after, p.after);
    nav.push(h('a', { testid: 'page-next', class: 'button', href: route('search', { ...p, page: '', after: res.after }) }, 'Later →'));
  }
  const count = shown.length + (shown.length === 1 ? ' message' : ' messages');
  ui.bar.replaceChildren(h('span', { class: 'count' }, count), h('span', { class: 'grow' }), ...nav, csv, nd);
  const notes = [res.note, res.truncated && !res.next ? 'More lines matched than one page holds.' : '']
    .filter(Boolean).map((n) => h('p', { class: 'muted small note' }, n));
  const loose = res.loose && res.loose.length ? h('details', { class: 'card loose', open: !shown.length },
    h('summary', {}, res.loose.length + (res.loose.length === 1 ? ' matching line belongs' : ' matching lines belong') + ' to no message (connections, warnings)'),
    h('div', { class: 'lines' }, res.loose.slice(0, 200).map((r) => h('div', { class: 'line', 'data-key': r.key || '' },
      timeEl(r.timestamp_us, { class: 'time t' }), ' ', r.raw || r.message || '')))) : null;
  if (!shown.length) {
    ui.results.replaceChildren(h('p', { testid: 'results-empty', class: 'empty' },
      'No message matched' + (p.since ? ' since ' + p.since : '') + '. Try a longer time range or fewer filters.'), ...notes);
    if (loose) ui.results.appendChild(loose);
    return;
  }
  // Render in slices so a large page never blocks the first paint.
  ui.results.replaceChildren(...notes);
  let i = 0;
  const step = () => {
    if (signal.aborted) return;
    const frag = document.createDocumentFragment();
    for (const end = Math.min(shown.length, i + 100); i < end; i++) frag.appendChild(renderMessage(shown[i]));
    ui.results.appendChild(frag);
    if (i < shown.length) requestAnimationFrame(step);
    else if (loose) ui.results.appendChild(loose);
  };
  step();
}

export function dispose() { runner.abort(); ui = null; }
