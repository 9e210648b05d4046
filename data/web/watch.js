// streamlet web viewer: polls /api/watch/<id>, plays the class over HLS
// (hls.js, or the browser's own HLS), shows the chat and posts to it over /ws.
// SPDX-License-Identifier: GPL-3.0-or-later
//
// All user data is put into the page with textContent, never as markup.

const POLL_MS = 2000;
const POLL_MAX_BACKOFF_MS = 15000;
const PLAYER_RETRY_MS = 3000;
const STALL_LIMIT_MS = 12000;
const CHAT_MAX_SHOWN = 500;
const CHAT_MAX_LEN = 2000;
const AUTH_KEY = 'streamlet.auth';
const SCROLL_SLACK_PX = 48;

const HLS_CONFIG = {
  lowLatencyMode: false,
  liveSyncDurationCount: 2,
  liveMaxLatencyDurationCount: 6,
  maxLiveSyncPlaybackRate: 1.5,
  backBufferLength: 30,
  maxBufferLength: 10,
  manifestLoadingMaxRetry: 2,
  levelLoadingMaxRetry: 4,
  fragLoadingMaxRetry: 4,
  enableWorker: true,
  debug: false,
};

const $ = (id) => document.getElementById(id);

const ui = {
  title: $('title'),
  teacher: $('teacher'),
  badge: $('badge'),
  viewers: $('viewers'),
  viewerCount: $('viewer-count'),
  viewerLabel: $('viewer-label'),
  description: $('description'),
  video: $('video'),
  overlay: $('overlay'),
  overlayText: $('overlay-text'),
  play: $('play'),
  unmute: $('unmute'),
  notice: $('notice'),
  chatList: $('chat-list'),
  chatEmpty: $('chat-empty'),
  chatJump: $('chat-jump'),
  loginForm: $('login-form'),
  loginUser: $('login-username'),
  loginPassword: $('login-password'),
  loginSubmit: $('login-submit'),
  loginError: $('login-error'),
  signedIn: $('signed-in'),
  meName: $('me-name'),
  logout: $('logout'),
  postForm: $('post-form'),
  postText: $('post-text'),
  postSubmit: $('post-submit'),
  postStatus: $('post-status'),
};

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

function randomHex (bytes) {
  const a = new Uint8Array(bytes);
  crypto.getRandomValues(a);
  return Array.from(a, (b) => b.toString(16).padStart(2, '0')).join('');
}

function parseClassId () {
  const m = /^\/watch\/(\d{1,15})\/?$/.exec(location.pathname);
  return m ? Number(m[1]) : null;
}

const page = {
  classId: parseClassId(),
  viewerId: randomHex(8),
  klass: null,
  online: false,
  hlsUrl: null,
  chatCursor: null,     // highest chat id seen through polling
  pollTimer: 0,
  pollFailures: 0,
  needsSignIn: false,
  authRetried: false,   // one token refresh per run of 401 answers
  stopped: false,
};

/* ---------- small helpers ---------- */

function setText (el, text) {
  el.textContent = text == null ? '' : String(text);
}

function formatTime (iso, fmt = timeFormat) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : fmt.format(d);
}

function showNotice (text) {
  setText(ui.notice, text);
  ui.notice.hidden = !text;
}

// fetch + JSON; never throws for HTTP errors: { status, data, error, headers }.
async function api (method, path, { body, token } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
      credentials: 'same-origin',
    });
  } catch {
    return { status: 0, data: null, error: { code: 'network', message: 'The server cannot be reached.' } };
  }
  let data = null;
  if (res.status !== 204) {
    try {
      data = await res.json();
    } catch {
      data = null;
    }
  }
  const error = res.ok
    ? null
    : (data && data.error) || { code: `http_${res.status}`, message: `The server answered ${res.status}.` };
  return { status: res.status, data, error, headers: res.headers };
}

/* ---------- authentication (tokens live in sessionStorage only) ---------- */

const auth = {
  session: null,       // { user, access_token, refresh_token, expires_at }
  refreshTimer: 0,
  refreshing: null,
};

function loadSession () {
  try {
    const s = JSON.parse(sessionStorage.getItem(AUTH_KEY) || 'null');
    if (s && typeof s.access_token === 'string' && typeof s.refresh_token === 'string' && s.user)
      return s;
  } catch {
    /* a garbled entry is ignored */
  }
  return null;
}

function storeSession (login) {
  const expiresIn = Number(login.expires_in) > 0 ? Number(login.expires_in) : 900;
  auth.session = {
    user: login.user,
    access_token: login.access_token,
    refresh_token: login.refresh_token,
    expires_at: Date.now() + expiresIn * 1000,
  };
  try {
    sessionStorage.setItem(AUTH_KEY, JSON.stringify(auth.session));
  } catch {
    /* storage full or disabled: the session lasts as long as the page */
  }
  scheduleRefresh();
}

function clearSession () {
  auth.session = null;
  clearTimeout(auth.refreshTimer);
  try {
    sessionStorage.removeItem(AUTH_KEY);
  } catch {
    /* nothing stored */
  }
}

function scheduleRefresh () {
  clearTimeout(auth.refreshTimer);
  if (!auth.session) return;
  const left = auth.session.expires_at - Date.now();
  // A minute before expiry, or at 80 % of a short lifetime.
  const delay = Math.max(1000, Math.min(left - 60000, left * 0.8));
  auth.refreshTimer = setTimeout(() => { refreshSession(); }, delay);
}

// Trades the refresh token for a new pair. Resolves true on success; on a
// refused refresh token the user is signed out.
function refreshSession () {
  if (auth.refreshing) return auth.refreshing;
  if (!auth.session) return Promise.resolve(false);
  const spent = auth.session.refresh_token;
  auth.refreshing = (async () => {
    const r = await api('POST', '/api/token/refresh', { body: { refresh_token: spent } });
    if (r.status === 200 && r.data && r.data.access_token) {
      storeSession(r.data);
      return true;
    }
    if (r.status === 0 || r.status >= 500) {
      // Try again shortly; the access token may still be good.
      clearTimeout(auth.refreshTimer);
      auth.refreshTimer = setTimeout(() => { refreshSession(); }, 5000);
      return false;
    }
    signOut({ remote: false, message: 'Your session ended. Sign in again to chat.' });
    return false;
  })();
  auth.refreshing.finally(() => { auth.refreshing = null; });
  return auth.refreshing;
}

async function validAccessToken () {
  if (!auth.session) return null;
  if (auth.session.expires_at - Date.now() < 15000) await refreshSession();
  return auth.session ? auth.session.access_token : null;
}

function loginErrorText (r) {
  switch (r.error.code) {
    case 'invalid_credentials': return 'Wrong user name or password.';
    case 'account_disabled': return 'This account is disabled.';
    case 'too_many_requests': {
      const after = Number(r.headers && r.headers.get('Retry-After'));
      return after > 0
        ? `Too many failed sign-ins. Try again in ${Math.ceil(after)} s.`
        : 'Too many failed sign-ins. Try again later.';
    }
    case 'network': return 'The server cannot be reached. Try again.';
    default: return r.error.message || 'Signing in failed.';
  }
}

async function onLoginSubmit (ev) {
  ev.preventDefault();
  const username = ui.loginUser.value.trim();
  const password = ui.loginPassword.value;
  ui.loginError.hidden = true;
  if (!username || !password) {
    setText(ui.loginError, 'Enter your user name and password.');
    ui.loginError.hidden = false;
    (username ? ui.loginPassword : ui.loginUser).focus();
    return;
  }
  ui.loginSubmit.disabled = true;
  setText(ui.loginSubmit, 'Signing in…');
  const r = await api('POST', '/api/login', { body: { username, password } });
  ui.loginSubmit.disabled = false;
  setText(ui.loginSubmit, 'Sign in');
  if (r.status !== 200 || !r.data || !r.data.access_token) {
    setText(ui.loginError, loginErrorText(r));
    ui.loginError.hidden = false;
    ui.loginPassword.select();
    ui.loginPassword.focus();
    return;
  }
  ui.loginPassword.value = '';
  storeSession(r.data);
  onSignedIn();
  ui.postText.focus();
}

function onSignedIn () {
  setText(ui.meName, auth.session.user.display_name || auth.session.user.username);
  ui.loginForm.hidden = true;
  ui.signedIn.hidden = false;
  setPostStatus('');
  hub.start();
  markOwnMessages();
  if (page.needsSignIn) {
    page.needsSignIn = false;
    pollSoon(0);
  }
}

function signOut ({ remote = true, message = '' } = {}) {
  const s = auth.session;
  clearSession();
  hub.stop();
  if (remote && s)
    api('POST', '/api/logout', { token: s.access_token });
  ui.signedIn.hidden = true;
  ui.loginForm.hidden = false;
  setText(ui.loginError, message);
  ui.loginError.hidden = !message;
  setPostEnabled(false);
  markOwnMessages();
  if (page.klass && !page.klass.public) {
    stopPlayer();
    pollSoon(0);
  }
}

/* ---------- class state, viewer count ---------- */

const STATE_TEXT = {
  live: 'Live',
  offline: 'Offline',
  scheduled: 'Scheduled',
  ended: 'Ended',
  cancelled: 'Cancelled',
};

function renderClass (klass, online, viewers) {
  const firstTime = !page.klass;
  page.klass = klass;
  setText(ui.title, klass.title || 'Untitled class');
  document.title = `${klass.title || 'Class'} · streamlet`;
  const teacher = klass.owner && klass.owner.display_name;
  setText(ui.teacher, teacher ? `with ${teacher}` : '');
  if (klass.description) {
    setText(ui.description, klass.description);
    ui.description.hidden = false;
  } else {
    ui.description.hidden = true;
  }

  let badge;
  if (klass.state === 'live') badge = online ? 'live' : 'offline';
  else badge = STATE_TEXT[klass.state] ? klass.state : 'offline';
  if (ui.badge.dataset.state !== badge || firstTime) {
    ui.badge.dataset.state = badge;
    setText(ui.badge, STATE_TEXT[badge]);
  }

  if (Number.isFinite(viewers)) {
    const n = Math.max(0, Math.trunc(viewers));
    if (ui.viewerCount.textContent !== String(n)) {
      setText(ui.viewerCount, n);
      setText(ui.viewerLabel, 'watching');
      ui.viewers.setAttribute('aria-label', `${n} ${n === 1 ? 'person' : 'people'} watching`);
    }
    ui.viewers.hidden = false;
  }
}

function offlineText (klass) {
  switch (klass.state) {
    case 'scheduled':
      return klass.scheduled_at
        ? `This class starts ${formatTime(klass.scheduled_at, dateTimeFormat)}. The video appears here when it begins.`
        : 'This class has not started yet.';
    case 'live':
      return 'The class is live, but the teacher’s video is not coming through right now. It will resume here by itself.';
    case 'ended':
      return 'This class has ended.';
    case 'cancelled':
      return 'This class was cancelled.';
    default:
      return 'The video is not available.';
  }
}

/* ---------- polling ---------- */

function pollSoon (delay) {
  clearTimeout(page.pollTimer);
  if (page.stopped) return;
  page.pollTimer = setTimeout(poll, delay);
}

async function poll () {
  const params = new URLSearchParams({ v: page.viewerId });
  if (page.chatCursor !== null) params.set('after', String(page.chatCursor));
  const token = await validAccessToken();
  const r = await api('GET', `/api/watch/${page.classId}?${params}`, { token });

  if (r.status === 200 && r.data && r.data.class) {
    page.pollFailures = 0;
    page.authRetried = false;
    showNotice('');
    const d = r.data;
    renderClass(d.class, !!d.online, Number(d.viewers));
    if (Array.isArray(d.chat)) {
      const first = page.chatCursor === null;
      for (const m of d.chat)
        if (Number.isFinite(m.id) && (page.chatCursor === null || m.id > page.chatCursor))
          page.chatCursor = m.id;
      chat.add(d.chat, { initial: first });
      if (page.chatCursor === null) page.chatCursor = 0;
    }
    player.update(!!d.online && typeof d.hls_url === 'string' ? d.hls_url : null, d.class, !!d.online);
    hub.classChanged(d.class);
    pollSoon(POLL_MS);
    return;
  }

  if (r.status === 401) {
    // A signed-in user's token may have run out: refresh once and try again.
    if (auth.session && !page.authRetried) {
      page.authRetried = true;
      if (await refreshSession()) return pollSoon(0);
    }
    page.authRetried = false;
    if (auth.session) signOut({ remote: false, message: 'Your session ended. Sign in again.' });
    // A class for signed-in users: wait for a sign-in (onSignedIn polls again).
    page.needsSignIn = true;
    setBadge('offline', 'Sign-in needed');
    setText(ui.title, 'Members-only class');
    player.showMessage('Sign in to watch this class.');
    if (!auth.session) ui.loginUser.focus({ preventScroll: true });
    return;
  }
  if (r.status === 403) {
    setBadge('error', 'No access');
    player.showMessage(r.error.message || 'You may not watch this class.');
    return pollSoon(POLL_MAX_BACKOFF_MS);
  }
  if (r.status === 404) {
    page.stopped = true;
    player.stop();
    setBadge('error', 'Not found');
    setText(ui.title, 'Class not found');
    document.title = 'Class not found · streamlet';
    player.showMessage('There is no class at this address.');
    return;
  }

  // Network trouble or a server error: keep going, slower each time.
  page.pollFailures += 1;
  if (page.pollFailures >= 2)
    showNotice('Connection to the server lost. Retrying…');
  pollSoon(Math.min(POLL_MAX_BACKOFF_MS, POLL_MS * 2 ** Math.min(page.pollFailures, 3)));
}

function setBadge (state, text) {
  ui.badge.dataset.state = state;
  setText(ui.badge, text);
}

/* ---------- player ---------- */

const player = {
  hls: null,
  url: null,           // the URL the current player was started with
  latestUrl: null,     // the latest hls_url from the server
  native: false,
  retryTimer: 0,
  mediaRecoveries: 0,
  lastTime: -1,
  lastProgressAt: 0,
  stallTimer: 0,
  message: 'Connecting…',

  engine () {
    if (window.Hls && window.Hls.isSupported()) return 'hlsjs';
    if (ui.video.canPlayType('application/vnd.apple.mpegurl')) return 'native';
    return null;
  },

  update (url, klass, online) {
    this.latestUrl = url;
    if (!url) {
      this.stop();
      // online without a URL: the first segment is still being cut
      this.showMessage(online ? 'The broadcast is starting…' : offlineText(klass));
      return;
    }
    // A new path (not just a fresh signature) means a new stream.
    if (this.url && stripQuery(this.url) !== stripQuery(url)) this.stop();
    if (!this.url && !this.retryTimer) this.start(url);
  },

  start (url) {
    clearTimeout(this.retryTimer);
    this.retryTimer = 0;
    const engine = this.engine();
    if (!engine) {
      this.showMessage('This browser cannot play the class video (no HLS or Media Source support).');
      return;
    }
    this.url = url;
    ui.video.controls = true;
    this.mediaRecoveries = 0;
    this.lastTime = -1;
    this.lastProgressAt = performance.now();
    this.showMessage('Loading the video…');
    if (engine === 'hlsjs') {
      const hls = new window.Hls({ ...HLS_CONFIG, xhrSetup: (xhr, u) => this.resign(xhr, u) });
      this.hls = hls;
      hls.on(window.Hls.Events.ERROR, (_ev, data) => this.onHlsError(hls, data));
      hls.on(window.Hls.Events.MANIFEST_PARSED, () => this.play());
      hls.attachMedia(ui.video);
      hls.loadSource(url);
    } else {
      this.native = true;
      ui.video.src = url;
      this.play();
    }
    clearInterval(this.stallTimer);
    this.stallTimer = setInterval(() => this.checkStall(), 2000);
  },

  // A members-only class's playlist URL carries a signature that expires; the
  // server hands out a fresh one with every poll and signs the segment URIs
  // with whatever the playlist request carried. Playlist reloads use the
  // newest signature so playback never runs into an expired one.
  resign (xhr, url) {
    if (!this.latestUrl || !this.latestUrl.includes('?')) return;
    const want = new URL(this.latestUrl, location.href);
    const have = new URL(url, location.href);
    if (have.origin === want.origin && have.pathname === want.pathname && have.search !== want.search)
      xhr.open('GET', want.href, true);
  },

  stop () {
    clearTimeout(this.retryTimer);
    this.retryTimer = 0;
    clearInterval(this.stallTimer);
    this.stallTimer = 0;
    if (this.hls) {
      this.hls.destroy();
      this.hls = null;
    }
    if (this.native || ui.video.getAttribute('src')) {
      ui.video.removeAttribute('src');
      ui.video.load();
      this.native = false;
    }
    this.url = null;
    ui.video.controls = false;   // nothing to control until a stream plays
  },

  // Tears the player down and starts again with the newest URL, if any.
  restartLater (why) {
    this.stop();
    this.showMessage(why);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = 0;
      if (this.latestUrl) this.start(this.latestUrl);
    }, PLAYER_RETRY_MS);
  },

  onHlsError (hls, data) {
    if (hls !== this.hls || !data.fatal) return;
    const H = window.Hls;
    if (data.type === H.ErrorTypes.MEDIA_ERROR && this.mediaRecoveries < 2) {
      this.mediaRecoveries += 1;
      if (this.mediaRecoveries === 2) hls.swapAudioCodec();
      hls.recoverMediaError();
      return;
    }
    this.restartLater(data.type === H.ErrorTypes.NETWORK_ERROR
      ? 'The video connection dropped. Reconnecting…'
      : 'The video could not be played. Retrying…');
  },

  play () {
    const v = ui.video;
    const p = v.play();
    if (p && typeof p.catch === 'function') {
      p.catch((e) => {
        if (e && e.name === 'NotAllowedError') {
          // Even muted autoplay is blocked: ask for a click.
          this.showMessage('Press play to start the video.', true);
        }
        // AbortError: a newer load() interrupted this play(); nothing to do.
      });
    }
  },

  checkStall () {
    const v = ui.video;
    const now = performance.now();
    if (v.currentTime !== this.lastTime) {
      this.lastTime = v.currentTime;
      this.lastProgressAt = now;
      return;
    }
    if (v.paused || !this.url) {
      this.lastProgressAt = now;
      return;
    }
    if (now - this.lastProgressAt > STALL_LIMIT_MS)
      this.restartLater('The video stalled. Reconnecting…');
  },

  showMessage (text, withPlay = false) {
    this.message = text;
    setText(ui.overlayText, text);
    ui.play.hidden = !withPlay;
    ui.overlay.classList.toggle('is-clear', !text);
  },
};

function stripQuery (u) {
  const i = u.indexOf('?');
  return i < 0 ? u : u.slice(0, i);
}

function stopPlayer () {
  player.stop();
  player.latestUrl = null;
}

function syncUnmute () {
  const v = ui.video;
  ui.unmute.hidden = !(v.muted || v.volume === 0) || !player.url;
}

ui.video.addEventListener('playing', () => {
  player.showMessage('');
  syncUnmute();
});
ui.video.addEventListener('volumechange', syncUnmute);
ui.video.addEventListener('emptied', syncUnmute);
ui.video.addEventListener('error', () => {
  // Only the native engine reports through here; hls.js has its own errors.
  if (player.native) player.restartLater('The video connection dropped. Reconnecting…');
});
ui.unmute.addEventListener('click', () => {
  ui.video.muted = false;
  if (ui.video.volume === 0) ui.video.volume = 1;
  if (ui.video.paused) player.play();
  syncUnmute();
});
ui.play.addEventListener('click', () => {
  player.showMessage('Loading the video…');
  player.play();
});

/* ---------- chat list ---------- */

const chat = {
  byId: new Map(),      // id -> <li>

  isNearBottom () {
    const l = ui.chatList;
    return l.scrollHeight - l.scrollTop - l.clientHeight < SCROLL_SLACK_PX;
  },

  scrollToBottom () {
    ui.chatList.scrollTop = ui.chatList.scrollHeight;
    ui.chatJump.hidden = true;
  },

  render (m) {
    const li = document.createElement('li');
    li.className = 'msg';
    li.dataset.id = String(m.id);
    li.dataset.from = String(m.from && m.from.id);
    if (auth.session && m.from && m.from.id === auth.session.user.id) li.classList.add('mine');
    const from = document.createElement('span');
    from.className = 'from';
    setText(from, (m.from && m.from.display_name) || 'Someone');
    const when = document.createElement('time');
    if (m.sent_at) {
      when.dateTime = m.sent_at;
      setText(when, formatTime(m.sent_at));
    }
    const text = document.createElement('p');
    text.className = 'text';
    setText(text, m.text);
    li.append(from, when, text);
    return li;
  },

  // Adds messages (any order, duplicates ignored), keeping the list sorted by id.
  add (messages, { initial = false } = {}) {
    const fresh = messages.filter((m) => m && Number.isFinite(m.id) && !this.byId.has(m.id));
    if (!fresh.length) {
      this.syncEmpty();
      return;
    }
    fresh.sort((a, b) => a.id - b.id);
    const stick = initial || this.isNearBottom();
    if (initial) ui.chatList.setAttribute('aria-busy', 'true');
    for (const m of fresh) {
      const li = this.render(m);
      this.byId.set(m.id, li);
      // Most messages are newer than all shown: append; otherwise find the place.
      const last = ui.chatList.lastElementChild;
      if (!last || Number(last.dataset.id) < m.id) {
        ui.chatList.append(li);
      } else {
        let before = null;
        for (const el of ui.chatList.children) {
          if (Number(el.dataset.id) > m.id) { before = el; break; }
        }
        ui.chatList.insertBefore(li, before);
      }
    }
    while (ui.chatList.children.length > CHAT_MAX_SHOWN) {
      const first = ui.chatList.firstElementChild;
      this.byId.delete(Number(first.dataset.id));
      first.remove();
    }
    if (initial) ui.chatList.removeAttribute('aria-busy');
    this.syncEmpty();
    if (stick) this.scrollToBottom();
    else ui.chatJump.hidden = false;
  },

  remove (id) {
    const li = this.byId.get(id);
    if (!li) return;
    this.byId.delete(id);
    li.remove();
    this.syncEmpty();
  },

  syncEmpty () {
    ui.chatEmpty.hidden = ui.chatList.children.length > 0;
  },
};

function markOwnMessages () {
  const me = auth.session ? String(auth.session.user.id) : null;
  for (const li of ui.chatList.children) li.classList.toggle('mine', li.dataset.from === me);
}

ui.chatList.addEventListener('scroll', () => {
  if (chat.isNearBottom()) ui.chatJump.hidden = true;
}, { passive: true });
ui.chatJump.addEventListener('click', () => {
  chat.scrollToBottom();
  ui.chatList.focus({ preventScroll: true });
});

/* ---------- WebSocket hub (signed-in users: live chat and posting) ---------- */

const WS_ERROR_TEXT = {
  muted: 'A moderator muted you in this class.',
  rate_limited: 'You are sending too fast. Wait a moment.',
  invalid_message: 'That message cannot be sent (1–2000 characters).',
  class_closed: 'The class has ended: the chat is closed.',
  not_found: 'This class no longer exists.',
  not_member: 'Not connected to the class chat yet. Try again.',
  internal_error: 'The server failed to take the message. Try again.',
};

const hub = {
  ws: null,
  joined: false,
  muted: false,
  closedForGood: false,
  wanted: false,
  backoff: 1000,
  failures: 0,          // connections closed before they opened, in a row
  timer: 0,
  pending: new Map(),   // ref -> text, to give the text back on an error
  seq: 0,

  chatOpen (klass) {
    return !klass || klass.state === 'scheduled' || klass.state === 'live';
  },

  start () {
    this.wanted = true;
    this.failures = 0;
    this.backoff = 1000;
    this.closedForGood = false;
    this.connect();
  },

  stop () {
    this.wanted = false;
    clearTimeout(this.timer);
    this.timer = 0;
    this.joined = false;
    if (this.ws) {
      const ws = this.ws;
      this.ws = null;
      ws.onclose = null;
      ws.close(1000, 'signed out');
    }
    this.pending.clear();
  },

  async connect () {
    clearTimeout(this.timer);
    if (!this.wanted || this.ws || page.classId === null) return;
    if (page.klass && !this.chatOpen(page.klass)) {
      this.closedForGood = true;
      setPostEnabled(false, 'The class is over: the chat is closed.');
      return;
    }
    // Refused twice before the upgrade: perhaps the token was revoked or the
    // server's key changed. A refresh tells (and signs out when refused).
    if (this.failures >= 2 && this.failures % 2 === 0) await refreshSession();
    const token = await validAccessToken();
    if (!token || !this.wanted || this.ws) return;
    setPostEnabled(false, 'Connecting to the chat…');
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const ws = new WebSocket(`${scheme}://${location.host}/ws?access_token=${encodeURIComponent(token)}`);
    this.ws = ws;
    this.joined = false;
    let opened = false;
    ws.onopen = () => {
      opened = true;
      this.failures = 0;
      this.send({ type: 'join', class_id: page.classId });
    };
    ws.onmessage = (ev) => {
      let msg;
      try {
        msg = JSON.parse(ev.data);
      } catch {
        return;
      }
      if (msg && typeof msg === 'object') this.onMessage(msg);
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.joined = false;
      if (!opened) this.failures += 1;
      if (!this.wanted || this.closedForGood) return;
      setPostEnabled(false, 'Chat connection lost. Reconnecting…');
      this.timer = setTimeout(() => { this.timer = 0; this.connect(); }, this.backoff);
      this.backoff = Math.min(this.backoff * 2, 15000);
    };
    // onerror is always followed by onclose; the browser logs the details.
    ws.onerror = () => {};
  },

  send (obj) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(obj));
    return true;
  },

  postChat (text) {
    const ref = `c${++this.seq}`;
    if (!this.joined || !this.send({ type: 'chat', class_id: page.classId, text, ref })) return false;
    this.pending.set(ref, text);
    setTimeout(() => this.pending.delete(ref), 30000);
    return true;
  },

  onMessage (msg) {
    const mine = (m) => m.class_id === page.classId;
    switch (msg.type) {
      case 'joined':
        if (!mine(msg)) return;
        this.joined = true;
        this.backoff = 1000;
        this.muted = !!msg.muted;
        if (Array.isArray(msg.chat)) chat.add(msg.chat);
        setPostEnabled(!this.muted, this.muted ? WS_ERROR_TEXT.muted : '');
        break;
      case 'chat':
        if (!mine(msg)) return;
        chat.add([msg]);
        if (auth.session && msg.from && msg.from.id === auth.session.user.id) {
          for (const [ref, text] of this.pending) {
            if (text === msg.text) { this.pending.delete(ref); break; }
          }
          setPostStatus('');
        }
        break;
      case 'chat_deleted':
        if (mine(msg)) chat.remove(msg.message_id);
        break;
      case 'muted':
        if (!mine(msg) || !auth.session || msg.user_id !== auth.session.user.id) return;
        this.muted = !!msg.muted;
        setPostEnabled(!this.muted, this.muted ? WS_ERROR_TEXT.muted : 'You may chat again.');
        break;
      case 'class_started':
      case 'class_updated':
      case 'class_ended':
        // The next poll brings the new state, the video URL and the count.
        if (msg.class && msg.class.id === page.classId) {
          this.classChanged(msg.class);
          if (!page.stopped && !page.needsSignIn) pollSoon(0);
        }
        break;
      case 'error':
        this.onError(msg);
        break;
      default:
        break;   // hello, presence, pong, hands…: nothing to show here
    }
  },

  onError (msg) {
    const text = WS_ERROR_TEXT[msg.code] || msg.message || 'Something went wrong.';
    const original = msg.ref ? this.pending.get(msg.ref) : undefined;
    if (msg.ref) this.pending.delete(msg.ref);
    if (original !== undefined && !ui.postText.value) ui.postText.value = original;
    if (msg.code === 'muted') {
      this.muted = true;
      setPostEnabled(false, text);
      return;
    }
    if (msg.code === 'class_closed' || msg.code === 'not_found') {
      this.closedForGood = true;
      setPostEnabled(false, text);
      return;
    }
    if (msg.code === 'not_member') {
      this.joined = false;
      this.send({ type: 'join', class_id: page.classId });
    }
    setPostStatus(text, true);
  },

  classChanged (klass) {
    if (!this.wanted) return;
    if (!this.chatOpen(klass)) {
      if (!this.closedForGood) {
        this.closedForGood = true;
        setPostEnabled(false, 'The class is over: the chat is closed.');
        if (this.ws) {
          const ws = this.ws;
          this.ws = null;
          ws.onclose = null;
          ws.close(1000, 'class over');
        }
      }
    } else if (!this.ws && !this.timer && this.closedForGood) {
      this.closedForGood = false;
      this.connect();
    }
  },
};

function setPostEnabled (on, status) {
  ui.postText.disabled = !on;
  ui.postSubmit.disabled = !on;
  if (status !== undefined) setPostStatus(status, !on && !!status);
}

function setPostStatus (text, isError = false) {
  setText(ui.postStatus, text);
  ui.postStatus.classList.toggle('is-error', isError);
}

function onPostSubmit (ev) {
  ev.preventDefault();
  const text = ui.postText.value.trim();
  if (!text) return;
  if ([...text].length > CHAT_MAX_LEN) {
    setPostStatus(`Messages are at most ${CHAT_MAX_LEN} characters.`, true);
    return;
  }
  if (!hub.postChat(text)) {
    setPostStatus('Not connected to the chat. Try again in a moment.', true);
    return;
  }
  ui.postText.value = '';
  setPostStatus('');
  chat.scrollToBottom();
}

/* ---------- start ---------- */

ui.loginForm.addEventListener('submit', onLoginSubmit);
ui.logout.addEventListener('click', () => signOut());
ui.postForm.addEventListener('submit', onPostSubmit);

if (page.classId === null) {
  setBadge('error', 'Not found');
  setText(ui.title, 'No class here');
  player.showMessage('This address does not name a class. Use a link like /watch/7.');
} else {
  auth.session = loadSession();
  if (auth.session) {
    scheduleRefresh();
    onSignedIn();
  }
  poll();
}
