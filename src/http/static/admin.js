// The moderators' page. The token is typed once and kept in sessionStorage,
// so it lives for this tab only and is never written into the page or URL.
'use strict';

const STATS_EVERY_MS = 5000;
const BANS = { '3600': 'Ban 1 h', '86400': 'Ban 24 h', '604800': 'Ban 7 days' };
const $ = (id) => document.getElementById(id);

let nextCursor = null;
let current = null; // the complaint shown in detail

function token() { return sessionStorage.getItem('chathub.admin.token') || ''; }
function moderator() { return sessionStorage.getItem('chathub.admin.by') || ''; }

async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: Object.assign({ Authorization: 'Bearer ' + token() },
      body ? { 'Content-Type': 'application/json' } : {}),
    body: body ? JSON.stringify(body) : undefined,
  });
  if (res.status === 401) { signOut('The token was refused.'); throw new Error('unauthorized'); }
  if (!res.ok) {
    let msg = res.status + '';
    try { msg = (await res.json()).error || msg; } catch (_) { /* no body */ }
    throw new Error(msg);
  }
  return res.status === 204 ? null : res.json();
}

function cell(text) { const td = document.createElement('td'); td.textContent = text; return td; }
function when(iso) { return iso ? new Date(iso).toLocaleString() : ''; }

async function refreshStats() {
  try {
    const s = await api('GET', '/admin/stats');
    $('stat-web').textContent = (s.online_by_transport && s.online_by_transport.web) || 0;
    $('stat-telegram').textContent = (s.online_by_transport && s.online_by_transport.telegram) || 0;
    $('stat-searching').textContent = s.searching;
    $('stat-rooms').textContent = s.active_rooms;
    $('stat-messages').textContent = s.messages_last_minute;
    $('stats').dataset.loaded = 'true';
  } catch (_) { /* shown again at the next tick */ }
}

async function loadComplaints(more) {
  const q = '/admin/complaints?status=open' + (more && nextCursor ? '&cursor=' + encodeURIComponent(nextCursor) : '');
  const page = await api('GET', q);
  const body = $('complaints');
  if (!more) body.replaceChildren();
  for (const c of page.items) {
    const tr = document.createElement('tr');
    tr.dataset.id = c.id;
    tr.append(cell(when(c.created_at)), cell(c.reason), cell(c.reported), cell(String(c.reported_open)));
    const td = document.createElement('td');
    const open = document.createElement('button');
    open.textContent = 'Open';
    open.className = 'open-complaint';
    open.addEventListener('click', () => showComplaint(c.id));
    td.append(open);
    tr.append(td);
    body.append(tr);
  }
  nextCursor = page.next;
  $('more').hidden = !nextCursor;
}

async function showComplaint(id) {
  const c = await api('GET', '/admin/complaints/' + id);
  current = c;
  $('detail').hidden = false;
  $('detail-id').textContent = c.id;
  $('detail-person').textContent = c.reported;
  $('detail-reason').textContent = c.reason;
  $('detail-status').textContent = '';
  const list = $('evidence');
  list.replaceChildren();
  for (const m of c.evidence) {
    const li = document.createElement('li');
    li.className = m.sender === c.reported ? 'reported' : 'reporter';
    li.textContent = (m.sender === c.reported ? 'reported: ' : 'reporter: ') + m.text;
    list.append(li);
  }
}

async function ban(length) {
  if (!current) return;
  const body = { reason: 'complaint ' + current.id + ': ' + current.reason, by: moderator() };
  if (length !== 'permanent') body.until = new Date(Date.now() + Number(length) * 1000).toISOString();
  await api('POST', '/admin/users/' + current.reported + '/ban', body);
  await api('POST', '/admin/complaints/' + current.id + '/resolve', { status: 'resolved', by: moderator() });
  $('detail-status').textContent = (BANS[length] || 'Banned permanently') + ': done.';
  await Promise.all([loadComplaints(false), loadAudit()]);
}

async function dismiss() {
  if (!current) return;
  await api('POST', '/admin/complaints/' + current.id + '/resolve', { status: 'dismissed', by: moderator() });
  $('detail-status').textContent = 'Dismissed.';
  await Promise.all([loadComplaints(false), loadAudit()]);
}

async function lookup(id) {
  const box = $('person');
  box.replaceChildren();
  try {
    const p = await api('GET', '/admin/users/' + encodeURIComponent(id));
    const lines = [
      'Person ' + p.id + ' (' + p.platform + (p.deleted ? ', deleted' : '') + ')',
      (p.online ? 'online' : 'offline') + (p.chatting ? ', chatting' : ''),
      'Reputation: +' + p.profile.reputation_up + ' / -' + p.profile.reputation_down +
        ', complaints received: ' + p.profile.complaints_received,
      p.active_ban ? 'Banned ' + (p.active_ban.until ? 'until ' + when(p.active_ban.until) : 'permanently') : 'Not banned',
      'Reports: ' + p.reports.length + ', bans so far: ' + p.bans.length,
    ];
    for (const l of lines) { const d = document.createElement('p'); d.textContent = l; box.append(d); }
    if (p.active_ban) {
      const b = document.createElement('button');
      b.textContent = 'Unban';
      b.addEventListener('click', async () => {
        await api('DELETE', '/admin/users/' + p.id + '/ban?by=' + encodeURIComponent(moderator()));
        await Promise.all([lookup(p.id), loadAudit()]);
      });
      box.append(b);
    }
  } catch (e) {
    const d = document.createElement('p'); d.className = 'error'; d.textContent = e.message; box.append(d);
  }
}

async function loadAudit() {
  const page = await api('GET', '/admin/audit?limit=50');
  const body = $('audit-rows');
  body.replaceChildren();
  for (const e of page.items) {
    const tr = document.createElement('tr');
    tr.dataset.action = e.action;
    tr.append(cell(when(e.at)), cell(e.actor), cell(e.action), cell(e.user || ''), cell(e.detail));
    body.append(tr);
  }
}

function signOut(message) {
  sessionStorage.removeItem('chathub.admin.token');
  $('console').hidden = true;
  $('login').hidden = false;
  $('login-error').textContent = message || '';
}

async function start() {
  $('login').hidden = true;
  $('console').hidden = false;
  $('who').textContent = moderator();
  await refreshStats();
  await Promise.all([loadComplaints(false), loadAudit()]);
}

document.addEventListener('DOMContentLoaded', () => {
  $('login-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    sessionStorage.setItem('chathub.admin.token', $('token').value);
    sessionStorage.setItem('chathub.admin.by', $('moderator').value.trim());
    $('token').value = '';
    start().catch((e) => signOut(e.message));
  });
  $('more').addEventListener('click', () => loadComplaints(true));
  for (const b of document.querySelectorAll('[data-ban]')) {
    b.addEventListener('click', () => ban(b.dataset.ban).catch((e) => { $('detail-status').textContent = e.message; }));
  }
  $('dismiss').addEventListener('click', () => dismiss().catch((e) => { $('detail-status').textContent = e.message; }));
  $('detail-person').addEventListener('click', (ev) => { ev.preventDefault(); if (current) lookup(current.reported); });
  $('lookup-form').addEventListener('submit', (ev) => { ev.preventDefault(); lookup($('lookup-id').value.trim()); });
  setInterval(() => { if (token()) refreshStats(); }, STATS_EVERY_MS);
  if (token() && moderator()) start().catch((e) => signOut(e.message));
});
