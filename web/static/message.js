// Message screen: one section per trace — verdict cards per recipient with
// plain words and what to do, the journey as a timeline with one lane per
// host, hand-overs between queue entries, pre-queue lines, raw lines folded.
import { h, s, add, route, timeEl, fmtTime, zoneName, pill } from './util.js';
import { get, Runner, reportError } from './api.js';

const runner = new Runner();
let observers = [];
let markers = 0;
const LIFETIME_US = 5 * 86400 * 1e6; // Postfix maximal_queue_lifetime default

// What a helpdesk person does next, by DSN (class and common subjects).
export function whatToDo(dsn, verdict) {
  const m = /^([245])\.(\d{1,3})\.(\d{1,3})/.exec(dsn || '');
  const cls = m ? m[1] : ({ delivered: '2', deferred: '4', bounced: '5', rejected: '5', expired: '5' }[verdict] || '');
  const subj = m ? m[2] + '.' + m[3] : '';
  if (verdict === 'quarantined') return 'A content filter held or blocked it: ask the mail admin to check the quarantine and release it if it is legitimate.';
  if (verdict === 'queued') return 'Still in the queue: nothing to do yet; look again later.';
  if (cls === '2') return 'Nothing to do: it was handed over. If the recipient cannot find it, ask them to check their spam/junk folder and mail filters.';
  if (subj === '1.1') return 'The address does not exist: check its spelling with the sender, or ask the recipient for the right address, then send again.';
  if (subj === '2.2') return cls === '4'
    ? 'The recipient\'s mailbox is full: the server keeps retrying; the recipient must free space (or ask their admin) before the queue lifetime ends.'
    : 'The recipient\'s mailbox is full: the recipient must free space, then the sender sends again.';
  if (subj === '7.1') return 'Refused by policy or as spam (block list, SPF/DKIM/DMARC, content): check the reply below; the sender may need to contact the recipient\'s mail admin or fix their setup, then send again.';
  if (cls === '4' && m && m[2] === '4') return 'A network problem reaching the next server (timeout, no route, DNS): it usually fixes itself and the server retries; if it lasts for hours, check the destination\'s DNS and reachability.';
  if (cls === '4') return 'A temporary problem: the server retries by itself until the queue lifetime ends. If it keeps failing, contact the recipient\'s mail admin with the reply below.';
  if (cls === '5') return 'Permanent failure, not retried: tell the sender what the reply below says; they must fix the cause and send again.';
  return '';
}

function hopId(host, qid) { return 'hop-' + (host + '-' + qid).replace(/[^A-Za-z0-9_-]/g, '_'); }

function verdictCard(r, t) {
  const dsnText = r.dsn ? r.dsn : '—';
  const todo = r.notice
    ? 'This is not a recipient of the message but the notice the mail system sent back (' + r.notice + '); its verdict is that notice\'s own delivery. The sender was told about the message\'s fate this way.'
    : whatToDo(r.dsn, r.verdict);
  const firstUs = ((t.hops || [])[0] || {}).time_us;
  let expiry = null;
  if (r.verdict === 'deferred') {
    const base = Number(firstUs || r.time_us);
    const parts = [];
    if (base > 0) {
      const end = base + LIFETIME_US;
      parts.push('If delivery keeps failing, the server gives up around ', timeEl(String(end)),
        ' (5 days after it was queued, Postfix\'s default maximal_queue_lifetime) and sends the sender a non-delivery notice.');
      if (end < Date.now() * 1000) parts.push(' That time has passed: look for a bounce.');
    }
    if (t.expired_note) parts.push(' ' + t.expired_note);
    expiry = h('p', { testid: 'verdict-expiry', class: 'expiry' }, ...parts);
  }
  return h('article', { testid: 'verdict-card', class: 'card verdict v-' + (r.verdict || 'unknown'),
    'data-address': r.address || '', 'data-verdict': r.verdict || 'unknown' },
    h('div', { class: 'vhead' }, pill(r.verdict), ' ', h('strong', { class: 'addr' }, r.address || '(no address)'),
      r.orig_address && r.orig_address !== r.address ? h('span', { class: 'muted small' }, ' (sent to ' + r.orig_address + ')') : null,
      r.notice ? h('span', { class: 'muted small' }, ' — ' + r.notice + (r.notice_for ? ' for ' + r.notice_for : '')) : null),
    h('dl', { class: 'kv' },
      h('dt', {}, 'When'), h('dd', {}, timeEl(r.time_us)),
      h('dt', {}, 'DSN'), h('dd', { testid: 'verdict-dsn', class: 'mono' }, dsnText),
      h('dt', {}, 'Reply'), h('dd', { testid: 'verdict-reply', class: 'mono wrap' }, r.reply || '—'),
      r.where ? [h('dt', {}, 'Where'), h('dd', {}, r.where)] : null,
      r.step ? [h('dt', {}, 'Decided by'), h('dd', {}, r.step + (r.host ? ' on ' + r.host : '') + (r.queue_id ? ' (' + r.queue_id + ')' : ''))] : null,
      r.relay ? [h('dt', {}, 'Relay'), h('dd', { class: 'mono wrap' }, r.relay)] : null,
      (r.expanded_to || []).length ? [h('dt', {}, 'Expanded to'), h('dd', {}, r.expanded_to.join(', '))] : null),
    h('div', { testid: 'verdict-explanation', class: 'explain' },
      h('p', {}, r.explanation || 'No explanation known for this outcome.'),
      todo ? h('p', { class: 'todo' }, h('strong', {}, 'What to do: '), todo) : null),
    expiry,
    r.deciding && r.deciding.raw ? h('details', { class: 'raw deciding' }, h('summary', {}, 'The line that decided it'),
      h('div', { class: 'lines' }, h('div', { class: 'line' }, r.deciding.raw))) : null);
}

function rawLines(lines, label) {
  return h('details', { testid: 'raw-lines', class: 'raw' },
    h('summary', {}, (label || 'Log lines') + ' (' + lines.length + ')'),
    h('div', { class: 'lines' }, lines.map((l) => h('div', { testid: 'raw-line', class: 'line', 'data-key': l.key || '' }, l.raw || l.message || ''))));
}

function timeline(t, sectionEl) {
  const hops = t.hops || [];
  const hosts = [];
  for (const hp of hops) if (!hosts.includes(hp.host)) hosts.push(hp.host);
  const cols = 'minmax(6.5rem, 8rem) repeat(' + Math.max(1, hops.length) + ', minmax(13rem, 1fr))';
  const byRef = new Map();
  hops.forEach((hp, i) => byRef.set(hp.host + '/' + hp.queue_id, { hp, i }));
  const box = h('div', { class: 'timeline', role: 'list', 'aria-label': 'The message\'s way over hosts and queue entries' });
  const svg = s('svg', { class: 'links', 'aria-hidden': 'true', focusable: 'false', 'data-marker': 'arrow' + (++markers) });
  box.appendChild(svg);
  for (const host of hosts) {
    const lane = h('div', { testid: 'lane', class: 'lane', 'data-host': host, role: 'listitem' },
      h('div', { class: 'lanehead' }, h('span', { class: 'hostname' }, host)));
    lane.style.gridTemplateColumns = cols;
    hops.forEach((hp, i) => {
      if (hp.host !== host) return;
      const links = (hp.next || []).map((ref) => {
        const target = byRef.get(ref);
        const [th, tq] = [ref.slice(0, ref.indexOf('/')), ref.slice(ref.indexOf('/') + 1)];
        const b = h('button', { type: 'button', testid: 'hop-link', class: 'hoplink', 'data-from': hp.host + '/' + hp.queue_id, 'data-to': ref },
          '→ ' + (th === hp.host ? '' : th + ' ') + tq + (target ? ' (' + (target.hp.role || 'next') + ')' : ' (not in this trace)'));
        b.addEventListener('click', () => {
          const el = sectionEl.querySelector('#' + hopId(th, tq));
          if (el) { el.scrollIntoView({ block: 'nearest', inline: 'center' }); el.focus(); }
        });
        return b;
      });
      const hopEl = h('div', { testid: 'hop', class: 'hop role-' + (hp.role || 'x').replace(/[^a-z-]/g, ''), id: hopId(hp.host, hp.queue_id),
        tabindex: '-1', 'data-host': hp.host, 'data-queue-id': hp.queue_id, 'data-role': hp.role || '' },
        h('div', { class: 'hophead' }, h('span', { class: 'role' }, hp.role || 'queue'), ' ', h('span', { class: 'mono' }, hp.queue_id)),
        h('div', { class: 'small' }, timeEl(hp.time_us), hp.last_us && hp.last_us !== hp.time_us ? [' – ', timeEl(hp.last_us)] : null),
        h('dl', { class: 'kv small' },
          hp.program ? [h('dt', {}, 'By'), h('dd', {}, hp.program)] : null,
          hp.client ? [h('dt', {}, 'From host'), h('dd', { class: 'wrap' }, hp.client)] : null,
          hp.from ? [h('dt', {}, 'Sender'), h('dd', { class: 'wrap' }, hp.from)] : null,
          hp.delay ? [h('dt', {}, 'Delay'), h('dd', {}, hp.delay + ' s')] : null),
        links.length ? h('div', { class: 'hoplinks' }, links) : null,
        rawLines(hp.lines || []));
      hopEl.style.gridColumn = String(i + 2);
      lane.appendChild(hopEl);
    });
    box.appendChild(lane);
  }
  const draw = () => drawLinks(box, svg, hops);
  requestAnimationFrame(draw);
  if (window.ResizeObserver) {
    const ro = new ResizeObserver(() => requestAnimationFrame(draw));
    ro.observe(box);
    observers.push(ro);
  }
  for (const d of box.querySelectorAll('details')) d.addEventListener('toggle', () => requestAnimationFrame(draw));
  return box;
}

// Curved arrows from a hop to each hop it handed the message to.
function drawLinks(box, svg, hops) {
  if (!box.isConnected) return;
  const bw = box.scrollWidth, bh = box.scrollHeight;
  svg.setAttribute('width', String(bw));
  svg.setAttribute('height', String(bh));
  svg.setAttribute('viewBox', '0 0 ' + bw + ' ' + bh);
  const origin = box.getBoundingClientRect();
  const mid = svg.getAttribute('data-marker');
  const kids = [s('defs', {}, s('marker', { id: mid, viewBox: '0 0 10 10', refX: '9', refY: '5',
    markerWidth: '7', markerHeight: '7', orient: 'auto-start-reverse' }, s('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrowhead' })))];
  for (const hp of hops) {
    for (const ref of hp.next || []) {
      const a = box.querySelector('#' + hopId(hp.host, hp.queue_id));
      const b = box.querySelector('#' + hopId(ref.slice(0, ref.indexOf('/')), ref.slice(ref.indexOf('/') + 1)));
      if (!a || !b) continue;
      const ra = a.getBoundingClientRect(), rb = b.getBoundingClientRect();
      const x1 = ra.right - origin.left + box.scrollLeft, y1 = ra.top + 18 - origin.top + box.scrollTop;
      const x2 = rb.left - origin.left + box.scrollLeft, y2 = rb.top + 18 - origin.top + box.scrollTop;
      const dx = Math.max(20, (x2 - x1) / 2);
      kids.push(s('path', { d: `M${x1},${y1} C${x1 + dx},${y1} ${x2 - dx},${y2} ${x2 - 2},${y2}`, class: 'link', 'marker-end': 'url(#' + mid + ')' }));
    }
  }
  svg.replaceChildren(...kids);
}

function summaryText(t) {
  const out = [];
  const mids = t.message_ids || [];
  const first = (t.hops || [])[0] || {};
  out.push('Message-ID: ' + (mids.length ? mids.map((m) => '<' + m + '>').join(', ') : '(none)'));
  out.push('From: ' + (first.from || ((t.other_lines || []).find((l) => l.from) || {}).from || '<>'));
  if (first.time_us) out.push('Queued: ' + fmtTime(first.time_us) + ' ' + zoneName() + ' on ' + first.host + ' (' + first.queue_id + ')');
  if (t.summary) out.push('Summary: ' + t.summary);
  for (const r of t.recipients || []) {
    out.push('- ' + (r.address || '(no address)') + ': ' + (r.verdict || 'unknown') +
      (r.time_us ? ' at ' + fmtTime(r.time_us) + ' ' + zoneName() : '') +
      (r.dsn ? ', DSN ' + r.dsn : '') + (r.reply ? ', reply: ' + r.reply : ''));
  }
  return out.join('\n') + '\n';
}

function copyButton(t, section) {
  const b = h('button', { type: 'button', testid: 'copy-summary' }, 'Copy summary for the ticket');
  const status = h('span', { class: 'muted small', role: 'status' });
  b.addEventListener('click', async () => {
    const text = summaryText(t);
    try {
      if (!navigator.clipboard) throw new Error('no clipboard');
      await navigator.clipboard.writeText(text);
      status.textContent = 'Copied.';
    } catch {
      let ta = section.querySelector('[data-testid="summary-text"]');
      if (!ta) {
        ta = h('textarea', { testid: 'summary-text', class: 'summary-text', readonly: true, rows: '8', 'aria-label': 'Summary to copy' });
        b.parentNode.after(ta);
      }
      ta.value = text;
      ta.focus();
      ta.select();
      status.textContent = 'Copy it from the box below (Ctrl+C).';
    }
  });
  return h('div', { class: 'row' }, b, ' ', status);
}

function traceSection(t, i, n) {
  const mids = t.message_ids || [];
  const section = h('section', { class: 'trace', 'aria-label': 'Message ' + (i + 1) });
  const title = mids.length ? '<' + mids[0] + '>' : ((t.hops || [])[0] ? (t.hops[0].host + ' / ' + t.hops[0].queue_id) : 'Rejected before queueing');
  add(section, 
    n > 1 ? h('h2', { class: 'wrap' }, 'Message ' + (i + 1) + ' of ' + n + ': ', title) : null,
    h('p', { testid: 'message-summary', class: 'summary big' }, t.summary || ''),
    t.expired_note ? h('p', { class: 'note' }, t.expired_note) : null,
    t.left_out_note ? h('p', { testid: 'left-out-note', class: 'note' }, t.left_out_note,
      (t.left_out || []).length ? ' (' + t.left_out.join(', ') + ')' : '') : null,
    copyButton(t, section),
    h('h3', {}, 'Recipients'),
    h('div', { class: 'cards' }, (t.recipients || []).length ? t.recipients.map((r) => verdictCard(r, t)) : h('p', { class: 'muted' }, 'No recipient outcome is known.')));
  if ((t.hops || []).length) {
    add(section, h('h3', {}, 'Journey'), h('div', { class: 'scrollx' }, timeline(t, section)));
  }
  const other = t.other_lines || [];
  if (other.length) {
    add(section, h('section', { testid: 'prequeue', class: 'prequeue' },
      h('h3', {}, 'Before queueing and policy checks'),
      h('ul', { class: 'plain' }, other.slice(0, 20).map((l) => h('li', {}, timeEl(l.timestamp_us), ' ',
        l.status ? (l.status === 'reject' || l.status === 'rejected' ? pill('rejected') : h('span', { class: 'tag' }, l.status)) : null, ' ', h('span', { class: 'mono wrap' }, l.host + ' ' + (l.program || '') + ': ' + (l.message || l.raw || ''))))),
      other.length > 20 ? h('p', { class: 'muted small' }, (other.length - 20) + ' more in the raw lines below.') : null,
      rawLines(other, 'Raw lines')));
  }
  return section;
}

export function show(view, params) {
  for (const o of observers) o.disconnect();
  observers = [];
  const p = {};
  for (const k of ['message_id', 'queue_id', 'host', 'from', 'to', 'since', 'until']) p[k] = (params.get(k) || '').trim();
  const req = { since: p.since, until: p.until };
  let what;
  if (p.message_id) { req.message_id = p.message_id; what = '<' + p.message_id.replace(/^<|>$/g, '') + '>'; }
  else if (p.queue_id) { req.queue_id = p.queue_id; req.host = p.host; what = (p.host ? p.host + ' / ' : '') + p.queue_id; }
  else if (p.to) { req.to = p.to; what = 'to ' + p.to; }
  else if (p.from) { req.from = p.from; what = 'from ' + p.from; }
  const body = h('div', { class: 'trace-body', 'aria-live': 'polite' }, h('p', { class: 'muted' }, 'Tracing…'));
  const back = h('a', { href: route('search', { q: p.message_id ? '<' + p.message_id.replace(/^<|>$/g, '') + '>' : (p.queue_id || p.to || p.from) }), class: 'back' }, '← Search');
  view.replaceChildren(h('div', { testid: 'message', class: 'message' }, back, h('h1', { class: 'wrap' }, 'Message ', what || ''), body));
  if (!what) { body.replaceChildren(h('p', { class: 'error-text' }, 'No message given: open one from a search.')); return; }
  load(req, p, body);
}

async function load(req, p, body) {
  const signal = runner.next();
  let res;
  try {
    res = await get('trace', req, { signal });
  } catch (e) {
    if (e.name === 'AbortError') return;
    body.replaceChildren(h('p', { class: 'error-text' }, 'Could not trace it: ' + e.message));
    reportError(e);
    return;
  }
  let ts = res.traces || [];
  if (req.to && p.from) ts = ts.filter((t) => ((t.hops || [])[0] || {}).from === p.from || (t.other_lines || []).some((l) => l.from === p.from) || !p.from);
  if (!ts.length) {
    body.replaceChildren(h('p', { class: 'empty', testid: 'results-empty' }, 'No stored line tells of this message' + (p.since ? ' in that time range' : '') + '.'));
    return;
  }
  body.replaceChildren(...ts.map((t, i) => traceSection(t, i, ts.length)));
  const mids = ts.length === 1 ? ts[0].message_ids || [] : [];
  if (mids.length && !req.message_id) {
    const h1 = body.parentNode && body.parentNode.querySelector('h1');
    if (h1) h1.textContent = 'Message <' + mids[0] + '>';
  }
}

export function zoneChanged() {
  // <time> elements are refreshed by the app; arrows do not depend on the zone.
}

export function dispose() {
  runner.abort();
  for (const o of observers) o.disconnect();
  observers = [];
}
