// Overview screen: outcomes per hour, per host and per destination domain
// (hand-drawn SVG), top reasons, the queue of stuck mail and each sending
// host's last line. Every bar and row links to a pre-filled search.
import { h, s, route, timeEl, fmtTime, fmtDuration, isoUtc } from './util.js';
import { get, Runner, reportError } from './api.js';

const runner = new Runner();
const OUTCOMES = ['delivered', 'deferred', 'bounced', 'rejected'];
const PRESETS = ['1h', '24h', '7d', '30d'];
const n = (x) => Number(x || 0);
const fmtN = (x) => n(x).toLocaleString('en');

function sinceOf(p) { return p.since || '24h'; }

function legend() {
  return h('div', { class: 'legend', 'aria-hidden': 'true' },
    OUTCOMES.map((o) => h('span', {}, h('span', { class: 'sw ' + o }), o)));
}

// Stacked bars over hours.
function hoursChart(hours, p) {
  const W = 1000, H = 230, L = 44, B = 36, T = 10;
  const list = hours || [];
  const max = Math.max(1, ...list.map((x) => OUTCOMES.reduce((a, o) => a + n((x.totals || {})[o]), 0)));
  const bw = list.length ? (W - L - 8) / list.length : 0;
  const svg = s('svg', { class: 'chart hours', testid: 'chart-hours', viewBox: `0 0 ${W} ${H}`, role: 'img',
    'aria-label': 'Recipient outcomes per hour' });
  svg.appendChild(s('line', { class: 'axis', x1: L, x2: W - 4, y1: H - B, y2: H - B }));
  svg.appendChild(s('text', { x: L - 6, y: T + 8, 'text-anchor': 'end' }, fmtN(max)));
  svg.appendChild(s('text', { x: L - 6, y: H - B, 'text-anchor': 'end' }, '0'));
  const scale = (H - B - T) / max;
  const labelEvery = Math.max(1, Math.ceil(list.length / 6));
  list.forEach((hr, i) => {
    const x = L + i * bw;
    const start = n(hr.hour_us);
    let y = H - B;
    for (const o of OUTCOMES) {
      const v = n((hr.totals || {})[o]);
      if (!v) continue;
      const hgt = Math.max(1, v * scale);
      y -= hgt;
      const a = s('a', { href: route('search', { since: isoUtc(start), until: isoUtc(start + 3600e6), status: o, host: p.host }),
        'aria-label': fmtTime(start) + ': ' + v + ' ' + o },
      s('title', {}, fmtTime(start) + ' — ' + v + ' ' + o),
      s('rect', { x: (x + 0.5).toFixed(1), y: y.toFixed(1), width: Math.max(1, bw - 1).toFixed(1), height: hgt.toFixed(1), class: 's-' + o }));
      svg.appendChild(a);
    }
    if (i % labelEvery === 0) {
      svg.appendChild(s('text', { x: (x + 1).toFixed(1), y: H - B + 16, class: 'tick' }, fmtTime(start).slice(5, 13) + 'h'));
    }
  });
  if (!list.length) svg.appendChild(s('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle' }, 'No lines in this range'));
  return svg;
}

// Horizontal stacked bars: rows of {label, totals, href}; or plain counts.
function barChart(testid, label, rows) {
  const W = 480, RH = 24, LW = 150;
  const H = Math.max(1, rows.length) * RH + 8;
  const svg = s('svg', { class: 'chart bars', testid, viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': label });
  const max = Math.max(1, ...rows.map((r) => r.total));
  const scale = (W - LW - 70) / max;
  rows.forEach((r, i) => {
    const y = 4 + i * RH;
    const a = s('a', { href: r.href, 'aria-label': r.label + ': ' + r.total },
      s('title', {}, r.label + ' — ' + r.parts.map(([k, v]) => v + ' ' + k).join(', ')),
      s('text', { x: LW - 8, y: y + 15, 'text-anchor': 'end' }, r.label.length > 22 ? r.label.slice(0, 21) + '…' : r.label));
    let x = LW;
    for (const [k, v] of r.parts) {
      if (!v) continue;
      const w = Math.max(1, v * scale);
      a.appendChild(s('rect', { x: x.toFixed(1), y: y + 3, width: w.toFixed(1), height: RH - 8, class: 's-' + k }));
      x += w;
    }
    a.appendChild(s('text', { x: (x + 6).toFixed(1), y: y + 15 }, fmtN(r.total)));
    svg.appendChild(a);
  });
  if (!rows.length) svg.appendChild(s('text', { x: W / 2, y: 18, 'text-anchor': 'middle' }, 'Nothing in this range'));
  return svg;
}

function outcomeParts(t) { return OUTCOMES.map((o) => [o, n((t || {})[o])]); }

// Reasons are normalized (addresses and IPs taken out), so the whole text
// rarely occurs in a line: search its most telling word (the longest,
// names with dots first) together with the outcome.
export function reasonWord(reason) {
  const words = String(reason || '').split(/[\s;,()<>\[\]"']+/).filter((w) => w.length >= 4 && !/^[\d.]+$/.test(w));
  words.sort((a, b) => (b.includes('.') - a.includes('.')) || (b.length - a.length));
  return words[0] || '';
}

function reasons(stats, p) {
  const groups = [['Rejected', 'reject_reasons', 'rejected'], ['Deferred', 'defer_reasons', 'deferred'], ['Bounced', 'bounce_reasons', 'bounced']];
  return h('div', { testid: 'top-reasons', class: 'reasons' }, groups.map(([title, key, status]) => {
    const list = stats[key] || [];
    return h('div', {}, h('h3', {}, title),
      list.length ? h('div', { class: 'table' }, list.map((c) => h('a', { class: 'trow cols-reasons', href: route('search', { q: reasonWord(c.key), status, since: sinceOf(p), host: p.host }) },
        h('span', { class: 'num' }, fmtN(c.count)), h('span', { class: 'wrap' }, c.key || '(no reason given)'))))
        : h('p', { class: 'muted small' }, 'None.'));
  }));
}

function queueTable(q) {
  const msgs = q.messages || [];
  const box = h('div', { testid: 'queue-table', class: 'table' },
    h('div', { class: 'trow thead cols-queue', 'aria-hidden': 'true' }, ['Queued', 'Age', 'Host / queue ID', 'From', 'To (not delivered)', 'Tries', 'Last answer'].map((x) => h('span', {}, x))));
  for (const m of msgs) {
    const href = m.message_id ? route('message', { message_id: m.message_id }) : route('message', { queue_id: m.queue_id, host: m.host });
    box.appendChild(h('a', { testid: 'queue-row', class: 'trow cols-queue', href, 'data-host': m.host || '', 'data-queue-id': m.queue_id || '' },
      timeEl(m.queued_us), h('span', {}, fmtDuration(m.age_us)), h('span', { class: 'mono' }, (m.host || '') + ' ' + (m.queue_id || '')),
      h('span', {}, m.from || '<>'), h('span', {}, (m.recipients || []).join(', ')),
      h('span', { class: 'num' }, String(m.deferrals || 0)),
      h('span', { class: 'small' }, m.last_reply ? (m.last_status ? m.last_status + ': ' : '') + m.last_reply : (m.last_status || ''))));
  }
  if (!msgs.length) box.appendChild(h('p', { class: 'muted' }, 'No message is stuck in a queue.'));
  return box;
}

// Lines per hour of one host over the range's hours: a host that went
// quiet shows as a gap at the right.
function spark(hours, keys) {
  if (!hours || !keys.length) return h('span', { class: 'muted' }, '—');
  const by = new Map(hours.map((x) => [String(x.hour_us), n((x.totals || {}).lines)]));
  const max = Math.max(1, ...by.values());
  const W = 96, H = 18, bw = W / keys.length;
  const svg = s('svg', { class: 'spark', viewBox: `0 0 ${W} ${H}`, width: String(W), height: String(H), 'aria-hidden': 'true', focusable: 'false' });
  keys.forEach((k, i) => {
    const v = by.get(k) || 0;
    if (!v) return;
    const hh = Math.max(1, (v / max) * H);
    svg.appendChild(s('rect', { x: (i * bw).toFixed(2), y: (H - hh).toFixed(2), width: Math.max(0.5, bw - 0.3).toFixed(2), height: hh.toFixed(2), class: 's-bar' }));
  });
  return h('span', {}, svg);
}

// Outcomes per hour of each host (HostStats.hours), on the hours of the
// whole range so the hosts line up; every hour's bar links to a search of
// that host in that hour. An older mlqd sends no `hours`: a note instead.
function hostHours(stats) {
  const hosts = stats.hosts || [];
  if (!hosts.some((x) => 'hours' in x)) return h('p', { class: 'muted small' }, 'Outcomes per hour and host: this mlqd does not send them.');
  const keys = (stats.hours || []).map((x) => String(x.hour_us));
  for (const hs of hosts) for (const x of hs.hours || []) if (!keys.includes(String(x.hour_us))) keys.push(String(x.hour_us));
  keys.sort((a, b) => n(a) - n(b));
  const span = keys.length ? h('p', { class: 'muted small' }, 'Hours ' + fmtTime(keys[0]).slice(0, 13) + 'h to ' +
    fmtTime(keys[keys.length - 1]).slice(0, 13) + 'h, one bar each; a bar opens that hour\'s search.') : null;
  return h('div', { class: 'host-hours' }, span, hosts.map((hs) => {
    const by = new Map((hs.hours || []).map((x) => [String(x.hour_us), x.totals || {}]));
    const max = Math.max(1, ...keys.map((k) => OUTCOMES.reduce((a, o) => a + n((by.get(k) || {})[o]), 0)));
    const W = 480, H = 44, bw = keys.length ? W / keys.length : W;
    const name = hs.host || '(no host name)';
    const svg = s('svg', { class: 'chart host-hours-chart', testid: 'chart-host-hours', 'data-host': hs.host || '',
      viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none', role: 'img', 'aria-label': 'Recipient outcomes per hour on ' + name });
    svg.appendChild(s('line', { class: 'axis', x1: 0, x2: W, y1: H - 0.5, y2: H - 0.5 }));
    keys.forEach((k, i) => {
      const t = by.get(k);
      if (!t) return;
      const parts = OUTCOMES.map((o) => [o, n(t[o])]).filter(([, v]) => v);
      if (!parts.length) return;
      const start = n(k);
      const a = s('a', { href: route('search', { host: hs.host, since: isoUtc(start), until: isoUtc(start + 3600e6) }),
        'aria-label': name + ', ' + fmtTime(start) + ': ' + parts.map(([o, v]) => v + ' ' + o).join(', ') },
      s('title', {}, name + ' ' + fmtTime(start) + ' — ' + parts.map(([o, v]) => v + ' ' + o).join(', ')));
      let y = H - 1;
      for (const [o, v] of parts) {
        const hh = Math.max(1, (v / max) * (H - 3));
        y -= hh;
        a.appendChild(s('rect', { x: (i * bw + 0.3).toFixed(2), y: y.toFixed(2), width: Math.max(0.6, bw - 0.6).toFixed(2), height: hh.toFixed(2), class: 's-' + o }));
      }
      svg.appendChild(a);
    });
    return h('div', { class: 'host-hours-row' }, h('div', { class: 'small wrap' }, name), svg);
  }));
}

function hostsTable(stats, p) {
  const box = h('div', { testid: 'hosts-table', class: 'table' },
    h('div', { class: 'trow thead cols-hosts', 'aria-hidden': 'true' }, ['Host', 'Last line', 'Lines', 'Unparsed', 'Lines per hour', 'Received', 'Delivered', 'Problems'].map((x) => h('span', {}, x))));
  const hosts = stats.hosts || [];
  const now = Date.now() * 1000;
  // An mlqd that has these fields leaves them out when 0.
  const hasUnparsed = hosts.some((x) => 'last_us' in x || 'hours' in x || 'unparsed' in x);
  const hourKeys = (stats.hours || []).map((x) => String(x.hour_us));
  for (const hs of hosts) {
    const t = hs.totals || {};
    const lines = n(t.lines);
    const share = hasUnparsed && lines ? 100 * n(hs.unparsed) / lines : null;
    const silent = hs.last_us && now - n(hs.last_us) > 3600e6;
    box.appendChild(h('a', { testid: 'host-row', class: 'trow cols-hosts' + (silent ? ' warnrow' : ''), href: route('search', { host: hs.host, since: sinceOf(p) }), 'data-host': hs.host || '' },
      h('span', { class: 'wrap' }, hs.host || '(no host name)'),
      hs.last_us ? h('span', {}, timeEl(hs.last_us), silent ? ' (silent)' : '') : h('span', { class: 'muted' }, '—'),
      h('span', { class: 'num' }, fmtN(lines)),
      h('span', { class: 'num' }, share === null ? '—' : share.toFixed(share < 10 ? 1 : 0) + '%'),
      spark(hs.hours, hourKeys),
      h('span', { class: 'num' }, fmtN(t.received)), h('span', { class: 'num' }, fmtN(t.delivered)),
      h('span', { class: 'num' }, fmtN(n(t.deferred) + n(t.bounced) + n(t.rejected)))));
  }
  if (!hosts.length) box.appendChild(h('p', { class: 'muted' }, 'No sending host in this range.'));
  return box;
}

function figures(st, stats) {
  const t = stats ? stats.totals || {} : {};
  const items = [];
  if (stats) {
    items.push(['Received', fmtN(t.received)], ['Delivered', fmtN(t.delivered)], ['Deferrals', fmtN(t.deferred)],
      ['Bounced', fmtN(t.bounced)], ['Rejected', fmtN(t.rejected)], ['Log lines', fmtN(t.lines)]);
  }
  if (st) {
    items.push(['Stored lines', fmtN(st.stored)]);
    const got = n(st.parsed) + n(st.unparsed);
    if (got) items.push(['Not understood', (100 * n(st.unparsed) / got).toFixed(1) + '%']);
    if (st.version) items.push(['mlqd', st.version]);
  }
  return h('div', {},
    st && st.store_unavailable ? h('p', { class: 'note' }, 'The store takes no lines: ' + st.store_unavailable) : null,
    h('dl', { class: 'figures' }, items.map(([k, v]) => h('div', {}, h('dt', { class: 'muted small' }, k), h('dd', {}, v)))),
    st && st.oldest_us ? h('p', { class: 'muted small' }, 'Oldest line kept: ', timeEl(st.oldest_us)) : null);
}

let limited = false; // a read token limited to mail domains: no Stats

export function show(view, params, ctx) {
  limited = !!(ctx && ctx.me && (ctx.me.domains || []).length);
  const p = { since: (params.get('since') || '').trim(), host: (params.get('host') || '').trim() };
  const host = h('input', { type: 'text', id: 'ov-host', value: p.host, placeholder: 'every host', list: 'ov-hosts', autocomplete: 'off', spellcheck: 'false' });
  const hostList = h('datalist', { id: 'ov-hosts' });
  const form = h('form', { class: 'card filters' },
    h('div', { class: 'presets', role: 'group', 'aria-label': 'Time range' }, PRESETS.map((x) =>
      h('a', { class: 'button chip', href: route('overview', { since: x, host: p.host }), 'aria-current': sinceOf(p) === x ? 'true' : 'false' }, 'Last ' + x))),
    h('div', { class: 'field' }, h('label', { for: 'ov-host' }, 'Host'), host), hostList,
    h('button', { type: 'submit' }, 'Show'));
  form.addEventListener('submit', (ev) => { ev.preventDefault(); location.hash = route('overview', { since: p.since, host: host.value.trim() }); });
  const body = h('div', { class: 'ov-body' }, h('p', { class: 'muted' }, 'Loading the overview…'));
  view.replaceChildren(h('div', { testid: 'overview', class: 'overview' }, h('h1', {}, 'Overview', p.host ? ' of ' + p.host : '', ' — last ' + sinceOf(p)), form, body));
  load(p, body, hostList);
}

let last = null; // the answers shown, to draw again in another zone

export function zoneChanged() {
  if (last && last.body.isConnected) paint(last);
}

async function load(p, body, hostList) {
  const signal = runner.next();
  const since = sinceOf(p);
  const answers = await Promise.allSettled([
    limited ? Promise.reject(new Error('statistics need a token not limited to mail domains')) : get('stats', { since, host: p.host, top: 10 }, { signal }),
    get('queue', { host: p.host, limit: 200 }, { signal }),
    get('status', {}, { signal }),
  ]);
  if (signal.aborted) return;
  const [stR, qR, sR] = answers;
  last = { p, body, hostList, answers };
  paint(last);
  const errs = [stR, qR, sR].filter((r) => r.status === 'rejected').map((r) => r.reason);
  for (const e of errs) if (!(limited && e === stR.reason)) reportError(e);
}

function paint({ p, body, hostList, answers }) {
  const [stR, qR, sR] = answers;
  const since = sinceOf(p);
  const stats = stR.status === 'fulfilled' ? stR.value : null;
  const queue = qR.status === 'fulfilled' ? qR.value : null;
  const status = sR.status === 'fulfilled' ? sR.value : null;
  const fail = (what, r) => h('p', { class: 'error-text' }, what + ': ' + (r.reason && r.reason.message));
  const kids = [h('section', { class: 'card wide' }, h('h2', {}, 'Totals'), figures(status, stats))];
  if (stats) {
    hostList.replaceChildren(...(stats.hosts || []).filter((x) => x.host).map((x) => h('option', { value: x.host })));
    const hostRows = (stats.hosts || []).filter((x) => x.host).map((x) => ({
      label: x.host, total: OUTCOMES.reduce((a, o) => a + n((x.totals || {})[o]), 0), parts: outcomeParts(x.totals),
      href: route('search', { host: x.host, since }) })).sort((a, b) => b.total - a.total);
    let domRows;
    if ((stats.recipient_domain_stats || []).length) {
      domRows = stats.recipient_domain_stats.map((d) => ({ label: d.domain || '(none)', total: OUTCOMES.reduce((a, o) => a + n((d.totals || {})[o]), 0),
        parts: outcomeParts(d.totals), href: route('search', { q: d.domain, since, host: p.host }) }));
    } else {
      domRows = (stats.recipient_domains || []).map((c) => ({ label: c.key || '(none)', total: n(c.count), parts: [['bar', n(c.count)]],
        href: route('search', { q: c.key, since, host: p.host }) }));
    }
    kids.push(
      h('section', { class: 'card wide' }, h('h2', {}, 'Outcomes per hour'), legend(), h('div', { class: 'scrollx plain' }, hoursChart(stats.hours, p))),
      h('section', { class: 'card' }, h('h2', {}, 'Per host'), legend(), h('div', { class: 'table' }, barChart('chart-hosts', 'Recipient outcomes per host', hostRows)),
        h('h3', {}, 'Per host and hour'), hostHours(stats)),
      h('section', { class: 'card' }, h('h2', {}, 'Per destination domain'), (stats.recipient_domain_stats || []).length ? legend() : h('p', { class: 'muted small' }, 'Recipients per domain.'), h('div', { class: 'table' }, barChart('chart-domains', 'Recipients per destination domain', domRows))),
      h('section', { class: 'card wide' }, h('h2', {}, 'Top reasons'), reasons(stats, p)),
      h('section', { class: 'card wide' }, h('h2', {}, 'Sending hosts'), hostsTable(stats, p)));
  } else {
    kids.push(h('section', { class: 'card wide' }, limited
      ? h('p', { class: 'muted' }, 'Charts and per-host figures cover every domain, so they need a token that is not limited to mail domains.')
      : fail('Statistics unavailable', stR)));
  }
  kids.push(h('section', { class: 'card wide' }, h('h2', {}, 'Stuck in a queue (oldest first)'), queue ? queueTable(queue) : fail('Queue unavailable', qR)));
  body.replaceChildren(h('div', { class: 'ov-grid' }, kids));
}

export function dispose() { runner.abort(); }
