#!/usr/bin/env node
// Headless-Chromium test of the web viewer page (/watch/<class>) against a running server.
// SPDX-License-Identifier: GPL-3.0-or-later
//
// node tests/web/watch-test.mjs --base http://127.0.0.1:PORT --class ID
//      [--user NAME --password PASSWORD] [--screenshot out.png] [--chromium /usr/bin/chromium]
//
// Prints "ok N - …" / "not ok N - …" per check and "1..N" at the end. Exit
// status 0 when every check passed, 1 on a failed check (the reason is the
// last line on stderr), 2 on bad usage or when the browser cannot start.

import { createRequire } from 'node:module';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';

const here = path.dirname(fileURLToPath(import.meta.url));
const webDir = path.resolve(here, '../../data/web');

const MIN_ADVANCE_S = 2;
const PLAY_WINDOW_MS = 6000;
const TOTAL_TIMEOUT_MS = 120000;

/* ---------- arguments ---------- */

function usage (why) {
  process.stderr.write(`watch-test: ${why}\n` +
    'usage: node tests/web/watch-test.mjs --base http://127.0.0.1:PORT --class ID ' +
    '[--user NAME --password PASSWORD] [--screenshot out.png] [--chromium PATH]\n');
  process.exit(2);
}

function parseArgs (argv) {
  const opts = { chromium: '/usr/bin/chromium' };
  const names = { '--base': 'base', '--class': 'classId', '--user': 'user', '--password': 'password',
                  '--screenshot': 'screenshot', '--chromium': 'chromium' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.indexOf('=');
    const flag = eq > 0 ? a.slice(0, eq) : a;
    if (!(flag in names)) usage(`unknown argument ${a}`);
    const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
    if (value === undefined) usage(`${flag} needs a value`);
    opts[names[flag]] = value;
  }
  if (!opts.base) usage('--base is required');
  if (!opts.classId || !/^\d+$/.test(opts.classId)) usage('--class needs a class id');
  if (!!opts.user !== !!opts.password) usage('--user and --password go together');
  let base;
  try {
    base = new URL(opts.base);
  } catch {
    usage(`--base ${opts.base} is not a URL`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') usage('--base must be http(s)');
  opts.origin = base.origin;
  return opts;
}

const opts = parseArgs(process.argv.slice(2));

let playwright;
try {
  playwright = createRequire(path.join(webDir, 'package.json'))('playwright-core');
} catch (e) {
  usage(`playwright-core not found under ${webDir}/node_modules (run npm ci there): ${e.message}`);
}
if (!existsSync(opts.chromium)) usage(`no Chromium at ${opts.chromium} (Debian package: chromium)`);

/* ---------- reporting ---------- */

let count = 0;
class CheckFailed extends Error {}

function ok (what) {
  count += 1;
  console.log(`ok ${count} - ${what}`);
}

function fail (what, why) {
  count += 1;
  console.log(`not ok ${count} - ${what}: ${why}`);
  throw new CheckFailed(`${what}: ${why}`);
}

async function check (what, fn) {
  let detail;
  try {
    detail = await fn();
  } catch (e) {
    if (e instanceof CheckFailed) throw e;
    fail(what, oneLine(e && e.message ? e.message : String(e)));
  }
  ok(detail ? `${what} (${detail})` : what);
}

function oneLine (s) {
  return String(s).split('\n').map((l) => l.trim()).filter(Boolean)[0] || 'failed';
}

function sleep (ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/* ---------- the server's view, for comparison ---------- */

async function apiWatch (token) {
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  const r = await fetch(`${opts.origin}/api/watch/${opts.classId}`, { headers });
  let data = null;
  try {
    data = await r.json();
  } catch {
    /* not JSON */
  }
  return { status: r.status, data };
}

async function apiLogin () {
  const r = await fetch(`${opts.origin}/api/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: opts.user, password: opts.password }),
  });
  if (r.status !== 200) throw new Error(`POST /api/login answered ${r.status}`);
  return (await r.json()).access_token;
}

/* ---------- the test ---------- */

const consoleErrors = [];
let signedIn = false;
let membersOnly = false;

function watchConsole (page) {
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const url = (msg.location() && msg.location().url) || '';
    // Before signing in, polling a members-only class answers 401, which
    // Chromium logs as a failed resource load. That, and only that, is expected.
    if (membersOnly && !signedIn && / 401 /.test(msg.text()) && url.includes(`/api/watch/${opts.classId}`))
      return;
    consoleErrors.push(`console: ${msg.text()}${url ? ` (${url})` : ''}`);
  });
  page.on('pageerror', (e) => consoleErrors.push(`page error: ${oneLine(e.message)}`));
}

function assertNoConsoleErrors () {
  if (consoleErrors.length) throw new Error(`${consoleErrors.length} error(s), first: ${consoleErrors[0]}`);
}

async function signInThroughForm (page) {
  await page.fill('#login-username', opts.user);
  await page.fill('#login-password', opts.password);
  signedIn = true;   // from here on a 401 would be a real failure
  await page.click('#login-submit');
  await page.waitForSelector('#signed-in:not([hidden])', { timeout: 10000 }).catch(async () => {
    const err = await page.textContent('#login-error');
    throw new Error(`not signed in${err ? `: ${err}` : ''}`);
  });
  await page.waitForFunction(() => !document.getElementById('post-text').disabled, null, { timeout: 10000 })
    .catch(async () => {
      throw new Error(`post box stays disabled: ${await page.textContent('#post-status')}`);
    });
  const stored = await page.evaluate(() => ({
    session: !!sessionStorage.getItem('streamlet.auth'),
    local: Object.keys(localStorage).length,
  }));
  if (!stored.session || stored.local) throw new Error('tokens must be kept in sessionStorage only');
  return `as ${await page.textContent('#me-name')}`;
}

async function run (page) {
  const watchUrl = `${opts.origin}/watch/${opts.classId}`;

  await check('Chromium supports H.264 + AAC in Media Source Extensions', async () => {
    await page.goto('about:blank');
    const r = await page.evaluate(() => ({
      mse: typeof MediaSource !== 'undefined' &&
           MediaSource.isTypeSupported('video/mp4; codecs="avc1.42E01F,mp4a.40.2"'),
      ua: navigator.userAgent,
    }));
    if (!r.mse) throw new Error(`MediaSource.isTypeSupported(avc1.42E01F,mp4a.40.2) is false in ${r.ua}`);
  });

  const before = await apiWatch();
  if (before.status === 401) membersOnly = true;
  else if (before.status !== 200) fail('GET /api/watch answers', `status ${before.status}`);

  await check('the page loads', async () => {
    const res = await page.goto(watchUrl, { waitUntil: 'load' });
    if (!res || res.status() !== 200) throw new Error(`GET ${watchUrl} answered ${res ? res.status() : 'nothing'}`);
    const type = res.headers()['content-type'] || '';
    if (!type.startsWith('text/html')) throw new Error(`Content-Type is ${type}`);
    await page.waitForFunction(() => typeof window.Hls === 'function', null, { timeout: 5000 })
      .catch(() => { throw new Error('hls.js did not load from /web/hls.min.js'); });
  });

  let expected = before.data;
  if (membersOnly) {
    if (!opts.user) fail('the class is watchable', 'it needs a sign-in: pass --user and --password');
    await check('a members-only class asks to sign in', async () => {
      await page.waitForFunction(() => /sign in/i.test(document.getElementById('overlay-text').textContent),
        null, { timeout: 10000 });
    });
    await check('signs in through the form', () => signInThroughForm(page));
    expected = (await apiWatch(await apiLogin())).data;
  }

  await check('the class title and teacher are shown', async () => {
    const want = expected.class.title;
    await page.waitForFunction((t) => document.getElementById('title').textContent === t, want, { timeout: 10000 })
      .catch(async () => {
        throw new Error(`title is "${await page.textContent('#title')}", want "${want}"`);
      });
    const teacher = await page.textContent('#teacher');
    if (!teacher.includes(expected.class.owner.display_name))
      throw new Error(`teacher shows "${teacher}"`);
    return `"${want}"`;
  });

  await check('the state badge is shown', async () => {
    const b = await page.$eval('#badge', (el) => ({ state: el.dataset.state, text: el.textContent.trim() }));
    if (!['live', 'offline', 'scheduled', 'ended', 'cancelled'].includes(b.state) || !b.text)
      throw new Error(`badge is ${b.state} "${b.text}"`);
    if (expected.online && b.state !== 'live') throw new Error(`the stream is online but the badge says ${b.state}`);
    return b.text;
  });

  await check('the viewer count is shown', async () => {
    await page.waitForSelector('#viewers:not([hidden])', { timeout: 5000 });
    const n = (await page.textContent('#viewer-count')).trim();
    if (!/^\d+$/.test(n)) throw new Error(`viewer count is "${n}"`);
    return n;
  });

  await check('the chat history is shown', async () => {
    const want = expected.chat || [];
    if (!want.length) {
      if (!await page.isVisible('#chat-empty')) throw new Error('empty chat without the "no messages" line');
      return 'empty';
    }
    const last = want[want.length - 1];
    await page.waitForFunction((id) => !!document.querySelector(`#chat-list li[data-id="${id}"]`), last.id,
      { timeout: 5000 }).catch(() => { throw new Error(`message ${last.id} is not in the list`); });
    const shown = await page.$$eval('#chat-list li', (lis) => lis.map((li) => ({
      id: Number(li.dataset.id),
      from: li.querySelector('.from').textContent,
      text: li.querySelector('.text').textContent,
    })));
    for (const m of want) {
      const s = shown.find((x) => x.id === m.id);
      if (!s) throw new Error(`message ${m.id} is missing`);
      if (s.text !== m.text || s.from !== m.from.display_name)
        throw new Error(`message ${m.id} shows "${s.from}: ${s.text}"`);
    }
    const markup = await page.$$eval('#chat-list *', (els) => els.filter((e) =>
      !['LI', 'SPAN', 'TIME', 'P'].includes(e.tagName)).length);
    if (markup) throw new Error('chat text was inserted as markup');
    const atBottom = await page.$eval('#chat-list', (l) => l.scrollHeight - l.scrollTop - l.clientHeight < 50);
    if (!atBottom) throw new Error('the list is not scrolled to the newest message');
    return `${want.length} message(s)`;
  });

  await check('the video plays (currentTime advances)', async () => {
    if (!expected.online) throw new Error('the server says the class is not online (no publisher)');
    await page.waitForFunction(() => document.getElementById('video').currentTime > 0.5, null, { timeout: 30000 })
      .catch(async () => {
        const s = await page.evaluate(() => {
          const v = document.getElementById('video');
          return `readyState ${v.readyState}, paused ${v.paused}, error ${v.error && v.error.code}, ` +
                 `overlay "${document.getElementById('overlay-text').textContent}"`;
        });
        throw new Error(`no playback after 30 s: ${s}`);
      });
    const t0 = await page.evaluate(() => document.getElementById('video').currentTime);
    await sleep(PLAY_WINDOW_MS);
    const t1 = await page.evaluate(() => document.getElementById('video').currentTime);
    if (t1 - t0 < MIN_ADVANCE_S)
      throw new Error(`currentTime went ${t0.toFixed(2)} → ${t1.toFixed(2)} in ${PLAY_WINDOW_MS / 1000} s`);
    if (!await page.evaluate(() => document.getElementById('overlay').classList.contains('is-clear')))
      throw new Error('the overlay still covers the playing video');
    return `+${(t1 - t0).toFixed(2)} s in ${PLAY_WINDOW_MS / 1000} s`;
  });

  await check('muted autoplay offers an unmute button that works', async () => {
    const muted = await page.evaluate(() => document.getElementById('video').muted);
    if (!muted) throw new Error('the video autoplayed with sound (it must start muted)');
    await page.click('#unmute', { timeout: 5000 });
    const after = await page.evaluate(() => ({
      muted: document.getElementById('video').muted,
      hidden: document.getElementById('unmute').hidden,
    }));
    if (after.muted || !after.hidden) throw new Error(`after the click muted=${after.muted}, button hidden=${after.hidden}`);
  });

  if (opts.user) {
    if (!membersOnly) await check('signs in through the form', () => signInThroughForm(page));

    await check('a posted chat message appears once', async () => {
      const text = `watch-test ${randomBytes(4).toString('hex')} <b>not bold</b> & é`;
      await page.fill('#post-text', text);
      await page.press('#post-text', 'Enter');
      const id = await page.waitForFunction((t) => {
        const li = [...document.querySelectorAll('#chat-list li')].find((x) => x.querySelector('.text').textContent === t);
        return li ? Number(li.dataset.id) : 0;
      }, text, { timeout: 10000 }).then((h) => h.jsonValue()).catch(async () => {
        throw new Error(`not in the list after 10 s; status "${await page.textContent('#post-status')}"`);
      });
      if (await page.inputValue('#post-text')) throw new Error('the post box was not cleared');
      const mine = await page.$eval(`#chat-list li[data-id="${id}"]`, (li) => li.classList.contains('mine'));
      if (!mine) throw new Error('the message is not marked as the user\'s own');
      // Two polls later it must still be there exactly once (WebSocket + poll deduplicated).
      await sleep(4500);
      const n = await page.$$eval('#chat-list li', (lis, t) =>
        lis.filter((x) => x.querySelector('.text').textContent === t).length, text);
      if (n !== 1) throw new Error(`shown ${n} times`);
      return `message ${id}`;
    });
  }

  await check('the layout works at 360 px (chat below the video, no sideways scroll)', async () => {
    await page.setViewportSize({ width: 360, height: 740 });
    await sleep(300);
    const r = await page.evaluate(() => {
      const stage = document.querySelector('.stage').getBoundingClientRect();
      const chat = document.querySelector('.chat').getBoundingClientRect();
      return { sw: document.documentElement.scrollWidth, stageBottom: stage.bottom, chatTop: chat.top, chatW: chat.width };
    });
    if (r.sw > 360) throw new Error(`the page is ${r.sw} px wide`);
    if (r.chatTop < r.stageBottom) throw new Error('the chat is not below the video');
  });

  await check('the layout works at 1280 px (chat beside the video)', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await sleep(300);
    const r = await page.evaluate(() => {
      const stage = document.querySelector('.stage').getBoundingClientRect();
      const chat = document.querySelector('.chat').getBoundingClientRect();
      return { stageRight: stage.right, chatLeft: chat.left, chatTop: chat.top, stageBottom: stage.bottom };
    });
    if (r.chatLeft < r.stageRight || r.chatTop > r.stageBottom) throw new Error('the chat is not beside the video');
  });

  if (opts.screenshot) {
    await check(`screenshot saved to ${opts.screenshot}`, async () => {
      await page.evaluate(() => {
        if (document.activeElement) document.activeElement.blur();
        window.scrollTo(0, 0);
      });
      await page.screenshot({ path: opts.screenshot });
    });
  }

  await check('no console errors or page errors', async () => {
    await sleep(500);
    assertNoConsoleErrors();
  });
}

async function main () {
  const userDataDir = mkdtempSync(path.join(tmpdir(), 'streamlet-watch-test-'));
  let context;
  const deadline = setTimeout(() => {
    console.log(`not ok ${count + 1} - finished in time: still running after ${TOTAL_TIMEOUT_MS / 1000} s`);
    process.stderr.write(`watch-test: timed out after ${TOTAL_TIMEOUT_MS / 1000} s\n`);
    process.exit(1);
  }, TOTAL_TIMEOUT_MS);
  let status = 0;
  try {
    try {
      context = await playwright.chromium.launchPersistentContext(userDataDir, {
        executablePath: opts.chromium,
        headless: true,
        viewport: { width: 1280, height: 800 },
        args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
               '--disable-background-networking', '--disable-component-update', '--disable-sync',
               '--disable-default-apps', '--disable-extensions', '--mute-audio',
               '--autoplay-policy=no-user-gesture-required'],
      });
    } catch (e) {
      process.stderr.write(`watch-test: cannot start Chromium: ${oneLine(e.message)}\n`);
      return 2;
    }
    // The browser may talk to the server under test only.
    await context.route('**/*', (route) => {
      const u = route.request().url();
      if (u.startsWith(`${opts.origin}/`) || u.startsWith('data:') || u.startsWith('blob:')) return route.continue();
      consoleErrors.push(`request to another origin blocked: ${u}`);
      return route.abort('blockedbyclient');
    });
    const page = context.pages()[0] || await context.newPage();
    watchConsole(page);
    await run(page);
  } catch (e) {
    status = 1;
    for (const c of consoleErrors.slice(0, 5)) console.log(`# ${c}`);
    process.stderr.write(`watch-test: ${e instanceof CheckFailed ? e.message : oneLine(e.stack || e)}\n`);
  } finally {
    clearTimeout(deadline);
    console.log(`1..${count}`);
    if (context) await context.close().catch(() => {});
    rmSync(userDataDir, { recursive: true, force: true });
  }
  return status;
}

process.exitCode = await main();
