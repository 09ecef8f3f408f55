// chathub web client. One WebSocket at /ws carries JSON frames (see the
// protocol notes in the server). This file keeps the conversation, survives
// reconnects without losing or duplicating messages, and drives the UI through
// document.body.dataset.state (connecting|idle|searching|chatting|ended).
(() => {
  'use strict';

  const MAX_CHARS = 4096;        // server limit, counted in code points
  const COUNTER_FROM = 3600;     // show the counter only when it matters
  const BACKOFF_MIN = 500;
  const BACKOFF_MAX = 10000;
  const CONNECT_TIMEOUT = 10000; // a socket stuck in CONNECTING is abandoned
  const STABLE_AFTER = 10000;    // a connection this old resets the backoff
  const KEEP_MSGS = 200;         // transcript kept in sessionStorage
  const KEY_SESSION = 'chathub.session';
  const KEY_CHAT = 'chathub.chat';
  const KEY_LANG = 'chathub.lang';
  const TYPING_EVERY = 2000;     // our typing signal at most this often (the server's limit)
  const TYPING_SHOWN = 4000;     // "stranger is typing" shown this long after their last signal
  const RETRY_BACKOFF = [1000, 2000, 4000, 8000]; // resends after `unavailable`, then "Retry"

  // Words come from i18n.js (loaded first), in the page's language.
  const T = (key, vars) => window.chathubI18n.t(key, vars);
  const $ = (id) => document.getElementById(id);
  const ui = {
    app: $('app'), status: $('status'), notice: $('notice'), announcer: $('announcer'),
    lobbyTitle: $('lobby-title'), lobbyText: $('lobby-text'), lang: $('lang'),
    start: $('start'), reclaim: $('reclaim'), cancel: $('cancel'),
    messages: $('messages'), jump: $('jump'),
    composer: $('composer'), input: $('input'), counter: $('counter'), send: $('send'),
    next: $('next'), stop: $('stop'), report: $('report'),
    dialog: $('report-dialog'), reason: $('report-reason'), toasts: $('toasts'),
    connBanner: $('conn-banner'), partnerBanner: $('partner-banner'), typing: $('typing'),
  };

  // ---------------------------------------------------------------- state --

  // Everything that must survive a reconnect (and a reload of this tab).
  const S = {
    session: null,   // resume token from `hello`
    room: null,      // room we are showing as live; null when not chatting
    lastSeq: 0,      // highest seq seen in `room` (messages and acks)
    seen: new Set(), // seqs already rendered in `room`, to drop replays
    searching: false,// we asked for a partner and have not been matched yet
    msgs: [],        // {id?, seq?, mine, text, status, retryable?, ts, el}
  };

  let state = 'connecting';
  let ws = null;           // current socket, null while waiting to reconnect
  let ready = false;       // `hello` received on the current socket
  let openedAt = 0;
  let attempt = 0;         // consecutive failed connection attempts
  let retryTimer = 0, countdownTimer = 0, connectTimer = 0, retryAt = 0;
  let takenOver = false;   // closed with 4001: another tab owns the session
  let lastCommand = null;  // {type, prev, at}: errors without id refer to it
  let unread = 0;
  // The send queue: our messages go out one at a time, in the order typed,
  // each after the previous one's ack, paced by a token bucket like the
  // server's flood limit (advertised in `hello`), so the server never has
  // to refuse one and a refusal never reorders them.
  let inflight = null;     // id of the message sent and not yet answered
  let pumpTimer = 0;
  let pausedUntil = 0;     // after a `flood` error: its retry_after
  const bucket = { perSec: 5, burst: 20, tokens: 20, at: Date.now() };
  let lastTypingSent = 0;
  let typingTimer = 0;
  let everOnline = false;  // the banner says "reconnecting" only after a first connection
  const baseTitle = document.title;
  const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

  // ---------------------------------------------------------- persistence --

  // sessionStorage is per tab, so two tabs are two different strangers, and a
  // reload of this tab resumes the same chat with its transcript.
  let saveQueued = false;
  function save() {
    if (saveQueued) return;
    saveQueued = true;
    queueMicrotask(() => {
      saveQueued = false;
      try {
        if (S.session) sessionStorage.setItem(KEY_SESSION, S.session);
        sessionStorage.setItem(KEY_CHAT, JSON.stringify({
          room: S.room, lastSeq: S.lastSeq, searching: S.searching,
          msgs: S.room ? S.msgs.slice(-KEEP_MSGS).map(({ el, ...rest }) => rest) : [],
        }));
      } catch (_) { /* storage full or disabled: resume still works in memory */ }
    });
  }

  function restore() {
    try {
      S.session = sessionStorage.getItem(KEY_SESSION) || null;
      const saved = JSON.parse(sessionStorage.getItem(KEY_CHAT) || 'null');
      if (S.session && saved && typeof saved === 'object') {
        S.searching = saved.searching === true;
        if (typeof saved.room === 'string') {
          S.room = saved.room;
          S.lastSeq = Number.isInteger(saved.lastSeq) ? saved.lastSeq : 0;
          addSystem(T('web-chatting-restored'));
          for (const m of Array.isArray(saved.msgs) ? saved.msgs : []) {
            if (!m || typeof m.text !== 'string') continue;
            const rec = {
              id: typeof m.id === 'string' ? m.id : undefined,
              seq: Number.isInteger(m.seq) ? m.seq : undefined,
              mine: m.mine === true, text: m.text,
              status: m.status || 'sent', retryable: m.retryable, ts: m.ts || Date.now(),
            };
            if (rec.seq !== undefined) S.seen.add(rec.seq);
            S.msgs.push(rec);
            ui.messages.append(renderMsg(rec));
          }
        }
      }
      const lang = localStorage.getItem(KEY_LANG);
      if (lang && [...ui.lang.options].some((o) => o.value === lang)) ui.lang.value = lang;
    } catch (_) { /* corrupt or unavailable storage: start fresh */ }
  }

  // ----------------------------------------------------------- connection --

  function wsUrl() {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    let url = `${proto}//${location.host}/ws`;
    if (S.session) {
      url += `?${new URLSearchParams({ last_seq: String(S.room ? S.lastSeq : 0) })}`;
    }
    return url;
  }

  // The resume token is a bearer secret: it travels as a subprotocol, never
  // in the URL (which proxies log). The server selects `chathub`.
  function wsProtocols() {
    return S.session ? ['chathub', `chathub.session.${S.session}`] : ['chathub'];
  }

  function connect() {
    clearRetry();
    if (ws || takenOver) return;
    setConn('connecting');
    let sock;
    try {
      sock = new WebSocket(wsUrl(), wsProtocols());
    } catch (_) {
      scheduleReconnect();
      return;
    }
    ws = sock;
    ready = false;
    connectTimer = setTimeout(() => {
      if (ws === sock && sock.readyState === WebSocket.CONNECTING) sock.close();
    }, CONNECT_TIMEOUT);
    // Every handler checks `ws === sock`: late events of an abandoned socket
    // must not touch the state of its successor.
    sock.onmessage = (ev) => { if (ws === sock) onFrame(ev.data); };
    sock.onclose = (ev) => {
      if (ws !== sock) return;
      clearTimeout(connectTimer);
      ws = null;
      ready = false;
      onClosed(ev.code);
    };
  }

  function onClosed(code) {
    if (openedAt && Date.now() - openedAt > STABLE_AFTER) attempt = 0;
    openedAt = 0;
    if (code === 4001) {
      // Another tab or device took this session over. Reconnecting would
      // steal it back and the two would fight forever, so wait for the user.
      takenOver = true;
      setConn('offline');
      showEnded('takeover');
      return;
    }
    // 1001 (server restarting), 4002 (we were too slow), 1006 etc.: all retry.
    scheduleReconnect();
    updateControls();
  }

  function scheduleReconnect() {
    clearRetry();
    if (takenOver) return;
    if (navigator.onLine === false) {
      setConn('offline'); // the `online` event reconnects at once
      return;
    }
    const base = Math.min(BACKOFF_MAX, BACKOFF_MIN * 2 ** attempt);
    const delay = Math.min(BACKOFF_MAX, base * (0.75 + Math.random() * 0.5)); // jitter spreads a restart's reconnect storm
    attempt += 1;
    retryAt = Date.now() + delay;
    retryTimer = setTimeout(connect, delay);
    const tick = () => setConn('reconnecting', Math.max(1, Math.ceil((retryAt - Date.now()) / 1000)));
    tick();
    countdownTimer = setInterval(tick, 250);
  }

  function clearRetry() {
    clearTimeout(retryTimer);
    clearInterval(countdownTimer);
    retryTimer = countdownTimer = 0;
  }

  function retryNow() {
    if (ws || takenOver) return;
    attempt = 0;
    connect();
  }

  let lastConnKind = '';
  let lastSeconds = 0;
  function setConn(kind, seconds) {
    lastSeconds = seconds;
    const text = kind === 'reconnecting'
      ? T('web-status-reconnecting-in', { seconds }) : T(`web-status-${kind}`);
    ui.status.textContent = text;
    ui.status.dataset.conn = kind;
    if (kind === 'online') everOnline = true;
    const banner = kind === 'online' || (!everOnline && kind === 'connecting') ? ''
      : kind === 'offline' ? T('web-banner-offline')
        : kind === 'reconnecting' ? T('web-banner-reconnecting-in', { seconds })
          : T('web-banner-reconnecting');
    ui.connBanner.hidden = !banner;
    if (ui.connBanner.textContent !== banner) ui.connBanner.textContent = banner;
    // Announce kind changes only; the countdown ticking is noise for screen readers.
    if (kind !== lastConnKind) {
      if (lastConnKind) announce(T(`web-announce-${kind}`));
      lastConnKind = kind;
    }
  }

  function send(frame) {
    if (!ws || !ready || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(JSON.stringify(frame));
    return true;
  }

  // Commands (not messages) are remembered briefly so an `error` frame without
  // an id can be attributed to them and the optimistic UI rolled back.
  function command(frame) {
    takeToken(); // commands count against the same server limit as messages
    if (!send(frame)) {
      toast(T('web-offline-try-again'));
      return false;
    }
    lastCommand = { type: frame.type, prev: state, at: Date.now() };
    return true;
  }

  // --------------------------------------------------------------- frames --

  function onFrame(data) {
    let f;
    try { f = JSON.parse(data); } catch (_) { return; }
    if (!f || typeof f.type !== 'string') return;
    // The settings panel (settings.js) follows the frames it cares about.
    document.dispatchEvent(new CustomEvent('chathub:frame', { detail: f }));
    switch (f.type) {
      case 'hello': return onHello(f);
      case 'searching': return onSearching();
      case 'matched': return onMatched(f);
      case 'message': return onMessage(f);
      case 'ack': return onAck(f);
      case 'partner_left': return onPartnerLeft(f);
      case 'stopped': return onStopped();
      case 'reported': return onReported();
      case 'partner_delayed':
        return addSystem(T('web-partner-delayed'));
      case 'error': return onError(f);
      case 'search_stopped': return onSearchStopped();
      case 'partner_away': return onPartnerAway(f, true);
      case 'partner_back': return onPartnerAway(f, false);
      case 'typing': return onTyping();
      default: return; // unknown frames are ignored so the server can add new ones
    }
  }

  function onHello(f) {
    const sameSession = f.session === S.session;
    S.session = typeof f.session === 'string' ? f.session : null;
    ready = true;
    openedAt = Date.now();
    setConn('online');
    const flood = f.flood || {};
    if (Number.isFinite(flood.per_sec) && flood.per_sec > 0) bucket.perSec = flood.per_sec;
    if (Number.isFinite(flood.burst) && flood.burst > 0) bucket.burst = flood.burst;
    // What was in flight on the old socket is answered (or not) there:
    // resend it (same id, so the server stores it once) from the queue.
    inflight = null;
    // A `partner_back` sent while we were away never reached us: the
    // banner would be stale (a new `partner_away` shows it again).
    ui.partnerBanner.hidden = true;

    if (f.room && sameSession && f.room === S.room) {
      // Resumed into the room on screen: keep it, re-send what was never acked.
      setState('chatting');
      flushOutbox();
    } else {
      if (S.room) showEnded('offline'); // the room we showed is gone
      if (f.room) {
        // A room we are not showing yet; treat it as a match (a `matched`
        // frame for it will follow and be recognised as the same room).
        onMatched({ room: f.room });
      } else if (S.searching) {
        sendSearch(); // the search may have died with the old connection (or session)
      } else if (state === 'connecting' || state === 'searching') {
        setState('idle');
      }
    }
    updateControls();
    save();
  }

  function onSearching() {
    lastCommand = null;
    if (S.room) leaveRoom(); // e.g. after `next`
    S.searching = true;
    setState('searching');
    save();
  }

  function onMatched(f) {
    if (typeof f.room !== 'string') return;
    lastCommand = null;
    S.searching = false;
    if (f.room === S.room) { // re-sent after a resume: keep the conversation
      setState('chatting');
      return;
    }
    clearConversation();
    S.room = f.room;
    addSystem(T('web-matched'));
    setState('chatting');
    attention(T('web-attention-matched'));
    save();
  }

  function onMessage(f) {
    const seq = Number(f.seq);
    if (!S.room || typeof f.text !== 'string' || !Number.isInteger(seq)) return;
    if (S.seen.has(seq)) return; // the server may replay after a resume
    noteSeq(seq);
    const stick = nearBottom();
    showTyping(false); // the message they were typing is here
    ui.partnerBanner.hidden = true; // whoever writes is connected
    placeMsg({ seq, mine: false, text: f.text, status: 'received', ts: Date.now() });
    // Follow the conversation unless the user scrolled up to read something.
    if (stick) scrollToBottom(); else ui.jump.hidden = false;
    attention(T('web-attention-message'));
    save();
  }

  function onAck(f) {
    const seq = Number(f.seq);
    const rec = S.msgs.find((m) => m.mine && m.id === f.id);
    if (Number.isInteger(seq) && S.room) noteSeq(seq);
    if (f.id === inflight) { inflight = null; schedulePump(0); }
    if (!rec) return;
    rec.status = 'sent';
    if (Number.isInteger(seq)) {
      rec.seq = seq;
      // Replays can land before an older pending message; put it where seq says.
      S.msgs.splice(S.msgs.indexOf(rec), 1);
      placeMsg(rec);
    }
    updateMsg(rec);
    save();
  }

  function onPartnerLeft(f) {
    if (!S.room || f.room !== S.room) return; // about a room we already left
    showEnded(f.reason);
  }

  function onStopped() {
    lastCommand = null;
    S.searching = false;
    leaveRoom();
    clearConversation();
    setState('idle');
    save();
  }

  function onReported() {
    lastCommand = null;
    showEnded('reported');
  }

  // The server's own words in English; in another language the page's
  // text for the error's code, unless it needs numbers only the server has.
  function errorText(f) {
    const english = f.message || T('web-error-generic');
    const code = String(f.code || '');
    if (window.chathubI18n.lang() === 'en' || !code) return english;
    const text = T(`error-${code.replace(/_/g, '-')}`);
    if (text.startsWith('error-') || text.includes('{ $')) return english;
    return text.charAt(0).toUpperCase() + text.slice(1);
  }

  function onError(f) {
    const code = String(f.code || '');
    let quiet = code === 'bad_session'; // the server just starts a new session
    if (f.id && f.id === inflight) {
      inflight = null;
      const rec = S.msgs.find((m) => m.mine && m.id === f.id);
      if (rec && rec.status === 'pending' && f.retryable !== false && code === 'flood') {
        // Paced too fast after all (another tab, a reconnect burst): wait
        // as long as the server says and send it again, still first in line.
        const after = Number.isFinite(f.retry_after_ms) ? f.retry_after_ms : 1000;
        pausedUntil = Date.now() + Math.max(50, after);
        bucket.tokens = 0;
        bucket.at = Date.now();
        schedulePump(0);
        return;
      }
      if (rec && rec.status === 'pending' && f.retryable !== false) {
        rec.tries = (rec.tries || 0) + 1;
        if (rec.tries <= RETRY_BACKOFF.length) {
          pausedUntil = Date.now() + RETRY_BACKOFF[rec.tries - 1];
          schedulePump(0);
          return;
        }
      }
    }
    if (f.id) {
      const rec = S.msgs.find((m) => m.mine && m.id === f.id);
      if (rec && rec.status !== 'sent') {
        rec.status = 'failed';
        rec.retryable = f.retryable !== false;
        updateMsg(rec);
        save();
      }
      schedulePump(0); // the next one goes on; the failed one waits for its Retry button
    } else if (lastCommand && Date.now() - lastCommand.at < 10000) {
      const { type, prev } = lastCommand;
      lastCommand = null;
      if (type === 'next' && code === 'not_in_room') {
        sendSearch(); // partner left at the same moment: just look for someone
        return;
      }
      if (type === 'stop' && code === 'not_in_room') quiet = true; // already idle
      if (type === 'search' && code === 'already_in_room') {
        // The server has us in a room we are not showing: reconnect, and
        // `hello` + `matched` will bring the room back.
        quiet = resync();
      }
      if (type === 'search' && state === 'searching') {
        S.searching = false; // the search never started: undo the optimistic view
        setState(prev === 'ended' ? 'ended' : 'idle');
        save();
      }
    }
    if (!quiet) toast(errorText(f), { sticky: code === 'banned' });
  }

  // -------------------------------------------------------------- actions --

  function sendSearch() {
    // The settings panel's preferences (settings.js), else the language.
    const lang = ui.lang.value;
    const frame = { type: 'search' };
    if (typeof window.chathubPrefs === 'function') frame.prefs = window.chathubPrefs();
    else if (lang && lang !== 'any') frame.prefs = { lang };
    if (!command(frame)) return;
    leaveRoom();
    clearConversation();
    S.searching = true;
    setState('searching');
    save();
  }

  function doNext() {
    if (!command({ type: 'next' })) return;
    leaveRoom(); // stop showing the old partner's late messages right away
    clearConversation();
    S.searching = true;
    setState('searching');
    save();
  }

  function doStop() {
    if (!command({ type: 'stop' })) return;
    S.searching = false;
    leaveRoom();
    clearConversation();
    setState('idle');
    save();
  }

  function doReport() {
    if (typeof ui.dialog.showModal !== 'function') {
      const reason = window.prompt(T('web-report-prompt'), '');
      if (reason !== null) command({ type: 'report', reason: reason.trim().slice(0, 500) });
      return;
    }
    ui.reason.value = '';
    ui.dialog.returnValue = '';
    ui.dialog.showModal();
    ui.reason.focus();
  }

  ui.dialog.addEventListener('close', () => {
    if (ui.dialog.returnValue !== 'report') return;
    // Sent even if the partner left while the dialog was open: the server
    // decides (nothing_to_report). `reason` always goes, possibly empty: the
    // server maps empty to "unspecified".
    command({ type: 'report', reason: ui.reason.value.trim() });
  });

  function submit() {
    if (state !== 'chatting') return;
    const text = ui.input.value.trim();
    if (!text) return;
    const n = [...text].length;
    if (n > MAX_CHARS) {
      toast(T('web-too-long', { n, max: MAX_CHARS }));
      return;
    }
    const rec = { id: newId(), mine: true, text, status: 'pending', ts: Date.now() };
    placeMsg(rec);
    // Queued: it goes out after those before it (also after a reconnect).
    schedulePump(0);
    ui.input.value = '';
    onInput();
    scrollToBottom();
    save();
  }

  // Re-send messages that were never acked, in order; the server
  // de-duplicates by id.
  function flushOutbox() {
    schedulePump(0);
  }

  function schedulePump(delay) {
    clearTimeout(pumpTimer);
    pumpTimer = setTimeout(pump, delay);
  }

  // Takes a token if one is there; otherwise says how long until one is.
  function takeToken() {
    const now = Date.now();
    bucket.tokens = Math.min(bucket.burst, bucket.tokens + ((now - bucket.at) / 1000) * bucket.perSec);
    bucket.at = now;
    if (bucket.tokens >= 1) { bucket.tokens -= 1; return 0; }
    return Math.ceil(((1 - bucket.tokens) / bucket.perSec) * 1000);
  }

  // Sends the oldest message still pending, if nothing is in flight.
  function pump() {
    pumpTimer = 0;
    if (inflight || !ready || state !== 'chatting') return;
    const rec = S.msgs.find((m) => m.mine && m.status === 'pending');
    if (!rec) return;
    const paused = pausedUntil - Date.now();
    if (paused > 0) { schedulePump(paused); return; }
    const wait = takeToken();
    if (wait > 0) { schedulePump(wait); return; }
    if (send({ type: 'message', text: rec.text, id: rec.id })) inflight = rec.id;
  }

  function retryMsg(rec) {
    if (!rec.retryable) {
      // The server will refuse it again (too long, empty…): let the user edit it.
      ui.input.value = rec.text;
      removeMsg(rec);
      onInput();
      ui.input.focus();
      return;
    }
    removeMsg(rec);
    // Keep the id: a retryable failure (unavailable, flood) may have been
    // stored before it failed, and the same id makes the server answer with
    // the stored seq instead of storing the message twice.
    rec.status = 'pending';
    rec.tries = 0;
    rec.ts = Date.now();
    placeMsg(rec);
    schedulePump(0);
    scrollToBottom();
    save();
  }

  let lastResync = 0;
  function resync() {
    if (!ws || Date.now() - lastResync < 30000) return false; // never loop
    lastResync = Date.now();
    ws.close(1000, 'resync');
    return true;
  }

  function newId() {
    const rnd = new Uint32Array(2);
    crypto.getRandomValues(rnd);
    return `m-${Date.now().toString(36)}-${rnd[0].toString(36)}${rnd[1].toString(36)}`;
  }

  // ---------------------------------------------------------- room state --

  function noteSeq(seq) {
    S.seen.add(seq);
    if (seq > S.lastSeq) S.lastSeq = seq;
  }

  // Forget the room; messages that never got out are marked as such.
  function leaveRoom() {
    for (const rec of S.msgs) {
      if (rec.mine && (rec.status === 'pending' || rec.status === 'failed')) {
        rec.status = 'undelivered';
        updateMsg(rec);
      }
    }
    S.room = null;
    S.lastSeq = 0;
    S.seen.clear();
    inflight = null;
    ui.partnerBanner.hidden = true;
    showTyping(false);
  }

  function onSearchStopped() {
    lastCommand = null;
    if (!S.searching && state !== 'searching') return;
    showEnded('search_timeout');
  }

  function onPartnerAway(f, away) {
    if (!S.room || f.room !== S.room) return;
    ui.partnerBanner.hidden = !away;
    if (away) showTyping(false);
    announce(T(away ? 'web-partner-away' : 'web-partner-back'));
  }

  function onTyping() {
    if (state !== 'chatting') return;
    showTyping(true);
  }

  function showTyping(on) {
    clearTimeout(typingTimer);
    ui.typing.hidden = !on;
    if (on) typingTimer = setTimeout(() => { ui.typing.hidden = true; }, TYPING_SHOWN);
  }

  // Tell the partner we are typing, at most every TYPING_EVERY (never stored).
  function noteTyping() {
    if (state !== 'chatting' || !ui.input.value.trim()) return;
    const now = Date.now();
    if (now - lastTypingSent < TYPING_EVERY) return;
    if (send({ type: 'typing' })) lastTypingSent = now;
  }

  function clearConversation() {
    S.msgs = [];
    ui.messages.replaceChildren();
    ui.jump.hidden = true;
  }

  // Why a chat ended: the message ids of [title, text].
  const ENDED = {
    next: ['web-left-title', 'web-left-next'],
    stop: ['web-left-title', 'web-left-stop'],
    report: ['web-left-title', 'web-left-stop'],
    disconnected: ['web-left-title', 'web-left-disconnected'],
    blocked: ['web-left-title', 'web-left-blocked'],
    moderation: ['web-ended-moderation-title', 'web-ended-moderation'],
    idle: ['web-ended-idle-title', 'web-ended-idle'],
    search_timeout: ['web-ended-search-timeout-title', 'web-ended-search-timeout'],
    offline: ['web-ended-offline-title', 'web-ended-offline'],
    reported: ['web-ended-reported-title', 'web-ended-reported'],
    takeover: ['web-ended-takeover-title', 'web-ended-takeover'],
  };
  let endedKind = 'next';

  function showEnded(kind) {
    endedKind = ENDED[kind] ? kind : 'next';
    if (kind !== 'takeover') {
      S.searching = false;
      leaveRoom();
    }
    setState('ended');
    save();
  }

  // ------------------------------------------------------------ rendering --

  function setState(next) {
    const prev = state;
    const changed = next !== prev;
    state = next;
    document.body.dataset.state = next;
    document.body.classList.toggle('takeover', next === 'ended' && endedKind === 'takeover');

    let notice;
    switch (next) {
      case 'connecting':
        notice = T('web-notice-connecting');
        ui.start.textContent = T('web-start');
        ui.lobbyText.textContent = T('web-lobby-text');
        break;
      case 'idle':
        notice = T('web-notice-idle');
        ui.start.textContent = T('web-start');
        ui.lobbyText.textContent = T('web-lobby-text');
        break;
      case 'searching':
        notice = T('web-notice-searching');
        break;
      case 'chatting':
        notice = T('web-notice-chatting');
        break;
      case 'ended':
        notice = T(ENDED[endedKind][0]);
        ui.lobbyText.textContent = T(ENDED[endedKind][1]);
        ui.start.textContent = T('web-find-new');
        break;
    }
    if (ui.notice.textContent !== notice) ui.notice.textContent = notice;
    updateControls();

    if (changed) {
      if (next === 'chatting' || next === 'ended') scrollToBottom(true);
      if (prev !== 'connecting') moveFocus(next); // not on page load: no stray focus ring
    }
  }

  function updateControls() {
    const off = !ready;
    ui.start.disabled = off;
    ui.cancel.disabled = off;
    ui.next.disabled = off;
    ui.stop.disabled = off;
    ui.report.disabled = off;
    // Send stays enabled offline: messages queue and go out after reconnecting.
  }

  // Keep keyboard focus on something visible when the old control disappears;
  // skip the text box on touch screens so the keyboard does not pop up uninvited.
  function moveFocus(next) {
    const active = document.activeElement;
    const lost = !active || active === document.body || active.offsetParent === null;
    if (!lost || ui.dialog.open) return;
    const touch = window.matchMedia('(pointer: coarse)').matches;
    const target = {
      idle: ui.start,
      ended: endedKind === 'takeover' ? ui.reclaim : ui.start,
      searching: ui.cancel,
      chatting: touch ? null : ui.input,
    }[next];
    if (target) target.focus({ preventScroll: true });
  }

  function renderMsg(rec) {
    const row = document.createElement('div');
    row.className = `msg ${rec.mine ? 'mine' : 'theirs'}`;
    const who = document.createElement('span');
    who.className = 'sr-only who';
    who.textContent = `${T(rec.mine ? 'web-who-me' : 'web-who-partner')}: `;
    const bubble = document.createElement('div');
    bubble.className = 'bubble';
    bubble.textContent = rec.text; // never innerHTML: this is user text
    const meta = document.createElement('div');
    meta.className = 'meta';
    const time = document.createElement('time');
    time.dateTime = new Date(rec.ts).toISOString();
    time.textContent = timeFmt.format(rec.ts);
    meta.append(time);
    if (rec.mine) {
      const tick = document.createElement('span');
      tick.className = 'tick';
      const retry = document.createElement('button');
      retry.type = 'button';
      retry.className = 'retry';
      meta.append(tick, retry);
    }
    row.append(who, bubble, meta);
    rec.el = row;
    updateMsg(rec);
    return row;
  }

  const TICK = {
    pending: ['◷', 'web-status-pending'],
    sent: ['✓', 'web-status-sent'],
    failed: ['!', 'web-status-failed'],
    undelivered: ['!', 'web-status-undelivered'],
  };

  function updateMsg(rec) {
    const row = rec.el;
    if (!row) return;
    if (rec.seq !== undefined) row.dataset.seq = String(rec.seq);
    if (!rec.mine) return;
    row.dataset.id = rec.id;
    row.dataset.status = rec.status;
    const [glyph, key] = TICK[rec.status] || TICK.pending;
    const label = T(key);
    const tick = row.querySelector('.tick');
    tick.textContent = glyph;
    tick.title = label;
    tick.setAttribute('role', 'img');
    tick.setAttribute('aria-label', label);
    const retry = row.querySelector('.retry');
    retry.hidden = rec.status !== 'failed';
    retry.textContent = T(rec.retryable === false ? 'web-edit' : 'web-retry');
  }

  // Keep the list in seq order: a replayed message goes before anything with a
  // higher seq and before our own messages still waiting for their seq.
  function placeMsg(rec) {
    const el = rec.el || renderMsg(rec);
    let i = S.msgs.length;
    if (rec.seq !== undefined) {
      i = S.msgs.findIndex((m) => (m.seq !== undefined && m.seq > rec.seq) ||
        (m.mine && m.seq === undefined && m.status === 'pending'));
      if (i < 0) i = S.msgs.length;
    }
    const before = S.msgs[i];
    S.msgs.splice(i, 0, rec);
    if (before) ui.messages.insertBefore(el, before.el);
    else ui.messages.append(el);
  }

  function removeMsg(rec) {
    const i = S.msgs.indexOf(rec);
    if (i >= 0) S.msgs.splice(i, 1);
    rec.el?.remove();
    rec.el = null;
  }

  function addSystem(text) {
    const p = document.createElement('p');
    p.className = 'sys';
    p.textContent = text;
    ui.messages.append(p);
  }

  function nearBottom() {
    const m = ui.messages;
    return m.scrollHeight - m.scrollTop - m.clientHeight < 80;
  }

  function scrollToBottom(defer) {
    const go = () => { ui.messages.scrollTop = ui.messages.scrollHeight; ui.jump.hidden = true; };
    if (defer) requestAnimationFrame(go); else go();
  }

  function announce(text) {
    ui.announcer.textContent = text;
  }

  function toast(text, { sticky = false } = {}) {
    const box = document.createElement('div');
    box.className = 'toast';
    box.setAttribute('role', 'alert');
    const msg = document.createElement('p');
    msg.textContent = text; // server text, still never parsed as HTML
    const close = document.createElement('button');
    close.type = 'button';
    close.className = 'toast-close';
    close.setAttribute('aria-label', T('web-dismiss'));
    close.textContent = '×';
    close.addEventListener('click', () => box.remove());
    box.append(msg, close);
    ui.toasts.append(box);
    while (ui.toasts.children.length > 3) ui.toasts.firstElementChild.remove();
    if (!sticky) setTimeout(() => box.remove(), 7000);
  }

  // Draw the eye of someone who switched tabs: count unread in the title.
  function attention(what) {
    if (!document.hidden) return;
    unread += 1;
    document.title = `(${unread}) ${what} · ${baseTitle}`;
  }

  // ---------------------------------------------------------------- input --

  function onInput() {
    const n = [...ui.input.value.trim()].length;
    const over = n > MAX_CHARS;
    ui.counter.textContent = n >= COUNTER_FROM ? `${n} / ${MAX_CHARS}` : '';
    ui.counter.classList.toggle('over', over);
    ui.input.setAttribute('aria-invalid', over ? 'true' : 'false');
    ui.send.disabled = over;
    // Grow with the text up to a few lines, then scroll inside.
    ui.input.style.height = 'auto';
    ui.input.style.height = `${Math.min(ui.input.scrollHeight + 2, 160)}px`;
  }

  ui.input.addEventListener('input', onInput);
  ui.input.addEventListener('input', noteTyping);
  ui.input.addEventListener('keydown', (e) => {
    // isComposing/229: Enter that confirms an IME candidate must not send.
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      submit();
    }
  });
  ui.composer.addEventListener('submit', (e) => {
    e.preventDefault();
    submit();
    if (!window.matchMedia('(pointer: coarse)').matches) ui.input.focus();
  });
  ui.send.addEventListener('mousedown', (e) => e.preventDefault()); // keep the keyboard open on tap

  ui.start.addEventListener('click', sendSearch);
  ui.cancel.addEventListener('click', doStop);
  ui.next.addEventListener('click', doNext);
  ui.stop.addEventListener('click', doStop);
  ui.report.addEventListener('click', doReport);
  ui.reclaim.addEventListener('click', () => {
    takenOver = false;
    attempt = 0;
    setState('connecting');
    connect();
  });
  ui.lang.addEventListener('change', () => {
    try { localStorage.setItem(KEY_LANG, ui.lang.value); } catch (_) { /* optional */ }
  });
  ui.jump.addEventListener('click', () => scrollToBottom());
  ui.messages.addEventListener('scroll', () => { if (nearBottom()) ui.jump.hidden = true; }, { passive: true });
  ui.messages.addEventListener('click', (e) => {
    const btn = e.target.closest('.retry');
    if (!btn) return;
    const rec = S.msgs.find((m) => m.el === btn.closest('.msg'));
    if (rec) retryMsg(rec);
  });

  // --------------------------------------------------------- environment --

  window.addEventListener('online', retryNow);
  window.addEventListener('offline', () => { if (!ws && !takenOver) { clearRetry(); setConn('offline'); } });
  document.addEventListener('visibilitychange', () => {
    if (document.hidden) return;
    unread = 0;
    document.title = baseTitle;
    if (!ws && retryTimer) retryNow(); // phones freeze background timers
  });

  // iOS Safari does not shrink the layout for the on-screen keyboard; size the
  // app to the visual viewport so the composer stays right above the keyboard.
  const vv = window.visualViewport;
  if (vv) {
    const fit = () => {
      if (Math.abs(vv.scale - 1) > 0.01) return; // leave pinch-zoom alone
      const stick = nearBottom();
      ui.app.style.height = `${vv.height}px`;
      ui.app.style.transform = `translateY(${vv.offsetTop}px)`;
      if (stick) scrollToBottom();
    };
    vv.addEventListener('resize', fit);
    vv.addEventListener('scroll', fit);
    fit();
  }

  // ---------------------------------------------------------------- start --

  restore();
  setState('connecting');
  onInput();
  connect();
  // Another page language: redraw what this script wrote (the state's
  // notice and buttons, the connection status, the messages' labels).
  window.chathubI18n.onChange(() => {
    setState(state);
    if (lastConnKind) setConn(lastConnKind, lastSeconds);
    for (const rec of S.msgs) {
      if (!rec.el) continue;
      const who = rec.el.querySelector('.who');
      if (who) who.textContent = `${T(rec.mine ? 'web-who-me' : 'web-who-partner')}: `;
      updateMsg(rec);
    }
  });
  // Frames from the settings panel (settings.js).
  document.addEventListener('chathub:send', (e) => {
    if (e.detail && typeof e.detail.type === 'string') send(e.detail);
  });
})();
