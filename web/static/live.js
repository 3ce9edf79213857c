// Live screen: /api/v1/tail as Server-Sent Events with the search filters;
// lines appended as text, at most MAX kept, auto-scroll only at the bottom.
import { h, route, timeEl, VERDICTS, VERDICT_TO_STATUS } from './util.js';
import { apiUrl, getCsrf } from './api.js';
import { classify } from './search.js';

const MAX = 2000;
let es = null;
let ui = null;
let paused = false;
let held = [];

function filterParams(p) {
  const out = { last: 50 };
  const kind = classify(p.q);
  if (p.q) {
    if (kind === 'address') out.address = p.q;
    else if (kind === 'IP') out.client_ip = p.q;
    else if (kind === 'queue ID') out.queue_id = p.q;
    else if (kind === 'message-id') out.message_id = p.q.replace(/^<|>$/g, '');
    else out.text = p.q;
  }
  if (p.host) out.host = p.host;
  if (p.status) out.status = VERDICT_TO_STATUS[p.status] || p.status;
  const csrf = getCsrf();
  if (csrf) out.csrf = csrf;
  return out;
}

function setState(st) {
  if (!ui) return;
  ui.state.textContent = st;
  ui.state.className = 'state ' + st;
}

function lineEl(rec) {
  return h('div', { testid: 'live-line', class: 'line live-line', 'data-key': rec.key || '' },
    timeEl(rec.timestamp_us || rec.received_us, { class: 'time t' }), ' ',
    rec.raw || rec.message || '');
}

function notice(text) {
  return h('div', { class: 'line live-line notice', testid: 'live-notice' }, text);
}

function addNodes(nodes) {
  const box = ui.lines;
  const atBottom = box.scrollTop + box.clientHeight >= box.scrollHeight - 8;
  const frag = document.createDocumentFragment();
  for (const n of nodes.slice(-MAX)) frag.appendChild(n);
  box.appendChild(frag);
  let extra = box.childElementCount - MAX;
  while (extra-- > 0) box.firstElementChild.remove();
  if (atBottom) box.scrollTop = box.scrollHeight;
}

let pendingNodes = [];
let scheduled = false;
function queue(node) {
  if (paused) {
    held.push(node);
    if (held.length > MAX) held.splice(0, held.length - MAX);
    ui.pause.textContent = 'Resume (' + held.length + ' waiting)';
    return;
  }
  pendingNodes.push(node);
  if (!scheduled) {
    scheduled = true;
    requestAnimationFrame(() => {
      scheduled = false;
      if (!ui) return;
      const n = pendingNodes;
      pendingNodes = [];
      addNodes(n);
    });
  }
}

function connect(p) {
  close();
  setState('reconnecting');
  es = new EventSource(apiUrl('tail', filterParams(p)), { withCredentials: true });
  const mine = es;
  es.onopen = () => { if (es === mine) setState('connected'); };
  es.onerror = () => {
    if (es !== mine) return;
    setState(es.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting');
  };
  es.addEventListener('record', (ev) => {
    let rec;
    try { rec = JSON.parse(ev.data); } catch { return; }
    if (!rec.key && ev.lastEventId) rec.key = ev.lastEventId;
    queue(lineEl(rec));
  });
  es.addEventListener('dropped', (ev) => {
    const c = count(ev.data);
    queue(notice((c ? c + ' lines so far were' : 'Some lines were') + ' left out: the page could not keep up with the stream.'));
  });
  es.addEventListener('truncated', () => {
    queue(notice('Not every line since the connection broke was sent again: some are missing here (search for them).'));
  });
}

// A count from an event's data: a number, or JSON with a number in it.
function count(data) {
  if (!data) return '';
  if (/^\d+$/.test(data.trim())) return data.trim();
  try {
    const o = JSON.parse(data);
    for (const k of ['count', 'dropped', 'lines']) if (o && /^\d+$/.test(String(o[k]))) return String(o[k]);
  } catch { /* not JSON */ }
  return '';
}

function close() {
  if (es) { es.close(); es = null; }
}

export function show(view, params) {
  const p = { q: (params.get('q') || '').trim(), host: (params.get('host') || '').trim(), status: (params.get('status') || '').trim() };
  const q = h('input', { type: 'search', id: 'live-q', testid: 'live-q', value: p.q, placeholder: 'address, queue ID, IP or text', autocomplete: 'off', spellcheck: 'false' });
  const host = h('input', { type: 'text', id: 'live-host', testid: 'live-host', value: p.host, placeholder: 'any host', autocomplete: 'off', spellcheck: 'false' });
  const status = h('select', { id: 'live-status', testid: 'live-status' }, h('option', { value: '' }, 'any'),
    VERDICTS.filter((v) => v !== 'unknown' && v !== 'queued').map((v) => h('option', { value: v }, v)));
  status.value = VERDICTS.includes(p.status) ? p.status : '';
  const state = h('span', { testid: 'live-state', class: 'state closed', role: 'status' }, 'closed');
  const pause = h('button', { type: 'button', testid: 'live-pause', 'aria-pressed': 'false' }, 'Pause');
  const apply = h('button', { type: 'submit', class: 'primary' }, 'Follow');
  const lines = h('div', { testid: 'live-lines', class: 'live-lines', role: 'log', 'aria-live': 'off', tabindex: '0', 'aria-label': 'Live log lines' });
  const form = h('form', { class: 'card live-bar' },
    h('div', { class: 'field' }, h('label', { for: 'live-q' }, 'Filter'), q),
    h('div', { class: 'field' }, h('label', { for: 'live-host' }, 'Host'), host),
    h('div', { class: 'field' }, h('label', { for: 'live-status' }, 'Status'), status),
    apply, pause, state);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    location.hash = route('live', { q: q.value.trim(), host: host.value.trim(), status: status.value });
  });
  status.addEventListener('change', () => form.requestSubmit());
  paused = false;
  held = [];
  pendingNodes = [];
  pause.addEventListener('click', () => {
    paused = !paused;
    pause.setAttribute('aria-pressed', paused ? 'true' : 'false');
    if (!paused) {
      const n = held;
      held = [];
      addNodes(n);
      pause.textContent = 'Pause';
    } else {
      pause.textContent = 'Resume';
    }
  });
  ui = { state, pause, lines };
  view.replaceChildren(h('div', { class: 'live' }, h('h1', {}, 'Live'), form, lines,
    h('p', { class: 'muted small' }, 'The last 50 matching lines, then new ones as mlqd stores them (at most ' + MAX + ' kept here).')));
  connect(p);
}

export function dispose() {
  close();
  ui = null;
  held = [];
  pendingNodes = [];
}
