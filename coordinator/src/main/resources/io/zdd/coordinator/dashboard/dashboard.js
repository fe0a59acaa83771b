// The zdd dashboard: reads the coordinator's JSON API (no login needed), follows running
// deployments live (server-sent events for their events, the record every second), and offers
// the controls a signed-in operator's role allows. Everything is built with DOM calls and
// textContent, never from HTML strings, and nothing runs inline (the page's CSP forbids it).
'use strict';

const PHASES = ['PREFLIGHT', 'CREATE_GREEN', 'SCALE_GREEN', 'SHIFT_TRAFFIC', 'KEEP_PREVIOUS', 'DRAIN_BLUE', 'KILL_BLUE', 'FINISH'];
const CONTROLS = ['promote', 'pause', 'resume', 'abort'];
const state = { csrf: null, operator: null, leader: false, streams: new Map(), events: new Map(), selected: null };

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') { e.className = v; } else if (k.startsWith('on')) { e.addEventListener(k.slice(2), v); } else { e.setAttribute(k, v); }
  }
  for (const c of children) {
    if (c !== null && c !== undefined) { e.append(c instanceof Node ? c : String(c)); }
  }
  return e;
}

function svg(tag, attrs) {
  const e = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs || {})) { e.setAttribute(k, v); }
  return e;
}

async function getJson(path) {
  const r = await fetch(path, { credentials: 'same-origin', cache: 'no-store' });
  if (!r.ok) { throw new Error(path + ': ' + r.status); }
  return r.json();
}

async function post(path, body) {
  const headers = { 'Content-Type': 'application/json' };
  if (state.csrf) { headers['X-ZDD-CSRF'] = state.csrf; }
  const r = await fetch(path, { method: 'POST', credentials: 'same-origin', headers, body: JSON.stringify(body || {}) });
  const json = await r.json().catch(() => ({}));
  if (!r.ok) { throw new Error(json.error || (path + ': ' + r.status)); }
  return json;
}

function notice(text) {
  const n = document.getElementById('notice');
  n.textContent = text || '';
  n.hidden = !text;
}

function duration(ms) {
  const s = Math.round(ms / 1000);
  if (s < 60) { return s + ' s'; }
  const m = Math.floor(s / 60);
  return m < 60 ? m + ' min ' + (s % 60) + ' s' : Math.floor(m / 60) + ' h ' + (m % 60) + ' min';
}

function pct(x) { return (Math.round(x * 10) / 10) + ' %'; }

function chip(role, colour) {
  const cls = role === 'live' ? 'live' : role === 'new' ? 'new' : 'other';
  const label = role === 'live' ? 'blue · live' : role === 'new' ? 'green · new' : role;
  return el('span', { class: 'chip ' + cls, title: 'Marathon colour label: ' + (colour || 'none') }, label);
}

// ---------------------------------------------------------------- sign-in

async function signIn() {
  const m = /(?:^#|&)login=([A-Za-z0-9_-]+)/.exec(location.hash);
  if (m) {
    // The token is in the fragment, so it never reached a server log; drop it from the address bar.
    history.replaceState(null, '', location.pathname);
    try {
      const s = await post('/api/login', { token: m[1] });
      state.csrf = s.csrf;
    } catch (e) {
      notice('Sign-in failed: ' + e.message);
    }
  }
  const s = await getJson('/api/session');
  setOperator(s.operator, s.csrf);
}

function setOperator(operator, csrf) {
  state.operator = operator;
  state.csrf = operator ? csrf : null;
  const o = document.getElementById('operator');
  o.textContent = operator ? 'signed in as ' + operator : 'read-only (run "zdd dashboard" for a sign-in link)';
  o.dataset.signedIn = operator ? 'true' : 'false';
  document.getElementById('logout').hidden = !operator;
}

async function signOut() {
  try {
    await post('/api/logout', {});
  } catch (e) {
    notice(e.message);
  }
  setOperator(null, null);
}

// ---------------------------------------------------------------- overview, groups, agents

async function refreshOverview() {
  const o = await getJson('/api/overview');
  state.leader = o.leader;
  document.getElementById('coordinator').textContent = 'coordinator ' + o.coordinator;
  const l = document.getElementById('leadership');
  l.textContent = o.leader ? 'leader' : 'standby (leader: ' + (o.leader_address || 'none') + ')';
  l.className = 'badge' + (o.leader ? ' leader' : '');
}

async function refreshGroups() {
  const g = await getJson('/api/groups');
  const body = document.querySelector('#groups tbody');
  body.replaceChildren(...g.groups.map(x => el('tr', { 'data-group': x.group },
    el('td', {}, x.group),
    el('td', {}, ...x.apps.map(a => el('span', { class: 'app', 'data-app': a.id, 'data-role': a.role },
      chip(a.role, a.colour), el('code', {}, a.id), el('span', { class: 'muted' }, a.colour),
      el('span', {}, a.version), el('span', { class: 'muted' }, a.serving + '/' + a.instances + ' serving')))),
    el('td', {}, x.running ? 'running ' : '', el('code', {}, x.deployment.slice(0, 8))))));
}

async function refreshAgents() {
  const a = await getJson('/api/agents');
  const body = document.querySelector('#agents tbody');
  body.replaceChildren(...a.agents.map(x => el('tr', { 'data-agent': x.agent_id },
    el('td', {}, x.agent_id), el('td', {}, x.address),
    el('td', { 'data-field': 'connected' }, x.connected ? 'connected' : 'DISCONNECTED'),
    el('td', {}, x.haproxy_version), el('td', { 'data-field': 'epoch' }, x.epoch === null ? '?' : x.epoch),
    el('td', {}, x.groups.length ? x.groups.join(', ') : '(none)', el('span', { class: 'muted' }, ' lb: ' + x.lb_groups.join(','))),
    el('td', { 'data-field': 'sample-age' }, x.last_sample_age_ms === null ? 'never' : duration(x.last_sample_age_ms) + ' ago'))));
}

// ---------------------------------------------------------------- deployments

async function refreshDeployments() {
  const d = await getJson('/api/deployments');
  const running = document.getElementById('running');
  const ids = new Set(d.running.map(x => x.id));
  for (const id of [...state.streams.keys()]) {
    if (!ids.has(id)) { state.streams.get(id).close(); state.streams.delete(id); }
  }
  for (const card of [...running.querySelectorAll('.card')]) {
    if (!ids.has(card.dataset.deployment)) { card.remove(); }
  }
  running.querySelector('p.muted')?.remove();
  if (!d.running.length) { running.replaceChildren(el('p', { class: 'muted' }, 'none')); }
  for (const x of d.running) {
    let card = running.querySelector('.card[data-deployment="' + x.id + '"]');
    if (!card) {
      card = el('div', { class: 'card deployment', 'data-deployment': x.id });
      running.append(card);
      follow(x.id);
    }
  }
  const body = document.querySelector('#history tbody');
  body.replaceChildren(...d.history.map(x => el('tr', { class: 'clickable', 'data-deployment': x.id, onclick: () => select(x.id) },
    el('td', {}, x.started_at.replace('T', ' ').replace(/\.\d+Z$/, 'Z')), el('td', {}, x.group),
    el('td', { class: 'outcome-' + x.outcome, 'data-field': 'outcome' }, x.outcome),
    el('td', { 'data-field': 'duration' }, duration(x.duration_ms)),
    el('td', {}, (x.blue_app_id || '-') + ' → ' + x.green_app_id), el('td', {}, el('code', {}, x.id.slice(0, 8))))));
  await Promise.all(d.running.map(x => refreshDeployment(x.id)));
}

function follow(id) {
  if (state.streams.has(id) || !window.EventSource) { return; }
  const es = new EventSource('/api/deployments/' + encodeURIComponent(id) + '/events');
  state.streams.set(id, es);
  es.addEventListener('deployment', m => {
    const e = JSON.parse(m.data);
    const list = state.events.get(id) || [];
    if (!list.some(x => x.sequence === e.sequence)) {
      list.push(e);
      state.events.set(id, list.slice(-200));
      renderEvents(id);
      // The card may exist before its first render (an event can beat the record's fetch).
      const card = document.querySelector('.card[data-deployment="' + id + '"]');
      const phase = card && card.querySelector('[data-field="phase"]');
      if (phase) { phase.textContent = e.deployment.phase; }
    }
  });
  // Not driven by this coordinator, too many streams, or finished: the record's polling goes on.
  for (const end of ['unavailable', 'busy', 'end']) {
    es.addEventListener(end, () => es.close());
  }
}

async function refreshDeployment(id) {
  const d = await getJson('/api/deployments/' + encodeURIComponent(id));
  const card = document.querySelector('.card[data-deployment="' + id + '"]');
  if (card) { renderCard(card, d); }
  if (state.selected === id) { renderDetail(d); }
}

function roleRow(d) {
  const out = [];
  for (const role of ['live', 'new']) {
    const r = d.roles[role];
    if (!r) { continue; }
    out.push(el('span', { class: 'app', 'data-role': role, 'data-colour': r.colour, 'data-share': r.share, 'data-app': r.app },
      chip(role, r.colour), el('code', {}, r.app), el('span', { class: 'muted' }, r.colour),
      el('span', { 'data-field': 'share' }, d.running ? pct(r.share) : '')));
  }
  return el('div', { class: 'roles' }, ...out);
}

function shareBar(live, fresh) {
  const bar = el('div', { class: 'share' });
  const l = el('div', { class: 'live' });
  const n = el('div', { class: 'new' });
  l.style.width = live + '%';
  n.style.width = fresh + '%';
  bar.append(l, n);
  return bar;
}

function phases(d) {
  const at = PHASES.indexOf(d.phase);
  return el('div', { class: 'phases' }, ...PHASES.map((p, i) =>
    el('span', { class: i < at ? 'done' : i === at ? 'now' : '' }, p.replace('_', ' ').toLowerCase())));
}

function controls(d) {
  const box = el('div', { class: 'controls' });
  for (const c of CONTROLS) {
    const b = el('button', { type: 'button', 'data-control': c }, c);
    b.disabled = !(state.operator && d.controls && d.controls[c]);
    b.title = state.operator ? (b.disabled ? 'not allowed for you, or not applicable now' : c + ' this deployment')
      : 'sign in with a "zdd dashboard" link';
    b.addEventListener('click', () => control(d.id, c, b));
    box.append(b);
  }
  return box;
}

async function control(id, c, button) {
  button.disabled = true;
  try {
    await post('/api/deployments/' + encodeURIComponent(id) + '/' + c, {});
    notice('');
  } catch (e) {
    notice(c + ' refused: ' + e.message);
  }
  await refreshDeployment(id);
}

function lbs(d) {
  return el('div', { class: 'lbs' }, ...(d.lbs || []).map(lb => {
    const drain = d.drain.find(x => x.lb === lb.lb);
    const live = lb.share.live || 0;
    const fresh = lb.share.new || 0;
    return el('div', { class: 'lb', 'data-lb': lb.lb },
      el('div', {}, el('strong', {}, lb.lb), ' ', lb.connected ? '' : el('span', { class: 'outcome-FAILED' }, 'disconnected'),
        el('span', { class: 'muted' }, ' share live ' + pct(live) + ' / new ' + pct(fresh))),
      shareBar(live, fresh),
      drain ? el('div', { 'data-field': 'drain' }, 'drain: ' + drain.servers_drained + '/' + drain.servers_total
        + ' servers drained, ' + drain.connections + ' connections left') : null,
      el('table', { class: 'servers' }, el('tbody', {}, ...lb.servers.map(s =>
        el('tr', { class: 'role-' + s.role, 'data-server': s.server },
          el('td', {}, s.server), el('td', {}, s.role), el('td', { 'data-field': 'connections' }, s.connections + ' conn'),
          el('td', {}, s.status), el('td', {}, s.admin_state))))));
  }));
}

function renderEvents(id) {
  for (const list of document.querySelectorAll('.events[data-deployment="' + id + '"]')) {
    fillEvents(list, state.events.get(id) || []);
  }
}

function fillEvents(list, events) {
  list.replaceChildren(...events.slice().reverse().map(e =>
    el('li', { 'data-sequence': e.sequence }, e.at.slice(11, 19) + '  ' + e.kind + '  ' + e.message)));
}

function renderCard(card, d) {
  const share = d.roles;
  card.replaceChildren(
    el('div', { class: 'head' },
      el('span', { class: 'phase', 'data-field': 'phase' }, d.phase),
      el('span', { 'data-field': 'paused' }, d.paused ? 'held' : 'moving'),
      el('strong', {}, d.group), el('code', { class: 'muted' }, d.id),
      el('span', { class: 'muted' }, 'epoch ' + d.epoch + ' · ' + duration(d.duration_ms))),
    phases(d),
    roleRow(d),
    shareBar(share.live ? share.live.share : 0, share.new.share),
    d.message ? el('div', { class: 'muted' }, d.message) : null,
    controls(d),
    el('h3', {}, 'Load balancers'),
    lbs(d),
    el('h3', {}, 'Events'),
    el('ul', { class: 'events', 'data-deployment': d.id }));
  const logged = state.events.get(d.id);
  fillEvents(card.querySelector('.events'), logged && logged.length ? logged : d.events);
}

// ---------------------------------------------------------------- history detail and timeline

async function select(id) {
  state.selected = id;
  location.hash = 'deployment=' + id;
  await refreshDeployment(id);
}

function renderDetail(d) {
  document.getElementById('detail-section').hidden = false;
  document.getElementById('detail-id').textContent = d.id;
  const box = document.getElementById('detail');
  box.replaceChildren(
    el('div', { class: 'head' }, el('strong', {}, d.group), ' ',
      el('span', { class: 'outcome-' + d.outcome, 'data-field': 'outcome' }, d.running ? 'running' : d.outcome),
      ' in ', el('span', { 'data-field': 'duration' }, duration(d.duration_ms)),
      el('span', { class: 'muted' }, ' started ' + d.started_at + (d.requested_by ? ' by ' + d.requested_by : ''))),
    roleRow(d),
    timeline(d),
    d.message ? el('p', {}, d.message) : null,
    el('h3', {}, 'Audit'),
    el('ul', {}, ...d.audit.map(a => el('li', {}, a))),
    el('h3', {}, 'Events'),
    el('ul', { class: 'events', 'data-deployment': d.id }));
  fillEvents(box.querySelector('.events'), d.events);
}

// Phases as bands along the time axis, green's share of new traffic as a line over them.
function timeline(d) {
  const W = 1000;
  const H = 120;
  const pts = d.timeline.map(p => ({ t: Date.parse(p.at), phase: p.phase, share: p.new_share }));
  const s = svg('svg', { class: 'timeline', viewBox: '0 0 ' + W + ' ' + H, preserveAspectRatio: 'none', 'data-points': pts.length });
  if (pts.length < 1) { return s; }
  const t0 = pts[0].t;
  const t1 = Math.max(d.finished_at ? Date.parse(d.finished_at) : Date.now(), t0 + 1000);
  const x = t => 10 + (W - 20) * (t - t0) / (t1 - t0);
  const y = share => H - 20 - (H - 40) * share / 100;
  pts.forEach((p, i) => {
    const end = i + 1 < pts.length ? pts[i + 1].t : t1;
    const band = svg('rect', { x: x(p.t), y: 4, width: Math.max(1, x(end) - x(p.t)), height: H - 24,
      fill: i % 2 ? '#e8ecf1' : '#f1f4f7', 'data-phase': p.phase });
    const title = svg('title', {});
    title.textContent = p.phase + ' from ' + new Date(p.t).toISOString();
    band.append(title);
    s.append(band);
    const label = svg('text', { x: x(p.t) + 2, y: H - 6 });
    label.textContent = p.phase.toLowerCase();
    s.append(label);
  });
  let path = 'M' + x(pts[0].t).toFixed(1) + ' ' + y(pts[0].share).toFixed(1);
  for (let i = 1; i < pts.length; i++) {
    path += 'L' + x(pts[i].t).toFixed(1) + ' ' + y(pts[i - 1].share).toFixed(1)
      + 'L' + x(pts[i].t).toFixed(1) + ' ' + y(pts[i].share).toFixed(1);
  }
  path += 'L' + x(t1).toFixed(1) + ' ' + y(pts[pts.length - 1].share).toFixed(1);
  s.append(svg('path', { d: path, fill: 'none', stroke: '#2e9a52', 'stroke-width': 2, 'data-series': 'new-share' }));
  return s;
}

// ---------------------------------------------------------------- main loop

async function tick(what) {
  try {
    await what();
  } catch (e) {
    notice('cannot reach the coordinator: ' + e.message);
  }
}

async function start() {
  document.getElementById('logout').addEventListener('click', signOut);
  // A login link opened in a tab already showing the dashboard changes only the fragment: no reload.
  window.addEventListener('hashchange', () => {
    if (/login=/.test(location.hash)) { tick(signIn); }
  });
  await tick(signIn);
  const m = /deployment=([A-Za-z0-9-]+)/.exec(location.hash);
  if (m) { state.selected = m[1]; }
  const slow = async () => { await tick(refreshOverview); await tick(refreshGroups); await tick(refreshAgents); };
  await slow();
  await tick(refreshDeployments);
  if (state.selected) { await tick(() => refreshDeployment(state.selected)); }
  setInterval(slow, 2000);
  setInterval(() => tick(refreshDeployments), 1000);
}

document.addEventListener('DOMContentLoaded', start);
