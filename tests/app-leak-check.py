#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""app-leak-check: the desktop app, driven through a real session under
valgrind memcheck, leaks nothing from the project's own code (issue 6).

What it does, with a deadline on every wait, on 127.0.0.1 only:

1. Self-check: runs tests/leak-check-demo (which leaks one buffer on purpose)
   under the same valgrind command and parser, and expects exactly that leak.
2. Starts `streamlet-server --demo` on a free loopback port with a throwaway
   data dir; the teacher makes a live class and an upcoming one over HTTP.
3. Signs the student in over HTTP and keeps the refresh token the way the
   app's "stay signed in" does (STREAMLET_SESSION_FILE, stay-signed-in=true
   in a keyfile GSettings backend), so the app starts signed in.
4. Runs the real `streamlet` under valgrind on a private session bus and
   drives it. GTK exports only GActionMap actions on D-Bus: app.quit and
   app.about are there, but the window's actions (win.watch-class,
   win.back, win.search, ...) are widget actions that live in the window
   only. So the window is driven as a user would, with key presses sent
   through XTEST: Ctrl+F and Enter open the live class, F6 and Ctrl+Return
   send a chat message, Alt+Left goes back, F10 opens the main menu
   (Profile, Sign Out), the sign-in form is typed into. Each step is
   confirmed by what the app asks the server (its request log), the chat by
   the server's chat history, the watch view by the window's pixels; keys
   that a slow moment may drop are sent again. app.color-scheme,
   app.about and app.quit go over D-Bus; the app must exit by itself on
   app.quit.
5. Parses valgrind's XML: a definite leak or a memory error is "ours" when a
   frame of its stack is in the source tree's client/, shared/ or server/
   (or, without debug info, a function named sl_*). Any such record fails
   the test and its stack is printed. Library-only records are counted.
   tests/valgrind/streamlet.supp names library internals only (fontconfig's
   caches, GLib's quark table, ld.so); how often each entry was used is
   printed too.

Output is TAP. Artefacts (valgrind XML, app and server logs) are kept in
--artefacts-dir.
"""

import argparse
import ctypes
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone

# ---------------------------------------------------------------------------
# TAP


class Tap:
    def __init__(self, planned):
        self.n = 0
        print(f"1..{planned}", flush=True)

    def comment(self, text):
        for line in str(text).splitlines() or [""]:
            print(f"# {line}", flush=True)

    def result(self, ok, description):
        self.n += 1
        print(f"{'ok' if ok else 'not ok'} {self.n} - {description}", flush=True)
        return ok


# ---------------------------------------------------------------------------
# valgrind and its XML

# The leaks asked about; every other kind of record (InvalidRead, InvalidWrite,
# UninitCondition, ...) is a memory error.
LEAK_KIND = "Leak_DefinitelyLost"


def valgrind_command(xml_file, suppressions):
    cmd = [
        "valgrind", "--tool=memcheck",
        "--leak-check=full", "--show-leak-kinds=definite",
        "--errors-for-leak-kinds=definite",
        "--num-callers=50",
        "--child-silent-after-fork=yes",  # GStreamer's plugin scanner forks
        "--xml=yes", f"--xml-file={xml_file}",
    ]
    if suppressions:
        cmd.append(f"--suppressions={suppressions}")
    return cmd


class Frame:
    def __init__(self, node):
        self.fn = node.findtext("fn") or ""
        self.obj = node.findtext("obj") or ""
        self.dir = node.findtext("dir") or ""
        self.file = node.findtext("file") or ""
        self.line = node.findtext("line") or ""
        self.ip = node.findtext("ip") or ""

    def path(self):
        if not self.file:
            return ""
        return os.path.normpath(os.path.join(self.dir, self.file)) if self.dir else self.file

    def __str__(self):
        where = f"{self.path()}:{self.line}" if self.file else os.path.basename(self.obj) or "?"
        return f"{self.fn or self.ip} ({where})"


class Record:
    def __init__(self, node):
        self.kind = node.findtext("kind") or ""
        self.what = (node.findtext("what") or node.findtext("xwhat/text") or "").strip()
        self.stacks = [[Frame(f) for f in st.findall("frame")] for st in node.findall("stack")]

    def frames(self):
        for stack in self.stacks:
            yield from stack


def read_valgrind_xml(path):
    """Returns (records, suppression counts {name: n}, finished?)."""
    root = ET.parse(path).getroot()
    records = [Record(e) for e in root.findall("error")]
    supp = {}
    for pair in root.findall("suppcounts/pair"):
        supp[pair.findtext("name") or "?"] = int(pair.findtext("count") or 0)
    states = [s.findtext("state") for s in root.findall("status")]
    return records, supp, "FINISHED" in states


def is_ours(frame, our_dirs):
    path = frame.path()
    if path and os.path.isabs(path):
        real = os.path.realpath(path)
        for d in our_dirs:
            if real == d or real.startswith(d + os.sep):
                return True
    return frame.fn.startswith("sl_")


def classify(records, our_dirs):
    """Splits into (our leaks, library leaks, our errors, library errors)."""
    ours_leaks, lib_leaks, ours_errors, lib_errors = [], [], [], []
    for r in records:
        ours = any(is_ours(f, our_dirs) for f in r.frames())
        if r.kind == LEAK_KIND:
            (ours_leaks if ours else lib_leaks).append(r)
        elif r.kind.startswith("Leak_"):
            continue  # only definite leaks are asked for
        else:
            (ours_errors if ours else lib_errors).append(r)
    return ours_leaks, lib_leaks, ours_errors, lib_errors


def describe(tap, record, our_dirs):
    tap.comment(f"{record.kind}: {record.what}")
    for i, stack in enumerate(record.stacks):
        if i:
            tap.comment("  -- and (where the block came from):")
        for f in stack:
            mark = "*" if is_ours(f, our_dirs) else " "
            tap.comment(f"  {mark} {f}")


# ---------------------------------------------------------------------------
# processes

class Proc:
    """A child process whose output is read by a thread, line by line."""

    def __init__(self, name, argv, env, log_path, cwd=None):
        self.name = name
        self.lines = []
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        self.log = open(log_path, "w", encoding="utf-8", errors="replace")
        self.p = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True, errors="replace", start_new_session=True)
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        for line in self.p.stdout:
            self.log.write(line)
            self.log.flush()
            with self.cond:
                self.lines.append(line.rstrip("\n"))
                self.cond.notify_all()
        with self.cond:
            self.cond.notify_all()

    def mark(self):
        with self.lock:
            return len(self.lines)

    def wait_line(self, pattern, since=0, timeout=60.0):
        """The first line from index @since matching @pattern, or None."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self.cond:
            i = since
            while True:
                while i < len(self.lines):
                    m = rx.search(self.lines[i])
                    if m:
                        return m
                    i += 1
                left = deadline - time.monotonic()
                if left <= 0 or (self.p.poll() is not None and not self.thread.is_alive()):
                    return None
                self.cond.wait(min(left, 0.5))

    def wait_quiet(self, quiet, timeout):
        """Waits until no line has come for @quiet seconds; False on timeout."""
        deadline = time.monotonic() + timeout
        with self.cond:
            count, since = len(self.lines), time.monotonic()
            while time.monotonic() < deadline:
                if len(self.lines) != count:
                    count, since = len(self.lines), time.monotonic()
                elif time.monotonic() - since >= quiet:
                    return True
                self.cond.wait(0.2)
        return False

    def tail(self, n=30):
        with self.lock:
            return self.lines[-n:]

    def stop(self, timeout=10.0):
        """Ends the process (TERM, then KILL); returns its exit status."""
        if self.p.poll() is None:
            try:
                self.p.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.p.wait(timeout)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait(10)
        self.thread.join(5)
        self.log.close()
        return self.p.returncode


# ---------------------------------------------------------------------------
# X11 input through XTEST (libX11 + libXtst through ctypes)

class XWindowAttributes(ctypes.Structure):
    _fields_ = [
        ("x", ctypes.c_int), ("y", ctypes.c_int),
        ("width", ctypes.c_int), ("height", ctypes.c_int),
        ("border_width", ctypes.c_int), ("depth", ctypes.c_int),
        ("visual", ctypes.c_void_p), ("root", ctypes.c_ulong),
        ("c_class", ctypes.c_int), ("bit_gravity", ctypes.c_int),
        ("win_gravity", ctypes.c_int), ("backing_store", ctypes.c_int),
        ("backing_planes", ctypes.c_ulong), ("backing_pixel", ctypes.c_ulong),
        ("save_under", ctypes.c_int), ("colormap", ctypes.c_ulong),
        ("map_installed", ctypes.c_int), ("map_state", ctypes.c_int),
        ("all_event_masks", ctypes.c_long), ("your_event_mask", ctypes.c_long),
        ("do_not_propagate_mask", ctypes.c_long), ("override_redirect", ctypes.c_int),
        ("screen", ctypes.c_void_p),
    ]


class XImage(ctypes.Structure):
    """The start of Xlib's XImage: as far as the pixels."""
    _fields_ = [
        ("width", ctypes.c_int), ("height", ctypes.c_int),
        ("xoffset", ctypes.c_int), ("format", ctypes.c_int),
        ("data", ctypes.POINTER(ctypes.c_char)),
        ("byte_order", ctypes.c_int), ("bitmap_unit", ctypes.c_int),
        ("bitmap_bit_order", ctypes.c_int), ("bitmap_pad", ctypes.c_int),
        ("depth", ctypes.c_int), ("bytes_per_line", ctypes.c_int),
        ("bits_per_pixel", ctypes.c_int),
    ]


IS_VIEWABLE = 2
Z_PIXMAP = 2
ALL_PLANES = 0xFFFFFFFFFFFFFFFF
REVERT_TO_PARENT = 2
CURRENT_TIME = 0

# what the student writes in the class's chat
CHAT_TEXT = "hello class"

# characters typed, as keysym names (no shifted characters needed)
KEYSYM_OF_CHAR = {" ": "space", "-": "minus", ".": "period"}


class Keyboard:
    def __init__(self, display):
        self.x = ctypes.CDLL("libX11.so.6")
        self.xt = ctypes.CDLL("libXtst.so.6")
        x, xt = self.x, self.xt
        x.XOpenDisplay.restype = ctypes.c_void_p
        x.XOpenDisplay.argtypes = [ctypes.c_char_p]
        x.XCloseDisplay.argtypes = [ctypes.c_void_p]
        x.XDefaultRootWindow.restype = ctypes.c_ulong
        x.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
        x.XStringToKeysym.restype = ctypes.c_ulong
        x.XStringToKeysym.argtypes = [ctypes.c_char_p]
        x.XKeysymToKeycode.restype = ctypes.c_ubyte
        x.XKeysymToKeycode.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
        x.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
        x.XQueryTree.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.POINTER(ctypes.c_ulong),
                                 ctypes.POINTER(ctypes.c_ulong),
                                 ctypes.POINTER(ctypes.POINTER(ctypes.c_ulong)),
                                 ctypes.POINTER(ctypes.c_uint)]
        x.XFree.argtypes = [ctypes.c_void_p]
        x.XFetchName.argtypes = [ctypes.c_void_p, ctypes.c_ulong,
                                 ctypes.POINTER(ctypes.c_char_p)]
        x.XGetWindowAttributes.argtypes = [ctypes.c_void_p, ctypes.c_ulong,
                                           ctypes.POINTER(XWindowAttributes)]
        x.XSetInputFocus.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_ulong]
        x.XGetImage.restype = ctypes.POINTER(XImage)
        x.XGetImage.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_int,
                                ctypes.c_uint, ctypes.c_uint, ctypes.c_ulong, ctypes.c_int]
        xt.XTestFakeKeyEvent.argtypes = [ctypes.c_void_p, ctypes.c_uint, ctypes.c_int,
                                         ctypes.c_ulong]
        xt.XTestFakeMotionEvent.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int,
                                            ctypes.c_int, ctypes.c_ulong]
        # a window may go between listing and asking: ignore X errors
        # instead of letting Xlib's default handler exit the process
        handler_type = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)
        self._handler = handler_type(lambda d, e: 0)
        x.XSetErrorHandler.argtypes = [handler_type]
        x.XSetErrorHandler.restype = ctypes.c_void_p
        x.XSetErrorHandler(self._handler)
        self.d = x.XOpenDisplay(display.encode())
        if not self.d:
            raise RuntimeError(f"cannot open the X display {display}")
        self.root = x.XDefaultRootWindow(self.d)

    def close(self):
        if self.d:
            self.x.XCloseDisplay(self.d)
            self.d = None

    def windows(self):
        """Viewable top-level windows: [(id, name, x, y, width, height)]."""
        root_ret, parent_ret = ctypes.c_ulong(), ctypes.c_ulong()
        children, n = ctypes.POINTER(ctypes.c_ulong)(), ctypes.c_uint()
        if not self.x.XQueryTree(self.d, self.root, ctypes.byref(root_ret),
                                 ctypes.byref(parent_ret), ctypes.byref(children),
                                 ctypes.byref(n)):
            return []
        ids = [children[i] for i in range(n.value)]
        if children:
            self.x.XFree(children)
        found = []
        for w in ids:
            attrs = XWindowAttributes()
            if not self.x.XGetWindowAttributes(self.d, w, ctypes.byref(attrs)):
                continue
            if attrs.map_state != IS_VIEWABLE or attrs.width < 50 or attrs.height < 50:
                continue
            name = ctypes.c_char_p()
            title = ""
            if self.x.XFetchName(self.d, w, ctypes.byref(name)) and name.value is not None:
                title = name.value.decode("latin-1")
                self.x.XFree(name)
            found.append((w, title, attrs.x, attrs.y, attrs.width, attrs.height, attrs.override_redirect))
        return found

    def wait_window(self, predicate, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for win in self.windows():
                if predicate(win):
                    return win
            time.sleep(0.2)
        return None

    def rows(self, win):
        """The pixels of two rows across @win (at half and three quarters of
        its height): enough to tell one page from another."""
        wid, _, _, _, w, h, _ = win
        pixels = b""
        for y in (h // 2, h * 3 // 4):
            image = self.x.XGetImage(self.d, wid, 0, y, w, 1, ALL_PLANES, Z_PIXMAP)
            if not image:
                return None
            pixels += ctypes.string_at(image.contents.data, image.contents.bytes_per_line)
            self.x.XFree(image.contents.data)
            self.x.XFree(image)
        return pixels

    def wait_repainted(self, win, before, timeout):
        """Waits until @win no longer shows the rows @before."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            now = self.rows(win)
            if now is not None and now != before:
                return True
            time.sleep(0.5)
        return False

    def focus(self, win):
        """Gives @win the keyboard focus, the pointer over it."""
        wid, _, x, y, w, h, _ = win
        self.xt.XTestFakeMotionEvent(self.d, -1, x + w // 2, y + h // 2, CURRENT_TIME)
        self.x.XSetInputFocus(self.d, wid, REVERT_TO_PARENT, CURRENT_TIME)
        self.x.XSync(self.d, 0)
        time.sleep(0.3)

    def _code(self, name):
        keysym = self.x.XStringToKeysym(name.encode())
        code = self.x.XKeysymToKeycode(self.d, keysym) if keysym else 0
        if not code:
            raise RuntimeError(f"no key for {name!r} on this X server")
        return code

    def key(self, combo, pause=0.15):
        """Presses e.g. "Control_L+f", "Escape", "F10"."""
        codes = [self._code(n) for n in combo.split("+")]
        for c in codes:
            self.xt.XTestFakeKeyEvent(self.d, c, 1, CURRENT_TIME)
        for c in reversed(codes):
            self.xt.XTestFakeKeyEvent(self.d, c, 0, CURRENT_TIME)
        self.x.XSync(self.d, 0)
        time.sleep(pause)

    def type(self, text):
        for ch in text:
            if not (ch.isascii() and (ch.islower() or ch.isdigit())) and ch not in KEYSYM_OF_CHAR:
                raise RuntimeError(f"cannot type {ch!r}")
            self.key(KEYSYM_OF_CHAR.get(ch, ch), pause=0.05)


# ---------------------------------------------------------------------------
# the server's HTTP API

class Api:
    def __init__(self, base):
        self.base = base
        # straight to 127.0.0.1, whatever http_proxy says
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def call(self, method, path, body=None, token=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        with self.opener.open(req, timeout=30) as resp:
            raw = resp.read()
            return json.loads(raw) if raw else None

    def login(self, username, password):
        return self.call("POST", "/api/login", {"username": username, "password": password})


def rfc3339(when):
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------------------
# D-Bus

def gdbus(env, *args, timeout=30):
    return subprocess.run(["gdbus", "call", "--session", *args], env=env, capture_output=True,
                          text=True, timeout=timeout)


def activate_action(env, app_id, path, action):
    return gdbus(env, "--dest", app_id, "--object-path", path,
                 "--method", "org.gtk.Actions.Activate", action, "[]", "{}")


def has_owner(env, name):
    r = gdbus(env, "--dest", "org.freedesktop.DBus", "--object-path", "/org/freedesktop/DBus",
              "--method", "org.freedesktop.DBus.NameHasOwner", name, timeout=10)
    return r.returncode == 0 and "true" in r.stdout


# A session bus that knows no services: nothing is activated behind the
# test's back (portals, dconf), and nothing is left running after it.
BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={dir}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


# ---------------------------------------------------------------------------
# the parts

class Failure(Exception):
    pass


def self_check(tap, args, work, our_dirs):
    """The detector can fail: a planted leak in tests/ is found, exactly."""
    xml = os.path.join(args.artefacts_dir, "leak-check-demo.xml")
    cmd = valgrind_command(xml, args.suppressions) + [args.demo]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        return tap.result(False, "self-check: leak-check-demo under valgrind did not finish in 120 s")
    if r.returncode != 0:
        tap.comment(r.stderr[-2000:])
        return tap.result(False, f"self-check: leak-check-demo exited with {r.returncode}")
    try:
        records, _, finished = read_valgrind_xml(xml)
    except (OSError, ET.ParseError) as e:
        return tap.result(False, f"self-check: valgrind's XML is not readable: {e}")
    demo_dirs = our_dirs + [os.path.realpath(os.path.join(args.source_root, "tests"))]
    ours, lib, ours_err, _ = classify(records, demo_dirs)
    for rec in ours + ours_err:
        describe(tap, rec, demo_dirs)
    planted = [rec for rec in ours
               if any(f.fn == "plant_leak" and f.file == "leak-check-demo.c"
                      for f in rec.frames())
               and re.match(r"^64 bytes in 1 blocks", rec.what)]
    ok = finished and len(ours) == 1 and len(planted) == 1 and not ours_err
    if lib:
        tap.comment(f"self-check: {len(lib)} library-only definite leak record(s)")
    return tap.result(ok, "self-check: the parser finds exactly the 64-byte leak planted in "
                          "plant_leak() (tests/leak-check-demo.c)")


class Session:
    """Everything the app run needs; stop() ends all of it."""

    def __init__(self, args, work):
        self.args = args
        self.work = work
        self.server = None
        self.bus = None
        self.app = None
        self.kb = None
        self.env = None
        self.app_path = "/" + args.app_id.replace(".", "/")
        self.steps = []     # (ok, text) per step

    def step(self, ok, text):
        self.steps.append((ok, text))
        # the screen lags the app under valgrind: give it a moment first
        if self.args.screenshots and self.app is not None:
            time.sleep(1.5)
            self.shot(f"step-{len(self.steps):02d}")
        if not ok:
            if self.app is not None:
                time.sleep(3)
                self.shot("failure")
            raise Failure(text)

    def shot(self, name):
        """The screen, kept as an artefact (ffmpeg grabs X11)."""
        if shutil.which("ffmpeg") is None:
            return
        path = os.path.join(self.args.artefacts_dir, name + ".png")
        subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "x11grab",
                        "-i", self.args.display, "-frames:v", "1", path],
                       stdin=subprocess.DEVNULL, capture_output=True, timeout=30)

    # -- the server and its classes

    def start_server(self):
        data_dir = os.path.join(self.work, "server")
        os.makedirs(data_dir)
        env = dict(os.environ)
        for key in list(env):
            if key.startswith("STREAMLET_"):
                del env[key]
        self.server = Proc("server", [
            self.args.server, "--demo", "--port", "0", "--address", "127.0.0.1",
            "--data-dir", data_dir, "--no-record",
            # WebRTC only on loopback: no ICE check leaves 127.0.0.1
            "--ice-addresses", "127.0.0.1",
        ], env, os.path.join(self.args.artefacts_dir, "server.log"))
        m = self.server.wait_line(r"listening on port (\d+)", timeout=60)
        self.step(m is not None, "streamlet-server --demo listens on 127.0.0.1")
        self.url = f"http://127.0.0.1:{m.group(1)}"
        self.api = Api(self.url)

        teacher = self.teacher = self.api.login("teacher", "teacher123")["access_token"]
        now = datetime.now(timezone.utc)
        live = self.api.call("POST", "/api/classes", {
            "title": "Leak Check Algebra", "description": "Live, with no video",
            "scheduled_at": rfc3339(now), "duration_minutes": 60}, teacher)["class"]
        self.api.call("POST", f"/api/classes/{live['id']}/start", token=teacher)
        self.api.call("POST", "/api/classes", {
            "title": "Leak Check History", "scheduled_at": rfc3339(now + timedelta(days=2)),
            "duration_minutes": 30}, teacher)
        self.live_id = live["id"]
        self.step(True, f"the teacher made live class {self.live_id} and an upcoming one")

    # -- the app's environment: signed in as the student

    def prepare_app(self):
        student = self.api.login("student", "student123")
        self.session_file = os.path.join(self.work, "data", "streamlet", "session")
        os.makedirs(os.path.dirname(self.session_file), mode=0o700)
        fd = os.open(self.session_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(student["refresh_token"])
        # GSETTINGS_BACKEND=memory would start with stay-signed-in=false, and
        # the app resumes a kept session only when that is true: a keyfile
        # backend in a throwaway config dir carries it.
        config = os.path.join(self.work, "config", "glib-2.0", "settings")
        os.makedirs(config)
        group = self.args.app_id.replace(".", "/")
        with open(os.path.join(config, "keyfile"), "w") as f:
            f.write(f"[{group}]\nstay-signed-in=true\nserver-url='{self.url}'\nusername=''\n")

        bus_dir = os.path.join(self.work, "bus")
        os.makedirs(bus_dir, mode=0o700)   # also the app's XDG_RUNTIME_DIR
        with open(os.path.join(self.work, "bus.conf"), "w") as f:
            f.write(BUS_CONFIG.format(dir=bus_dir))
        self.bus = subprocess.Popen(
            ["dbus-daemon", "--config-file", os.path.join(self.work, "bus.conf"),
             "--nofork", "--print-address=1"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            text=True, start_new_session=True)
        address = self.bus.stdout.readline().strip()
        self.step(address.startswith("unix:"), "a private session bus")

        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("STREAMLET_", "GSETTINGS_", "DBUS_", "XDG_"))}
        env.update({
            "DBUS_SESSION_BUS_ADDRESS": address,
            "DISPLAY": self.args.display,
            "GDK_BACKEND": "x11",
            "GSETTINGS_SCHEMA_DIR": self.args.schema_dir,
            "GSETTINGS_BACKEND": "keyfile",
            "XDG_CONFIG_HOME": os.path.join(self.work, "config"),
            "XDG_DATA_HOME": os.path.join(self.work, "data"),
            "XDG_RUNTIME_DIR": bus_dir,
            "STREAMLET_SESSION_FILE": self.session_file,
            "STREAMLET_ICE_ADDRESSES": "127.0.0.1",
            "GSK_RENDERER": "cairo",         # far faster than GL under valgrind
            "GDK_DEBUG": "gl-disable",       # and no Mesa/EGL loaded at all
            "G_SLICE": "always-malloc",
            "GTK_A11Y": "none",
            # GIO would ask libproxy, whose C++ unwinder upsets memcheck; every
            # address here is 127.0.0.1 anyway
            "GIO_USE_PROXY_RESOLVER": "dummy",
        })
        env.pop("MALLOC_CHECK_", None)   # valgrind has its own malloc
        self.env = env

    # -- the app under valgrind

    def start_app(self):
        self.xml = os.path.join(self.args.artefacts_dir, "streamlet.xml")
        cmd = valgrind_command(self.xml, self.args.suppressions) + [
            self.args.app, "--server", self.url]
        self.server_mark = self.server.mark()
        self.app = Proc("app", cmd, self.env, os.path.join(self.args.artefacts_dir, "app.log"))
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and self.app.p.poll() is None:
            if has_owner(self.env, self.args.app_id):
                break
            time.sleep(0.5)
        self.step(self.app.p.poll() is None and has_owner(self.env, self.args.app_id),
                  f"the app owns {self.args.app_id} on the session bus")

        listed = gdbus(self.env, "--dest", self.args.app_id, "--object-path", self.app_path,
                       "--method", "org.gtk.Actions.List")
        win_listed = gdbus(self.env, "--dest", self.args.app_id,
                           "--object-path", self.app_path + "/window/1",
                           "--method", "org.gtk.Actions.List")
        self.steps.append((True, f"actions on D-Bus: app {listed.stdout.strip()}, "
                                 f"window/1 {win_listed.stdout.strip()}"))
        self.step("'quit'" in listed.stdout, "app.quit is exported on D-Bus")
        self.app_actions = listed.stdout

    def server_wait(self, pattern, what, timeout=90):
        m = self.server.wait_line(pattern, since=self.server_mark, timeout=timeout)
        self.step(m is not None, what)
        self.server_mark = self.server.mark()

    def menu_item(self, letter, what, pattern):
        """F10 opens the main menu; @letter is the item's mnemonic. When
        another item has the same letter, GTK only moves the focus between
        them: Return then activates the focused one, and if that was the
        other one (a submenu), Escape, the letter and Return reach ours."""
        tries = [
            lambda: (self.kb.key("F10", pause=1.0), self.kb.key(letter)),
            lambda: self.kb.key("Return"),
            lambda: (self.kb.key("Escape", pause=0.5), self.kb.key(letter),
                     self.kb.key("Return")),
        ]
        for i, keys in enumerate(tries):
            keys()
            m = self.server.wait_line(pattern, since=self.server_mark,
                                      timeout=15 if i == 0 else 10)
            if m is not None:
                self.server_mark = self.server.mark()
                self.step(True, what if i == 0 else
                          f"{what} (the menu has more than one item on {letter.upper()})")
                return
        self.step(False, what)

    def attempt(self, what, pattern, keys, tries=3, timeout=30):
        """Runs @keys (a callable sending key presses that can be repeated
        safely) until the server logs @pattern. Keys that reach a widget
        still insensitive (busy, loading) are dropped, so a slow moment
        under valgrind gets another go instead of failing the run."""
        for i in range(tries):
            keys()
            m = self.server.wait_line(pattern, since=self.server_mark, timeout=timeout)
            if m is not None:
                self.server_mark = self.server.mark()
                self.step(True, what if i == 0 else f"{what} (at try {i + 1})")
                return
            time.sleep(2.0)
        self.step(False, what)

    def search_and_open(self):
        """Ctrl+F selects the search's text, so typing replaces it."""
        self.kb.key("Control_L+f", pause=0.5)
        self.kb.type("algebra")
        self.kb.key("Return")

    def settle(self):
        """Lets the app catch up: no request for a while (it is slow under
        valgrind, and keys typed meanwhile would go to a page still loading)."""
        self.server.wait_quiet(2.0, timeout=20)
        self.server_mark = self.server.mark()

    def main_window(self):
        win = self.kb.wait_window(lambda w: w[1].startswith("Streamlet") and not w[6], 60)
        self.step(win is not None, "the main window is on screen")
        self.kb.focus(win)
        return win

    def drive(self):
        kb = self.kb = Keyboard(self.args.display)
        live = self.live_id

        # resumed from the kept refresh token, the class browser loads
        self.server_wait(r"POST /api/token/refresh 200", "the kept session is resumed")
        self.server_wait(r"GET /api/classes/upcoming 200", "the class browser loads its lists")
        # the live class's row asks for its viewers once it is shown
        self.server_wait(rf"GET /api/watch/{live} 200", "the live class is listed")
        self.settle()
        window = self.main_window()
        browser = kb.rows(window)

        # Ctrl+F, a few letters, Enter: the first match (the live class) opens
        self.attempt("search + Enter opens the live class (it loads the class)",
                     rf"GET /api/classes/{live} 200", self.search_and_open)
        opened = time.monotonic()
        # Its first frame can wait many seconds: building the view's WebRTC
        # pipeline is slow under valgrind, and until the view is drawn its
        # chat is not mapped (GTK handles keys before it draws, so F6 would
        # come too early)
        self.step(kb.wait_repainted(window, browser, 90), "the watch view is on screen")

        # F6 goes to the chat's line (once it is on screen: otherwise the
        # focus stays on the video, and the next F6 gets there); Ctrl+Return
        # sends over the hub. The server's chat history shows it came. The
        # view redraws all the time (a spinner) and under valgrind each
        # frame is slow, so the app takes its keys one by one, seconds
        # apart: a short line, and time for it.
        time.sleep(1)
        for i in range(2):
            kb.key("F6", pause=0.5)
            kb.type(CHAT_TEXT)
            kb.key("Control_L+Return")
            if self.chat_has(CHAT_TEXT, 60):
                break
        self.step(self.chat_has(CHAT_TEXT, 1),
                  "F6, a line and Ctrl+Return send a chat message to the class"
                  + (f" (at try {i + 1})" if i else ""))

        # No video is published: the view either gives up after its 15 s
        # connect deadline (webrtcbin's DTLS key alone can take that long
        # under valgrind) or gets "stream offline" and retries every few
        # seconds. Stay past the deadline, then leave: the admin below
        # leaves while it is still connecting.
        time.sleep(max(0.0, 17 - (time.monotonic() - opened)))
        # Alt+Left: win.back wherever the focus is (Escape from the chat's
        # line only leaves the line)
        kb.key("Alt_L+Left", pause=1.0)

        # the main menu (F10): Profile. It only opens from the main view,
        # so this also shows that Alt+Left went back.
        self.menu_item("p", "Alt+Left goes back, F10 and P open the profile",
                       r"GET /api/profile 200")
        dialog = kb.wait_window(lambda w: w[1] == "Profile", 30)
        self.step(dialog is not None, "the profile dialog is on screen")

        def rename():
            kb.focus(dialog)
            kb.key("Alt_L+d", pause=0.5)   # _Display Name, once the profile is in
            kb.key("End")
            kb.type(" ii")
            kb.key("Return")
        self.attempt("a new display name is applied", r"PATCH /api/profile 200", rename)
        kb.key("Escape", pause=1.0)    # closes the dialog
        self.step(self._wait_gone(lambda w: w[1] == "Profile", 30),
                  "Escape closes the profile dialog")

        # the main menu: Sign Out
        self.main_window()
        self.menu_item("s", "F10 and S sign out", r"POST /api/logout 204")

        # the sign-in form: user name, Enter (asks for the password), a wrong
        # password, then the right one
        time.sleep(1.0)
        kb.type("admin")
        kb.key("Return", pause=0.5)
        kb.type("wrong-password")
        kb.key("Return")
        self.server_wait(r"POST /api/login 401", "a wrong password is refused")

        def right_password():
            time.sleep(1.0)           # the form is insensitive until the answer is in
            kb.key("Control_L+a")     # the wrong one, selected
            kb.type("admin123")
            kb.key("Return")
        self.attempt("the admin signs in by typing", r"POST /api/login 200", right_password)
        self.server_wait(r"GET /api/admin/users", "the admin dashboard loads")
        self.server_wait(rf"GET /api/watch/{live} 200", "the live class is listed again")
        self.settle()

        # watch the live class as the admin too, then back
        self.main_window()
        self.attempt("the admin opens the live class", rf"GET /api/classes/{live} 200",
                     self.search_and_open)
        time.sleep(2)
        kb.key("Alt_L+Left", pause=1.0)

        # the style, over D-Bus where the app offers it (a settings action:
        # the keyfile shows the new value)
        if "'color-scheme'" in self.app_actions:
            r = gdbus(self.env, "--dest", self.args.app_id, "--object-path", self.app_path,
                      "--method", "org.gtk.Actions.Activate", "color-scheme", "[<'dark'>]", "{}")
            self.step(r.returncode == 0 and self.keyfile_has("color-scheme='dark'", 20),
                      "app.color-scheme over D-Bus restyles the app in dark")

        # the about window, over D-Bus
        r = activate_action(self.env, self.args.app_id, self.app_path, "about")
        self.step(r.returncode == 0, "app.about over D-Bus")
        about = kb.wait_window(lambda w: w[1].startswith("About"), 30)
        self.step(about is not None, "the about window is on screen")

    def keyfile_has(self, line, timeout):
        """Whether the app's settings (the keyfile backend) hold @line."""
        path = os.path.join(self.work, "config", "glib-2.0", "settings", "keyfile")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with open(path, encoding="utf-8") as f:
                if line in (l.strip() for l in f):
                    return True
            time.sleep(0.5)
        return False

    def chat_has(self, text, timeout):
        """Whether the live class's chat history (over HTTP) holds @text."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            answer = self.api.call("GET", f"/api/classes/{self.live_id}/chat", token=self.teacher)
            if any(text in m.get("text", "") for m in answer.get("messages", [])):
                return True
            time.sleep(0.5)
        return False

    def _wait_gone(self, predicate, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not any(predicate(w) for w in self.kb.windows()):
                return True
            time.sleep(0.2)
        return False

    def quit_app(self):
        """app.quit over D-Bus; True when the app then exits by itself, 0."""
        if self.app is None:
            return False, "the app was not started"
        if self.app.p.poll() is None:
            r = activate_action(self.env, self.args.app_id, self.app_path, "quit")
            if r.returncode != 0:
                return False, f"app.quit over D-Bus failed: {r.stderr.strip()}"
        try:
            # valgrind's leak search at exit takes a while
            status = self.app.p.wait(240)
        except subprocess.TimeoutExpired:
            self.app.stop()
            return False, "the app did not exit within 240 s of app.quit (killed)"
        self.app.stop()
        return status == 0, f"the app exited by itself on app.quit, status {status}"

    def stop(self):
        if self.kb is not None:
            self.kb.close()
        if self.app is not None:
            self.app.stop()
        if self.bus is not None:
            if self.bus.poll() is None:
                self.bus.terminate()
                try:
                    self.bus.wait(10)
                except subprocess.TimeoutExpired:
                    self.bus.kill()
                    self.bus.wait(10)
            self.bus.stdout.close()
        if self.server is not None:
            self.server.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--app", required=True, help="the built streamlet")
    parser.add_argument("--server", required=True, help="the built streamlet-server")
    parser.add_argument("--demo", required=True, help="the built leak-check-demo")
    parser.add_argument("--schema-dir", required=True, help="the build's compiled settings schema")
    parser.add_argument("--source-root", required=True)
    parser.add_argument("--app-id", required=True)
    parser.add_argument("--suppressions", default="")
    parser.add_argument("--artefacts-dir", required=True)
    parser.add_argument("--display", default=os.environ.get("DISPLAY", ""))
    parser.add_argument("--screenshots", action="store_true",
                        help="keep a screenshot after every step (one is kept on failure anyway)")
    args = parser.parse_args()
    for name in ("app", "server", "demo", "schema_dir", "source_root", "artefacts_dir"):
        setattr(args, name, os.path.abspath(getattr(args, name)))
    if args.suppressions:
        args.suppressions = os.path.abspath(args.suppressions)

    # meson stops a test that runs over its time with SIGTERM: clean up then
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    with open(args.app, "rb") as f:
        if b"libasan.so" in f.read():
            # scripts/test leaves suite 'leaks' out of its ASan run
            print("1..0 # SKIP the app is built with AddressSanitizer, which valgrind cannot run",
                  flush=True)
            return 0

    if shutil.which("valgrind") is None:
        print("Bail out! valgrind is not installed (scripts/packages --test)", flush=True)
        return 1
    if not args.display:
        print("Bail out! DISPLAY is not set: the app needs an X server (Xvfb)", flush=True)
        return 1
    # a previous run's XML must not stand in for this one's
    os.makedirs(args.artefacts_dir, exist_ok=True)
    for name in os.listdir(args.artefacts_dir):
        if name.endswith((".xml", ".log", ".png")):
            os.unlink(os.path.join(args.artefacts_dir, name))

    tap = Tap(5)
    our_dirs = [os.path.realpath(os.path.join(args.source_root, d))
                for d in ("client", "shared", "server")]
    started = time.monotonic()

    work = tempfile.mkdtemp(prefix="streamlet-leak-check.")
    session = Session(args, work)
    try:
        self_check(tap, args, work, our_dirs)

        failure = None
        try:
            session.start_server()
            session.prepare_app()
            session.start_app()
            session.drive()
        except (Failure, OSError, RuntimeError, urllib.error.URLError, KeyError, ValueError,
                subprocess.TimeoutExpired) as e:
            failure = e if isinstance(e, Failure) else f"{type(e).__name__}: {e}"
        for ok, text in session.steps:
            tap.comment(f"{'done' if ok else 'FAILED'}: {text}")
        if failure is not None and session.server is not None:
            tap.comment("the server's last lines:")
            tap.comment("\n".join(session.server.tail(15)))
        tap.result(failure is None, "a student session (resumed, watch, chat, back, profile, sign out) "
                                    "and an admin one (typed sign-in, watch, style, about) run through")

        quit_ok, quit_text = session.quit_app()
        if not quit_ok and session.app is not None:
            tap.comment("the app's last lines:")
            tap.comment("\n".join(session.app.tail(25)))
        tap.result(quit_ok, quit_text)

        xml = getattr(session, "xml", None)
        records, supp, finished = [], {}, False
        if xml and os.path.exists(xml):
            try:
                records, supp, finished = read_valgrind_xml(xml)
            except ET.ParseError as e:
                tap.comment(f"valgrind's XML is not readable ({e}): the app did not finish")
        ours, lib, ours_err, lib_err = classify(records, our_dirs)
        for rec in ours:
            describe(tap, rec, our_dirs)
        tap.comment(f"{len(lib)} definite leak record(s) from libraries only, "
                    f"{sum(supp.values())} suppressed ({args.suppressions or 'no file'})")
        for name, count in sorted(supp.items()):
            tap.comment(f"  suppressed {count}x: {name}")
        tap.result(finished and not ours,
                   f"no definite leaks from the project's code ({len(ours)} found)"
                   if finished else "valgrind finished its leak search (it did not)")
        for rec in ours_err:
            describe(tap, rec, our_dirs)
        tap.comment(f"{len(lib_err)} memory error record(s) from libraries only")
        tap.result(finished and not ours_err,
                   f"no invalid reads/writes or uninitialised values in the project's code "
                   f"({len(ours_err)} found)")
    finally:
        session.stop()
        shutil.rmtree(work, ignore_errors=True)
        tap.comment(f"took {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
