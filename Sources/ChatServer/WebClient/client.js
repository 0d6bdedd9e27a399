// The web client: protocol v2 over a WebSocket on /chat (room messages with ids; after a lost
// connection each room resumes from the last id shown, and scrolling up pages back through
// the room's history), the server's figures from /stats.
// Served as /client.js, a module script; the page's Content-Security-Policy lets nothing inline run,
// so every handler is attached here with addEventListener.
window.chatStats = { samples: 0, last: null };
const $ = (id) => document.getElementById(id);
const el = (tag, cls, text) => {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
};
const btn = (text, cls, fn) => {
  const b = el('button', cls, text);
  b.type = 'button';
  b.addEventListener('click', fn);
  return b;
};
// Split a v1 line into at most n fields: the last one keeps its commas (free text).
const fields = (line, n) => {
  const f = line.split(',');
  return f.length > n ? [...f.slice(0, n - 1), f.slice(n - 1).join(',')] : f;
};
const oneLine = (s) => s.replace(/[\r\n]+/g, ' ');
const key = (name) => name.toLowerCase();
const pad = (n) => String(n).padStart(2, '0');
const clock = (d) => pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
const fmtTime = (ms) => {
  const d = new Date(ms);
  if (isNaN(d.getTime())) return '';
  const now = new Date();
  return d.toDateString() === now.toDateString() ? clock(d) : d.toLocaleDateString() + ' ' + clock(d);
};

const S = { ws: null, name: '', wanted: '', registered: false, quitting: false, backoff: 1, timer: null, rooms: new Map(), v2: false };
// How many earlier messages one scroll to the top asks for, and the most a room's view holds.
const PAGE = 50, MAX_SHOWN = 2000;
// For tests and the browser's console: drop the connection as a network would (it comes back).
window.chatClient = { drop: () => { if (S.ws) S.ws.close(); } };

// Error codes of docs/protocol.md as sentences; % is the detail.
const ERRORS = {
  'unknown-command': 'The server does not know the command "%".',
  'bad-args': 'The command "%" has missing or extra fields.',
  'bad-name': '"%" is not a valid name: use 1 to 32 letters, digits, _ - or .',
  'name-taken': 'That name is taken: %.',
  'already-registered': 'You are already registered as %.',
  'not-registered': 'Register a name first.',
  'no-such-user': 'No user named % is online.',
  'no-such-room': 'There is no room named %.',
  'not-in-room': 'You are not in room %.',
  'already-in-room': 'You are already in room %.',
  'line-too-long': 'That was too long: the limit is % bytes.',
  'bad-utf8': 'The server could not read that text.',
  'rate-limited': 'Slow down: you are sending too fast.',
  'too-many-rooms': 'You are in too many rooms to join %.',
  'rooms-full': 'The server has too many rooms to create %.',
};
const BYES = {
  'quit': 'You left the chat.',
  'shutdown': 'The server is shutting down.',
  'idle-timeout': 'Disconnected: nothing was sent for too long.',
  'slow-consumer': 'Disconnected: messages were not being read fast enough.',
  'server-full': 'The server is full.',
  'too-many-connections': 'Too many connections from your address.',
  'registration-timeout': 'Disconnected: no name was registered in time.',
};

function note(text, info) {
  const list = $('errors');
  const li = el('li', info ? 'info' : '');
  li.append(el('span', 'time', clock(new Date()) + ' '), document.createTextNode(text));
  list.append(li);
  while (list.children.length > 50) list.firstChild.remove();
  list.scrollTop = list.scrollHeight;
}
const showError = (text) => note(text, false);

function setState(text, cls) {
  const s = $('state');
  s.textContent = text;
  s.className = cls;
}

function updateMe() {
  $('me').textContent = S.registered ? 'signed in as ' + S.name : 'not registered';
  $('register').disabled = S.registered;
  $('nick').disabled = !S.registered;
}

function send(line) {
  if (!S.ws || S.ws.readyState !== WebSocket.OPEN) {
    showError('Not connected to the server.');
    return false;
  }
  S.ws.send(line);
  return true;
}

// Connection and reconnection
function connect() {
  clearTimer();
  S.quitting = false;
  $('reconnect').hidden = true;
  setState('connecting', 'connecting');
  let ws;
  try {
    ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/chat');
  } catch (e) {
    retry();
    return;
  }
  S.ws = ws;
  ws.onopen = () => {
    if (S.ws !== ws) return;
    setState('connected', 'connected');
    S.v2 = false;
    ws.send('hello,2');
    if (S.wanted) ws.send('register,' + S.wanted);
  };
  ws.onmessage = (ev) => {
    if (S.ws !== ws || typeof ev.data !== 'string') return;
    for (const part of ev.data.split('\n')) {
      const line = part.replace(/\r$/, '');
      if (line.trim()) {
        try { handle(line); } catch (e) { console.warn('cannot handle line', line, e); }
      }
    }
  };
  ws.onerror = () => {};
  ws.onclose = () => {
    if (S.ws !== ws) return;
    S.ws = null;
    disconnected();
  };
}

function clearTimer() {
  if (S.timer) clearInterval(S.timer);
  S.timer = null;
}

function retry() {
  clearTimer();
  let left = S.backoff;
  S.backoff = Math.min(S.backoff * 2, 30);
  const show = () => setState('disconnected, retrying in ' + left + 's', 'disconnected');
  show();
  S.timer = setInterval(() => {
    left -= 1;
    if (left <= 0) connect(); else show();
  }, 1000);
}

// After a deliberate quit: no reconnecting, but offer "connect again".
function stopped() {
  clearTimer();
  setState('disconnected', 'disconnected');
  $('reconnect').hidden = false;
}

function disconnected() {
  const was = S.registered;
  S.registered = false;
  updateMe();
  for (const r of S.rooms.values()) {
    r.members.clear();
    renderMembers(r);
  }
  if (S.quitting) return stopped();
  if (was && S.rooms.size) note('Connection lost; your rooms will be rejoined.', true);
  retry();
}

// Rooms
const room = (name) => S.rooms.get(key(name || ''));

function makeRoom(name) {
  // ids: the message ids shown (protocol v2), each once; newest and oldest of them; replays:
  // what each `replayed` line to come ends ('join', 'resume' or 'page'), in command order.
  const r = { name, members: new Map(), seen: null, epoch: '', ids: new Set(), newest: 0, oldest: Infinity,
    replays: [], loading: false, atStart: false };
  r.el = el('section', 'room');
  r.el.dataset.room = name;
  const head = el('div', 'room-head');
  r.title = el('h3', '', name);
  r.count = el('span', 'count', '');
  head.append(r.title, r.count, btn('Leave', 'danger leave', () => send('leave,' + r.name)));
  r.msgs = el('ul', 'messages');
  r.msgs.addEventListener('scroll', () => { if (r.msgs.scrollTop < 40) loadOlder(r); });
  r.older = btn('Earlier messages', 'older', () => loadOlder(r));
  r.older.hidden = true;
  const box = el('div', 'members-box');
  r.membersEl = el('ul', 'members');
  box.append(el('h4', '', 'Members'), r.membersEl);
  r.el.append(head, r.older, r.msgs, box);
  $('rooms').append(r.el);
  r.tab = btn(name, '', () => select(r));
  $('room-tabs').append(r.tab);
  r.option = el('option', '', name);
  r.option.value = key(name);
  $('say-room').append(r.option);
  S.rooms.set(key(name), r);
  $('no-rooms').hidden = true;
  return r;
}

function renameRoom(r, name) {
  r.name = name;
  r.el.dataset.room = name;
  r.title.textContent = name;
  r.tab.textContent = name;
  r.option.textContent = name;
}

function select(r) {
  for (const x of S.rooms.values()) {
    const on = x === r;
    x.el.classList.toggle('selected', on);
    x.tab.classList.toggle('selected', on);
  }
  if (r) {
    $('say-room').value = key(r.name);
    r.msgs.scrollTop = r.msgs.scrollHeight;
  }
}

function removeRoom(r) {
  r.el.remove();
  r.tab.remove();
  r.option.remove();
  S.rooms.delete(key(r.name));
  if (r.el.classList.contains('selected')) select(S.rooms.values().next().value || null);
  $('no-rooms').hidden = S.rooms.size > 0;
}

function renderMembers(r) {
  const names = [...r.members.values()].sort((a, b) => a.localeCompare(b, undefined, { sensitivity: 'base' }));
  r.membersEl.replaceChildren(...names.map((n) => el('li', key(n) === key(S.name) && S.registered ? 'member self' : 'member', n)));
  r.count.textContent = S.registered || names.length ? names.length + (names.length === 1 ? ' member' : ' members') : 'offline';
}

function push(list, li, r) {
  const stick = list.scrollTop + list.clientHeight >= list.scrollHeight - 40;
  list.append(li);
  while (list.children.length > (r ? MAX_SHOWN : 500)) forget(r, list.firstChild);
  if (stick) list.scrollTop = list.scrollHeight;
}

// Takes the oldest line off a room's view; its earlier messages can be paged in again.
function forget(r, li) {
  li.remove();
  if (!r || !li.dataset.id) return;
  r.ids.delete(Number(li.dataset.id));
  const first = r.msgs.querySelector('.message[data-id]');
  r.oldest = first ? Number(first.dataset.id) : Infinity;
  r.atStart = false;
  r.older.hidden = false;
}

function messageItem(from, text, ms, cls) {
  const li = el('li', 'message' + (cls ? ' ' + cls : ''));
  li.dataset.key = from + '\u0000' + text;
  li.append(el('time', 'time', fmtTime(ms)));
  if (cls === 'history') {
    li.title = 'Sent before you joined';
    li.append(el('span', 'tag', 'history'));
  }
  li.append(el('span', 'from', from), el('span', 'text', text));
  return li;
}

function addMessage(r, from, text, cls) {
  push(r.msgs, messageItem(from, text, Date.now(), cls), r);
}

function addHistory(r, ms, from, text) {
  if (r.seen) {
    const k = from + '\u0000' + text;
    const n = r.seen.get(k) || 0;
    if (n > 0) {
      r.seen.set(k, n - 1);
      return;
    }
  }
  push(r.msgs, messageItem(from, text, ms, 'history'), r);
}

function addEvent(r, text) {
  const li = el('li', 'event');
  li.append(el('span', 'time', clock(new Date())), document.createTextNode(text));
  push(r.msgs, li, r);
}

// A protocol v2 message: shown once, in id order. A newer one than any shown goes at the
// end; an older one (a page of history) goes before the messages shown.
function addKept(r, id, ms, from, text) {
  if (!(id > 0) || r.ids.has(id)) return;
  // Said before this user joined: a join's replay, or a page older than what is shown.
  const before = r.replays[0] === 'join' || (r.newest > 0 && id < r.oldest);
  const li = messageItem(from, text, ms, before ? 'history' : key(from) === key(S.name) ? 'own' : '');
  li.dataset.id = String(id);
  r.ids.add(id);
  if (id > r.newest) {
    r.newest = id;
    if (r.oldest === Infinity) r.oldest = id;
    push(r.msgs, li, r);
    return;
  }
  let next = null;
  for (const m of r.msgs.querySelectorAll('.message[data-id]')) {
    if (Number(m.dataset.id) > id) { next = m; break; }
  }
  r.msgs.insertBefore(li, next);
  r.oldest = Math.min(r.oldest, id);
}

// Scrolled to the top: the page of messages before the oldest shown.
function loadOlder(r) {
  if (!S.v2 || !S.registered || r.loading || r.atStart || !(r.oldest < Infinity) || r.oldest <= 1) return;
  r.loading = true;
  r.replays.push('page');
  r.scrollFrom = r.msgs.scrollHeight - r.msgs.scrollTop;
  send('history,' + r.name + ',before,' + r.oldest + ',' + PAGE);
}

function onReplayed(r, count, outcome) {
  const kind = r.replays.shift() || 'join';
  if (kind === 'page') {
    r.loading = false;
    if (count < PAGE) {
      r.atStart = true;
      const li = el('li', 'event start', 'Start of the history of ' + r.name);
      r.msgs.insertBefore(li, r.msgs.firstChild);
    }
    r.msgs.scrollTop = r.msgs.scrollHeight - r.scrollFrom;
  } else if (kind === 'resume') {
    if (outcome === 'gap') addEvent(r, 'Some messages of ' + r.name + ' from while you were away are no longer kept.');
    else if (count > 0) addEvent(r, count === 1 ? '1 message from while you were away.' : count + ' messages from while you were away.');
  } else if (count === 0 || r.oldest <= 1) {
    r.atStart = true;
  }
  r.older.hidden = r.atStart;
}

function onJoined(name, epoch) {
  let r = room(name);
  if (r && S.v2) {
    renameRoom(r, name);
    if (r.epoch && epoch !== r.epoch) {
      // The server lost the room's record: its ids mean something else now.
      addEvent(r, 'The history of ' + name + ' was started again.');
      r.ids = new Set();
      r.newest = 0;
      r.oldest = Infinity;
    }
    r.epoch = epoch;
    addEvent(r, 'Rejoined ' + name);
  } else if (r) {
    renameRoom(r, name);
    // A rejoin after reconnecting: skip history lines this view already shows.
    r.seen = new Map();
    for (const li of r.msgs.querySelectorAll('.message')) {
      r.seen.set(li.dataset.key, (r.seen.get(li.dataset.key) || 0) + 1);
    }
    addEvent(r, 'Rejoined ' + name);
  } else {
    r = makeRoom(name);
    r.epoch = epoch || '';
    if (S.v2) r.replays.push('join');
    select(r);
    addEvent(r, 'You joined ' + name);
  }
  send('who,' + name);
}

function onRegistered(name) {
  S.registered = true;
  S.name = name;
  S.wanted = name;
  S.backoff = 1;
  updateMe();
  note('Registered as ' + name + '.', true);
  // Back after a lost connection: each room resumes from the last message shown.
  for (const r of S.rooms.values()) {
    if (S.v2 && r.epoch && r.newest > 0) {
      r.replays.push('resume');
      send('join,' + r.name + ',' + r.epoch + ',' + r.newest);
    } else {
      if (S.v2) r.replays.push('join');
      send('join,' + r.name);
    }
  }
}

function rename(old, neu, self) {
  for (const r of S.rooms.values()) {
    if (!r.members.has(key(old)) && !self) continue;
    r.members.delete(key(old));
    r.members.set(key(neu), neu);
    renderMembers(r);
    addEvent(r, self ? 'You are now known as ' + neu : old + ' is now known as ' + neu);
  }
}

function handle(line) {
  const verb = fields(line, 2)[0].trim().toLowerCase();
  switch (verb) {
    case 'ack': {
      const name = fields(line, 2)[1] || '';
      if (!S.registered) {
        onRegistered(name);
      } else {
        const old = S.name;
        S.name = name;
        S.wanted = name;
        updateMe();
        rename(old, name, true);
        note('You are now known as ' + name + '.', true);
      }
      break;
    }
    case 'error': {
      const f = fields(line, 3);
      const code = f[1] || '';
      const detail = f.length > 2 ? f[2] : '';
      const t = ERRORS[code];
      showError(t ? t.replace('%', () => detail) : 'Server error: ' + code + (detail ? ' (' + detail + ')' : '') + '.');
      if (!S.registered && (code === 'name-taken' || code === 'bad-name')) S.wanted = '';
      break;
    }
    case 'hello': S.v2 = (fields(line, 2)[1] || '') === '2'; break;
    case 'joined': {
      const f = fields(line, 5);
      onJoined(f[1] || '', f[3] || '');
      break;
    }
    case 'msg': {
      const f = fields(line, 6);
      const r = room(f[1]);
      if (r && f.length === 6) addKept(r, Number(f[2]), Number(f[3]), f[4], f[5]);
      break;
    }
    case 'replayed': {
      const f = fields(line, 4);
      const r = room(f[1]);
      if (r) onReplayed(r, Number(f[2]) || 0, f[3] || '');
      break;
    }
    case 'history': {
      const f = fields(line, 5);
      const r = room(f[1]);
      if (r && f.length === 5) addHistory(r, Number(f[2]), f[3], f[4]);
      break;
    }
    case 'say': {
      const f = fields(line, 4);
      const r = room(f[1]);
      if (r && f.length === 4) addMessage(r, f[2], f[3], '');
      break;
    }
    case 'join': case 'leave': {
      const f = fields(line, 3);
      const r = room(f[1]);
      if (r && f[2]) {
        if (verb === 'join') r.members.set(key(f[2]), f[2]); else r.members.delete(key(f[2]));
        renderMembers(r);
        addEvent(r, f[2] + (verb === 'join' ? ' joined' : ' left'));
      }
      break;
    }
    case 'left': {
      const r = room(fields(line, 2)[1]);
      if (r) removeRoom(r);
      break;
    }
    case 'quit': {
      const f = fields(line, 3);
      const name = f[1] || '';
      for (const r of S.rooms.values()) {
        if (!r.members.delete(key(name))) continue;
        renderMembers(r);
        addEvent(r, name + ' quit' + (f[2] ? ': ' + f[2] : ''));
      }
      break;
    }
    case 'nick': {
      const f = fields(line, 3);
      if (f[1] && f[2]) rename(f[1], f[2], false);
      break;
    }
    case 'who': {
      const f = line.split(',');
      const r = room(f[1]);
      if (r) {
        r.seen = null;
        r.members = new Map(f.slice(2).filter(Boolean).map((n) => [key(n), n]));
        renderMembers(r);
      }
      break;
    }
    case 'rooms': chips('room-list', line.split(',').slice(1).filter(Boolean), 'No rooms yet.', (n) => { $('join-room').value = n; send('join,' + n); }); break;
    case 'list': chips('user-list', line.split(',').slice(1).filter(Boolean), 'Nobody is online.', (n) => { $('dm-to').value = n; $('dm-text').focus(); }); break;
    case 'chat': {
      const f = fields(line, 3);
      addDirect(f[1] || '', f.length > 2 ? f[2] : '', '');
      break;
    }
    case 'bye': {
      const reason = fields(line, 2)[1] || '';
      const text = BYES[reason] || 'Disconnected by the server: ' + reason + '.';
      if (reason === 'quit') {
        S.quitting = true;
        note(text, true);
        for (const r of [...S.rooms.values()]) removeRoom(r);
      } else {
        showError(text);
      }
      if (S.ws) S.ws.close();
      break;
    }
    case 'pong': case 'help': note(line, true); break;
    default: break;
  }
}

function chips(id, names, empty, onPick) {
  const list = $(id);
  if (!names.length) {
    list.replaceChildren(el('li', 'none', empty));
    return;
  }
  list.replaceChildren(...names.map((n) => {
    const li = el('li');
    li.append(btn(n, '', () => onPick(n)));
    return li;
  }));
}

function addDirect(from, text, cls) {
  const li = el('li', 'message' + (cls ? ' ' + cls : ''));
  li.append(el('time', 'time', clock(new Date())), el('span', 'from', from), el('span', 'text', text));
  push($('direct'), li);
}

// Forms
const onSubmit = (id, fn) => $(id).addEventListener('submit', (ev) => { ev.preventDefault(); fn(); });

onSubmit('register-form', () => {
  const name = $('name').value.trim();
  if (!name) { showError('Type a name first.'); return; }
  S.wanted = name;
  if (S.ws && S.ws.readyState === WebSocket.OPEN) send('register,' + name);
  else if (!S.ws || S.ws.readyState !== WebSocket.CONNECTING) connect();
});
onSubmit('nick-form', () => {
  const name = $('nick-name').value.trim();
  if (!name) return;
  if (send('nick,' + name)) $('nick-name').value = '';
});
onSubmit('join-form', () => {
  const name = $('join-room').value.trim();
  if (!name) return;
  if (send('join,' + name)) $('join-room').value = '';
});
onSubmit('say-form', () => {
  const text = oneLine($('say-text').value);
  const r = room($('say-room').value);
  if (!text) return;
  if (!r) { showError('Join a room first.'); return; }
  if (send('say,' + r.name + ',' + text)) {
    // Version 2 echoes it with its id; version 1 does not.
    if (!S.v2) addMessage(r, S.name, text, 'own');
    $('say-text').value = '';
  }
});
onSubmit('dm-form', () => {
  const to = $('dm-to').value.trim();
  const text = oneLine($('dm-text').value);
  if (!to) { showError('Type who the message is for.'); return; }
  if (!text) return;
  if (send('chat,' + to + ',' + text)) {
    addDirect(S.name + ' \u2192 ' + to, text, 'own');
    $('dm-text').value = '';
  }
});
$('say-room').addEventListener('change', () => select(room($('say-room').value) || null));
$('list-rooms').addEventListener('click', () => send('rooms'));
$('list-users').addEventListener('click', () => send('list'));
$('quit').addEventListener('click', () => {
  S.quitting = true;
  if (S.ws && S.ws.readyState === WebSocket.OPEN) {
    S.ws.send('quit');
  } else {
    if (S.ws) { const ws = S.ws; S.ws = null; ws.close(); }
    for (const r of [...S.rooms.values()]) removeRoom(r);
    stopped();
  }
  S.wanted = '';
});
$('reconnect').addEventListener('click', () => { S.backoff = 1; connect(); });

// Server figures: an EventSource on /stats, and a chart of the last 60 seconds
const FIGS = [['connections', 'Connections', 0], ['users', 'Users', 0], ['rooms', 'Rooms', 0],
  ['delivered_per_s', 'Delivered/s', 0], ['commands_per_s', 'Commands/s', 0], ['loop_lag_ms', 'Loop lag (ms)', 2]];
const dd = {};
for (const [k, label] of FIGS) {
  dd[k] = el('dd', '', '\u2013');
  $('stats').append(el('dt', '', label), dd[k]);
}
const series = [];
const fmtNum = (v, digits) => (typeof v === 'number' && isFinite(v)) ? v.toLocaleString(undefined, { maximumFractionDigits: digits }) : '\u2013';
const niceMax = (v) => {
  if (!(v > 0)) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
};

function drawChart() {
  const cv = $('stats-chart');
  const dpr = window.devicePixelRatio || 1;
  const w = cv.clientWidth || 300, h = cv.clientHeight || 150;
  if (cv.width !== Math.round(w * dpr) || cv.height !== Math.round(h * dpr)) {
    cv.width = Math.round(w * dpr);
    cv.height = Math.round(h * dpr);
  }
  const g = cv.getContext('2d');
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.fillStyle = '#fff';
  g.fillRect(0, 0, w, h);
  const L = 40, R = 34, T = 20, B = 18, pw = w - L - R, ph = h - T - B;
  const now = Date.now(), t0 = now - 60000;
  while (series.length && series[0].t < t0 - 2000) series.shift();
  const maxD = niceMax(Math.max(0, ...series.map((p) => p.d)));
  const maxC = niceMax(Math.max(0, ...series.map((p) => p.c)));
  g.strokeStyle = '#e5e7eb';
  g.lineWidth = 1;
  for (let i = 0; i <= 4; i++) {
    const y = Math.round(T + ph * i / 4) + 0.5;
    g.beginPath(); g.moveTo(L, y); g.lineTo(L + pw, y); g.stroke();
  }
  g.font = '10px system-ui, sans-serif';
  g.textBaseline = 'middle';
  const text = (t, x, y, color, align) => {
    g.fillStyle = color;
    g.textAlign = align;
    g.fillText(t, x, y);
  };
  const BLUE = '#2563eb', ORANGE = '#d97706', GREY = '#6b7280';
  text(fmtNum(maxD, 0), L - 4, T, BLUE, 'right');
  text('0', L - 4, T + ph, BLUE, 'right');
  text(fmtNum(maxC, 0), L + pw + 4, T, ORANGE, 'left');
  text('0', L + pw + 4, T + ph, ORANGE, 'left');
  text('\u221260 s', L, h - 8, GREY, 'left');
  text(clock(new Date(now)), L + pw, h - 8, GREY, 'right');
  text('\u25A0 delivered/s', L, 10, BLUE, 'left');
  text('\u25A0 connections', L + 90, 10, ORANGE, 'left');
  const line = (pick, max, color) => {
    g.save();
    g.beginPath();
    g.rect(L, T - 2, pw, ph + 4);
    g.clip();
    g.beginPath();
    g.strokeStyle = color;
    g.lineWidth = 2;
    g.lineJoin = 'round';
    series.forEach((p, i) => {
      const x = L + (p.t - t0) / 60000 * pw, y = T + ph - pick(p) / max * ph;
      if (i) g.lineTo(x, y); else g.moveTo(x, y);
    });
    g.stroke();
    g.restore();
  };
  line((p) => p.c, maxC, ORANGE);
  line((p) => p.d, maxD, BLUE);
}

function onStats(ev) {
  let o;
  try { o = JSON.parse(ev.data); } catch (e) { return; }
  if (!o || typeof o !== 'object') return;
  window.chatStats.samples += 1;
  window.chatStats.last = o;
  for (const [k, , digits] of FIGS) dd[k].textContent = fmtNum(o[k], digits);
  series.push({ t: Date.now(), d: Number(o.delivered_per_s) || 0, c: Number(o.connections) || 0 });
  drawChart();
}

if (window.EventSource) {
  const es = new EventSource('/stats');
  es.onmessage = onStats;
  es.addEventListener('stats', onStats);
  es.onopen = () => { $('stats-state').textContent = '\u00B7 live'; };
  es.onerror = () => { $('stats-state').textContent = '\u00B7 reconnecting'; };
} else {
  $('stats-state').textContent = '\u00B7 unavailable';
}
window.addEventListener('resize', drawChart);

updateMe();
drawChart();
connect();
