#!/usr/bin/env node
// load.js: the load generator of tests/benchmarks/bench-ws (WebSocket chat
// fan-out), on the `ws` package. Loopback only; every phase is bounded and it
// exits by itself.
// SPDX-License-Identifier: GPL-3.0-or-later
//
//   node load.js run   --url ws://127.0.0.1:P/ws (--tokens FILE | --token T)
//                      --n N --class C [--seconds 20] [--inflight 4]
//                      [--batch 200] [--senders 1000] [--sender-interval-ms 100]
//                      [--connect-timeout-ms 15000] [--connect-attempts 3]
//                      [--join-timeout-s 240]
//                      [--settle-ms 2000] [--broadcast-timeout-ms 10000]
//                      [--auth header|query] [--pid SERVER_PID] [--label NAME]
//   node load.js probe --url URL (--tokens FILE | --token T) [--timeout-ms 5000]
//   node load.js mint  --ids FILE --out FILE [--ttl-s 7200]
//                      (the HS256 secret in the environment: BENCH_JWT_SECRET)
//
// run: opens N connections (at most --batch handshakes at a time, each with a
// timeout, a failed one tried again up to --connect-attempts times in all:
// the retries are reported, only a client that never joined is an error),
// each says "join" for class C on its "hello"; once all have
// joined (or failed) and --settle-ms has passed, it broadcasts for --seconds:
// the first --senders clients take turns (each at most once per
// --sender-interval-ms, well under the server's 20 messages/s per
// connection) so that exactly --inflight chats are in flight. Each chat's
// text carries a unique nonce and its send time. The receivers all live in
// this process, so one monotonic clock times everything:
//   fan-out round trip  = send → the LAST of the N joined clients got it
//   per-receiver latency = send → one client got it (every delivery)
// A broadcast not complete after --broadcast-timeout-ms counts as an error
// ("incomplete") and frees its slot. After --seconds no new chat is sent and
// the ones in flight are waited for (up to the broadcast timeout).
// With --pid it samples that process's VmRSS from /proc every 250 ms during
// the broadcasting and reads its VmHWM and CPU time; it also reports its own
// CPU time and the rest of the machine's (other_cpu_pct: other processes and
// interrupts, in % of one core), so that a busy machine shows.
// Prints one JSON object on stdout:
//   {n, connected, broadcasts, p50_ms, p95_ms, max_ms, per_receiver_p50_ms,
//    per_receiver_p95_ms, errors, …}
// and exits 0 (2 when the hard overall timeout cut it short, 1 on bad usage).
//
// probe: one connection; prints {"ok":true,"hello":…} and exits 0 when the
// server upgrades and says hello, else {"ok":false,"error":…} and exits 3.
//
// mint: one access token per user id (one id per line in --ids), written one
// per line to --out, with exactly the claims streamlet-server checks
// (server/sl-jwt.c): HS256, iss/aud "streamlet", sub, role "student", sid,
// typ "access", iat, nbf, exp, jti.
//
// Note: this process and the server under test share the machine's cores;
// at 10,000 clients, reading 10,000 frames per broadcast costs this process
// real CPU time (reported as loadgen_cpu_pct), which lengthens the measured
// round trips for both servers alike.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const WebSocket = require('ws');

// ---- arguments ------------------------------------------------------------

const mode = process.argv[2];
const opts = {};
for (let i = 3; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (!a.startsWith('--') || i + 1 >= process.argv.length)
    usage(`bad argument ${a}`);
  opts[a.slice(2)] = process.argv[++i];
}

function usage(message) {
  process.stderr.write(`load.js: ${message}\n` +
    'usage: node load.js run|probe|mint … (see the comment at the top of load.js)\n');
  process.exit(1);
}

function num(name, fallback) {
  if (opts[name] === undefined)
    return fallback;
  const v = Number(opts[name]);
  if (!Number.isFinite(v) || v < 0)
    usage(`--${name} wants a number`);
  return v;
}

function str(name, fallback) {
  return opts[name] === undefined ? fallback : opts[name];
}

// Milliseconds on the monotonic clock.
function now() {
  return Number(process.hrtime.bigint()) / 1e6;
}

// ---- mint -------------------------------------------------------------------

function b64url(data) {
  return Buffer.from(data).toString('base64url');
}

function mint() {
  const secret = process.env.BENCH_JWT_SECRET;
  if (!secret || Buffer.byteLength(secret) < 32)
    usage('BENCH_JWT_SECRET must hold the server\'s secret (32 bytes or more)');
  const idsFile = str('ids');
  const out = str('out');
  if (!idsFile || !out)
    usage('mint needs --ids and --out');
  const ttl = num('ttl-s', 7200);
  const ids = fs.readFileSync(idsFile, 'utf8').split('\n').map((s) => s.trim()).filter(Boolean);
  const iat = Math.floor(Date.now() / 1000);
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const lines = [];
  for (const id of ids) {
    if (!/^[1-9][0-9]*$/.test(id))
      usage(`not a user id: ${id}`);
    const payload = b64url(JSON.stringify({
      iss: 'streamlet',
      aud: 'streamlet',
      sub: id,
      role: 'student',
      sid: `bench-ws-${id}`,
      typ: 'access',
      iat,
      nbf: iat,
      exp: iat + ttl,
      jti: crypto.randomBytes(16).toString('base64url'),
    }));
    const input = `${header}.${payload}`;
    const signature = crypto.createHmac('sha256', secret).update(input).digest('base64url');
    lines.push(`${input}.${signature}`);
  }
  fs.writeFileSync(out, lines.join('\n') + '\n', { mode: 0o600 });
  process.stdout.write(`${lines.length} tokens\n`);
}

// ---- connecting -------------------------------------------------------------

function loadTokens() {
  if (opts.token)
    return [opts.token];
  if (!opts.tokens)
    usage('give --tokens FILE or --token T');
  const tokens = fs.readFileSync(opts.tokens, 'utf8').split('\n').map((s) => s.trim()).filter(Boolean);
  if (tokens.length === 0)
    usage(`no tokens in ${opts.tokens}`);
  return tokens;
}

function connectArgs(url, token, auth) {
  // No compression (not asked for); no UTF-8 check of every frame
  // (it would cost this process CPU the servers do not spend).
  const options = { perMessageDeflate: false, maxPayload: 1 << 20, skipUTF8Validation: true };
  if (auth === 'query') {
    const sep = url.includes('?') ? '&' : '?';
    return [`${url}${sep}access_token=${encodeURIComponent(token)}`, options];
  }
  options.headers = { Authorization: `Bearer ${token}` };
  return [url, options];
}

function probe() {
  const url = str('url');
  if (!url)
    usage('probe needs --url');
  const token = loadTokens()[0];
  const timeoutMs = num('timeout-ms', 5000);
  const [u, options] = connectArgs(url, token, str('auth', 'header'));
  options.handshakeTimeout = timeoutMs;
  let done = false;
  const finish = (ok, what) => {
    if (done)
      return;
    done = true;
    process.stdout.write(JSON.stringify(ok ? { ok, hello: what } : { ok, error: what }) + '\n');
    process.exit(ok ? 0 : 3);
  };
  const timer = setTimeout(() => finish(false, `no hello within ${timeoutMs} ms`), timeoutMs);
  const ws = new WebSocket(u, options);
  ws.on('message', (data) => {
    let msg = null;
    try {
      msg = JSON.parse(data.toString('utf8'));
    } catch (_) {
      // reported below
    }
    clearTimeout(timer);
    if (msg && msg.type === 'hello')
      finish(true, msg);
    else
      finish(false, `first message is not a hello: ${data.toString('utf8').slice(0, 200)}`);
  });
  ws.on('error', (e) => finish(false, e.message));
  ws.on('close', (code) => finish(false, `closed (${code}) before hello`));
}

// ---- latency histogram (0.1 ms buckets up to 120 s) ---------------------------

const BUCKET_MS = 0.1;
const BUCKETS = 1200000;

class Histogram {
  constructor() {
    this.counts = new Uint32Array(BUCKETS + 1);
    this.total = 0;
    this.max = 0;
  }

  add(ms) {
    const b = ms <= 0 ? 0 : Math.min(BUCKETS, Math.floor(ms / BUCKET_MS));
    this.counts[b] += 1;
    this.total += 1;
    if (ms > this.max)
      this.max = ms;
  }

  // The upper edge of the bucket holding the p-th quantile.
  quantile(p) {
    if (this.total === 0)
      return null;
    const rank = Math.max(1, Math.ceil(p * this.total));
    let seen = 0;
    for (let b = 0; b <= BUCKETS; b++) {
      seen += this.counts[b];
      if (seen >= rank)
        return b === BUCKETS ? this.max : (b + 1) * BUCKET_MS;
    }
    return this.max;
  }
}

function quantileSorted(sorted, p) {
  if (sorted.length === 0)
    return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

function round(v, digits = 1) {
  return v === null || v === undefined ? null : Number(v.toFixed(digits));
}

// ---- /proc sampling of the server ---------------------------------------------

function procStatus(pid) {
  try {
    const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = /^VmRSS:\s+(\d+) kB/m.exec(text);
    const hwm = /^VmHWM:\s+(\d+) kB/m.exec(text);
    return { rss: rss ? Number(rss[1]) : null, hwm: hwm ? Number(hwm[1]) : null };
  } catch (_) {
    return { rss: null, hwm: null };
  }
}

// utime + stime in seconds (clock ticks of 100 Hz, Linux's USER_HZ).
function procCpuSeconds(pid) {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch (_) {
    return null;
  }
}

// Busy seconds of the whole machine (all CPUs; idle and iowait excluded).
function machineBusySeconds() {
  try {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number);
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
    return (total - f[3] - f[4]) / 100;
  } catch (_) {
    return null;
  }
}

// ---- run ----------------------------------------------------------------------

function run() {
  const url = str('url');
  const n = num('n', 0);
  const classId = num('class', 0);
  if (!url || !Number.isInteger(n) || n < 1 || !Number.isInteger(classId) || classId < 1)
    usage('run needs --url, --n N (≥ 1) and --class C');
  const tokens = loadTokens();
  const seconds = num('seconds', 20);
  const inflight = Math.max(1, num('inflight', 4));
  const batch = Math.max(1, num('batch', 200));
  const senderCount = Math.max(1, Math.min(n, num('senders', 1000)));
  const senderIntervalMs = num('sender-interval-ms', 100);
  const connectTimeoutMs = num('connect-timeout-ms', 15000);
  const connectAttempts = Math.max(1, num('connect-attempts', 3));
  const joinTimeoutS = num('join-timeout-s', 240);
  const settleMs = num('settle-ms', 2000);
  const broadcastTimeoutMs = num('broadcast-timeout-ms', 10000);
  const auth = str('auth', 'header');
  const pid = opts.pid ? Number(opts.pid) : null;
  const label = str('label', url);
  const hardTimeoutS = num('hard-timeout-s', joinTimeoutS + seconds + settleMs / 1000 +
                           broadcastTimeoutMs / 1000 + 30);

  const t0 = now();
  const clients = [];
  const errors = {
    connect: 0,          // handshake failed, timed out, or no hello/joined in time
    closed: 0,           // a joined connection closed during the run
    server: {},          // "error" messages by code
    incomplete: 0,       // broadcasts not seen by every receiver in time
    send: 0,             // ws.send() callbacks with an error
  };
  const connectErrors = {};
  const retries = {};     // failed tries that were tried again, by reason
  const report = {
    label,
    n,
    connected: 0,
    broadcasts: 0,
    p50_ms: null,
    p95_ms: null,
    max_ms: null,
    per_receiver_p50_ms: null,
    per_receiver_p95_ms: null,
    errors: 0,
  };
  let phase = 'connect';
  let joinedCount = 0;
  let settledCount = 0;

  // Broadcast bookkeeping: nonce → { sentAt, got, expected }.
  const pending = new Map();
  let nextNonce = 1;
  const fanout = [];
  const perReceiver = new Histogram();
  let late = 0;
  let sendTimer = null;
  let rr = 0;
  const senders = [];
  let steadyStart = 0;
  let steadyEnd = 0;
  let rssPeak = null;
  let rssJoined = null;
  let serverCpu0 = null;
  let loadCpu0 = null;
  let machine0 = null;
  let rssTimer = null;

  function finishReport(aborted) {
    const sorted = fanout.slice().sort((a, b) => a - b);
    const serverErrors = Object.values(errors.server).reduce((a, b) => a + b, 0);
    const wall = (steadyEnd || now()) - (steadyStart || now());
    Object.assign(report, {
      connected: joinedCount,
      broadcasts: fanout.length,
      broadcasts_per_s: wall > 0 ? round(fanout.length / (wall / 1000), 1) : null,
      p50_ms: round(quantileSorted(sorted, 0.5)),
      p95_ms: round(quantileSorted(sorted, 0.95)),
      max_ms: round(sorted.length ? sorted[sorted.length - 1] : null),
      per_receiver_p50_ms: round(perReceiver.quantile(0.5)),
      per_receiver_p95_ms: round(perReceiver.quantile(0.95)),
      deliveries: perReceiver.total,
      errors: errors.connect + errors.closed + errors.incomplete + errors.send + serverErrors,
      errors_detail: { ...errors, connect_reasons: connectErrors, late_deliveries: late },
      connect_retries: Object.values(retries).reduce((a, b) => a + b, 0),
      connect_retry_reasons: retries,
      connect_s: round(settledCount ? (connectDone - t0) / 1000 : (now() - t0) / 1000, 2),
      steady_s: round(wall / 1000, 2),
      inflight,
      senders: senders.length,
    });
    if (pid) {
      const st = procStatus(pid);
      const cpu = procCpuSeconds(pid);
      report.server_pid = pid;
      report.server_rss_joined_kib = rssJoined;
      report.server_rss_peak_kib = rssPeak;
      report.server_hwm_kib = st.hwm;
      if (serverCpu0 !== null && cpu !== null && wall > 0)
        report.server_cpu_pct = round(100 * (cpu - serverCpu0) / (wall / 1000), 0);
    }
    if (loadCpu0 && wall > 0) {
      const c = process.cpuUsage(loadCpu0);
      report.loadgen_cpu_pct = round(100 * ((c.user + c.system) / 1e3) / wall, 0);
    }
    // Everything else that ran meanwhile (other processes, interrupts), in %
    // of one core: a busy machine shows here.
    const machine1 = machineBusySeconds();
    if (machine0 !== null && machine1 !== null && wall > 0) {
      report.machine_busy_pct = round(100 * (machine1 - machine0) / (wall / 1000), 0);
      if (report.server_cpu_pct !== undefined && report.loadgen_cpu_pct !== undefined)
        report.other_cpu_pct = Math.max(0, report.machine_busy_pct - report.server_cpu_pct -
                                        report.loadgen_cpu_pct);
    }
    report.loadgen_rss_kib = Math.round(process.memoryUsage().rss / 1024);
    if (aborted)
      report.aborted = aborted;
    process.stdout.write(JSON.stringify(report) + '\n');
  }

  let exiting = false;
  function exit(code, aborted) {
    if (exiting)
      return;
    exiting = true;
    finishReport(aborted);
    for (const c of clients)
      if (c.ws)
        c.ws.terminate();
    // Give the terminate() calls one turn, then go whatever is still open.
    setTimeout(() => process.exit(code), 200).unref();
    setImmediate(() => process.exit(code));
  }

  const hard = setTimeout(() => exit(2, `hard timeout (${hardTimeoutS} s)`), hardTimeoutS * 1000);
  hard.unref();

  // ---- receiving -------------------------------------------------------------

  const MARK = Buffer.from('"text":"bench:');
  const CHAT = Buffer.from('"type":"chat"');

  // One of our chats: a "chat" frame (not "chat_deleted") whose text has the
  // mark. Both servers' frames take this same path, whatever their field order.
  function benchChatAt(data) {
    const i = data.indexOf(MARK);
    if (i < 0)
      return -1;
    const t = data.indexOf(CHAT);
    if (t < 0)
      return -1;
    const after = data[t + CHAT.length];
    return after === 44 /* , */ || after === 125 /* } */ ? i : -1;
  }

  function onChat(data, at, i) {
    let nonce = 0;
    for (let j = i + MARK.length; j < data.length; j++) {
      const c = data[j];
      if (c < 48 || c > 57)
        break;
      nonce = nonce * 10 + (c - 48);
    }
    const b = pending.get(nonce);
    if (!b) {
      late += 1;
      return;
    }
    perReceiver.add(at - b.sentAt);
    b.got += 1;
    if (b.got >= b.expected) {
      pending.delete(nonce);
      fanout.push(at - b.sentAt);
      fill();
    }
  }

  function onMessage(client, data) {
    const at = now();
    // The hot path: one of our chats, told apart without parsing JSON.
    const i = benchChatAt(data);
    if (i >= 0) {
      onChat(data, at, i);
      return;
    }
    let msg;
    try {
      msg = JSON.parse(data.toString('utf8'));
    } catch (_) {
      return;
    }
    switch (msg.type) {
      case 'hello':
        if (!client.hello) {
          client.hello = true;
          client.ws.send(JSON.stringify({ type: 'join', class_id: classId }));
        }
        return;
      case 'joined':
        if (!client.joined && msg.class_id === classId)
          client.joinedNow();
        return;
      case 'error':
        errors.server[msg.code] = (errors.server[msg.code] || 0) + 1;
        if (!client.joined)
          client.failNow(`error ${msg.code}`);
        return;
      default:
        return; // presence, pong, class_* …
    }
  }

  // ---- connecting ------------------------------------------------------------

  let started = 0;
  let active = 0;
  let connectDone = 0;

  // One client: up to --connect-attempts tries, each bounded by
  // --connect-timeout-ms from the handshake to "joined"; its slot among the
  // --batch pending handshakes is held until it has joined or given up.
  function openOne(index) {
    const token = tokens[index % tokens.length];
    const client = { index, ws: null, hello: false, joined: false, settled: false, attempts: 0 };
    clients.push(client);

    const settle = (ok) => {
      client.settled = true;
      active -= 1;
      settledCount += 1;
      pump();
      return ok;
    };

    const attempt = () => {
      client.attempts += 1;
      client.hello = false;
      const [u, options] = connectArgs(url, token, auth);
      options.handshakeTimeout = connectTimeoutMs;
      const ws = new WebSocket(u, options);
      client.ws = ws;
      let over = false;
      const fail = (why) => {
        if (over)
          return;
        over = true;
        clearTimeout(timer);
        ws.removeAllListeners('message');
        ws.on('error', () => {});
        ws.terminate();
        const reason = String(why).replace(/\d{2,}/g, 'N').slice(0, 80);
        if (client.attempts < connectAttempts && phase === 'connect') {
          retries[reason] = (retries[reason] || 0) + 1;
          setTimeout(attempt, 100 * client.attempts);
        } else {
          errors.connect += 1;
          connectErrors[reason] = (connectErrors[reason] || 0) + 1;
          client.ws = null;
          settle(false);
        }
      };
      const timer = setTimeout(() => fail('timeout'), connectTimeoutMs);
      client.joinedNow = () => {
        if (over)
          return;
        over = true;
        clearTimeout(timer);
        client.joined = true;
        joinedCount += 1;
        settle(true);
      };
      client.failNow = fail;
      ws.on('message', (data) => onMessage(client, data));
      ws.on('error', (e) => fail(e.message));
      ws.on('close', (code) => {
        if (!over) {
          fail(`closed ${code} before joining`);
        } else if (client.joined && client.ws === ws) {
          client.joined = false;
          client.closed = true;
          joinedCount -= 1;
          if (phase !== 'done')
            errors.closed += 1;
        }
      });
    };
    attempt();
  }

  function pump() {
    while (active < batch && started < n && phase === 'connect') {
      active += 1;
      openOne(started);
      started += 1;
    }
    if (settledCount === n && phase === 'connect') {
      connectDone = now();
      phase = 'settle';
      process.stderr.write(`load.js: ${label}: ${joinedCount}/${n} joined in ` +
                           `${((connectDone - t0) / 1000).toFixed(1)} s\n`);
      if (joinedCount === 0)
        exit(0, 'no client joined');
      else
        setTimeout(startSteady, settleMs);
    }
  }

  setTimeout(() => {
    if (phase === 'connect') {
      process.stderr.write(`load.js: ${label}: join phase over ${joinTimeoutS} s; ` +
                           `${joinedCount}/${n} joined\n`);
      exit(2, `not all joined within ${joinTimeoutS} s`);
    }
  }, joinTimeoutS * 1000).unref();

  // ---- broadcasting ----------------------------------------------------------

  function startSteady() {
    phase = 'steady';
    for (const c of clients) {
      if (c.joined && senders.length < senderCount)
        senders.push({ client: c, last: -Infinity });
    }
    if (pid) {
      rssJoined = procStatus(pid).rss;
      rssPeak = rssJoined;
      serverCpu0 = procCpuSeconds(pid);
      rssTimer = setInterval(() => {
        const r = procStatus(pid).rss;
        if (r !== null && (rssPeak === null || r > rssPeak))
          rssPeak = r;
      }, 250);
    }
    loadCpu0 = process.cpuUsage();
    machine0 = machineBusySeconds();
    steadyStart = now();
    setTimeout(stopSending, seconds * 1000);
    setInterval(expire, 250).unref();
    fill();
  }

  function expected() {
    return joinedCount;
  }

  // Keeps `inflight` chats in flight, senders taking turns at their pace.
  function fill() {
    if (phase !== 'steady')
      return;
    while (pending.size < inflight) {
      const t = now();
      let chosen = null;
      for (let tries = 0; tries < senders.length; tries++) {
        const s = senders[rr];
        rr = (rr + 1) % senders.length;
        if (s.client.joined && t - s.last >= senderIntervalMs) {
          chosen = s;
          break;
        }
      }
      if (!chosen) {
        if (!sendTimer) {
          const earliest = Math.min(...senders.filter((s) => s.client.joined).map((s) => s.last));
          const wait = Number.isFinite(earliest) ? Math.max(1, earliest + senderIntervalMs - t) : 100;
          sendTimer = setTimeout(() => {
            sendTimer = null;
            fill();
          }, wait);
        }
        return;
      }
      const nonce = nextNonce++;
      const sentAt = now();
      chosen.last = sentAt;
      pending.set(nonce, { sentAt, got: 0, expected: expected() });
      chosen.client.ws.send(JSON.stringify({
        type: 'chat',
        class_id: classId,
        text: `bench:${nonce}:${sentAt.toFixed(3)}`,
      }), (err) => {
        if (err)
          errors.send += 1;
      });
    }
  }

  function expire() {
    const t = now();
    for (const [nonce, b] of pending) {
      if (t - b.sentAt > broadcastTimeoutMs) {
        pending.delete(nonce);
        errors.incomplete += 1;
      }
    }
    if (phase === 'steady')
      fill();
    else if (phase === 'drain' && pending.size === 0)
      done();
  }

  function stopSending() {
    phase = 'drain';
    if (sendTimer)
      clearTimeout(sendTimer);
    if (pending.size === 0)
      done();
    // expire() finishes the drain: every pending broadcast completes or times out.
    const check = setInterval(() => {
      if (pending.size === 0) {
        clearInterval(check);
        done();
      }
    }, 20);
  }

  function done() {
    if (phase === 'done')
      return;
    phase = 'done';
    steadyEnd = now();
    if (rssTimer) {
      clearInterval(rssTimer);
      const r = procStatus(pid).rss;
      if (r !== null && (rssPeak === null || r > rssPeak))
        rssPeak = r;
    }
    exit(0);
  }

  pump();
}

switch (mode) {
  case 'run':
    run();
    break;
  case 'probe':
    probe();
    break;
  case 'mint':
    mint();
    break;
  default:
    usage(`unknown mode ${mode}`);
}
