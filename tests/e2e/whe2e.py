# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared setup for the end-to-end tests (tests/e2e/test-*.py).

Each test drives the real app through AT-SPI with dogtail, as a person
would. This module does what every such test needs, the same way:

  - starts `workers-home --demo` (or other arguments) on a home directory of
    its own (HOME and every XDG directory), so no test sees another's cache,
    settings or keyring, and the developer's own data is never touched;
  - prints TAP on a stream of its own (dogtail chatters on stdout);
  - on every failed check, saves a screenshot and a dump of the
    accessibility tree into the meson log directory
    (build/meson-logs/e2e/), and names them in the TAP output;
  - fails the run if the app dies on its own (a crash is never "skipped");
  - stops the app and removes its home directory at the end.

Usage (meson passes the app's path as the first argument):

    import whe2e

    with whe2e.Session("jobs") as s:          # starts the app, waits for it
        s.wait_synced()                       # first sync of the demo data
        s.open_tab("Jobs")
        items = s.list_items("Jobs list")
        s.check("Jobs lists saved records", len(items) > 3, f"{len(items)} items")

The session exits the process with 0 only when every check passed.
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

# dogtail prints its own chatter on stdout; TAP gets a stream of its own.
# Done at import time so nothing dogtail prints while loading lands in TAP.
_TAP = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)
sys.stdout = sys.stderr

APP_NAME = "workers-home"


def wait_for(predicate, timeout, step=0.5):
    """Calls predicate until it returns something true, or timeout seconds
    pass; returns that value, or None. Exceptions count as "not yet": the
    accessibility tree changes under us while the app works."""
    end = time.monotonic() + timeout
    while True:
        try:
            value = predicate()
            if value:
                return value
        except Exception:
            pass
        if time.monotonic() >= end:
            return None
        time.sleep(step)


def _log_dir():
    build = os.environ.get("WH_BUILD_ROOT")
    base = os.path.join(build, "meson-logs") if build else tempfile.gettempdir()
    path = os.path.join(base, "e2e")
    os.makedirs(path, exist_ok=True)
    return path


def _slug(text):
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")[:48] or "check"


class Session:
    """One run of the app under test, with its TAP stream.

    name: short name of the test ("demo", "jobs"...), used for file names.
    args: the app's arguments after its path (default: --demo).
    app: the app's path (default: sys.argv[1], what meson passes).
    env: extra environment for the app (e.g. LANG, WH_LOCALEDIR).
    lang: the app's LANG (default C.UTF-8, so names are the English msgids).
    start_timeout: seconds to wait for the app on the accessibility bus.
    """

    def __init__(self, name, args=("--demo",), app=None, env=None, lang="C.UTF-8",
                 start_timeout=60):
        self.name = name
        self.args = list(args)
        self.app_path = app or sys.argv[1]
        self.extra_env = dict(env or {})
        self.lang = lang
        self.start_timeout = start_timeout
        self.results = []
        self.home = None
        self.proc = None
        self.app = None
        self._stopping = False
        self._tree = None

    # --- TAP ---------------------------------------------------------------

    def diag(self, text):
        for line in str(text).splitlines() or [""]:
            print(f"# {line}", file=_TAP)

    def check(self, name, ok, detail=""):
        """Records one TAP result; returns ok so callers can branch on it.
        A failure saves a screenshot and the accessibility tree."""
        ok = bool(ok)
        self.results.append((name, ok, detail))
        n = len(self.results)
        print(("ok" if ok else "not ok") + f" {n} - {name}" +
              (f" # {detail}" if detail and not ok else ""), file=_TAP)
        if not ok:
            self.save_evidence(f"{n}-{name}")
        return ok

    @property
    def passed(self):
        return all(ok for _, ok, _ in self.results)

    # --- evidence ----------------------------------------------------------

    def save_evidence(self, label):
        """Screenshot of the whole X screen and a text dump of the app's
        accessibility tree, both in build/meson-logs/e2e/."""
        base = os.path.join(_log_dir(), f"{self.name}-{_slug(label)}")
        shot = base + ".png"
        try:
            subprocess.run(["import", "-window", "root", shot], timeout=20,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
            self.diag(f"screenshot: {shot}")
        except Exception as e:  # no X server or no ImageMagick: say so, go on
            self.diag(f"no screenshot ({e})")
        if self.app is not None:
            try:
                with open(base + ".txt", "w", encoding="utf-8") as f:
                    _dump(self.app, f)
                self.diag(f"accessibility tree: {base}.txt")
            except Exception as e:
                self.diag(f"no accessibility tree ({e})")

    # --- the app -----------------------------------------------------------

    def app_env(self):
        home = self.home
        env = dict(os.environ, HOME=home, GTK_A11Y="atspi", LANG=self.lang,
                   XDG_DATA_HOME=os.path.join(home, "data"),
                   XDG_CACHE_HOME=os.path.join(home, "cache"),
                   XDG_CONFIG_HOME=os.path.join(home, "config"),
                   XDG_STATE_HOME=os.path.join(home, "state"))
        # Set for dogtail's own check below; not for the app.
        env.pop("GTK_MODULES", None)
        env.pop("LC_ALL", None)  # LANG decides, as on a worker's desktop
        env.update(self.extra_env)
        return env

    def start(self):
        self.home = tempfile.mkdtemp(prefix=f"wh-e2e-{self.name}-")
        self._keyring = _start_keyring(self.home)
        # dogtail checks a GNOME setting this private session does not have;
        # the variable satisfies its check and is not passed to the app.
        os.environ["GTK_MODULES"] = "gail:atk-bridge"
        from dogtail import config, tree
        config.config.logDebugToFile = False
        # GTK 4.8 does not report every mapped widget as "showing": search all.
        config.config.searchShowingOnly = False
        self._tree = tree
        # meson stops a test that runs out of time with SIGTERM: turn it into
        # SystemExit so __exit__ still stops the app and removes its home.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
        print("TAP version 13", file=_TAP)
        self.proc = subprocess.Popen([self.app_path] + self.args, env=self.app_env())
        self.app = wait_for(self._find_app, self.start_timeout)
        return self.check("the app shows up on the accessibility bus", self.app)

    def _find_app(self):
        if self.proc.poll() is not None:
            raise RuntimeError("the app exited")
        return self._tree.root.application(APP_NAME)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        """Stops the app (SIGTERM, then SIGKILL after 10 s). A death before
        this call is a failed check: the app must never crash on its own."""
        if self.proc is None:
            return
        code = self.proc.poll()
        if code is not None and not self._stopping:
            how = f"signal {-code}" if code < 0 else f"status {code}"
            self.check("the app kept running until the test ended", False, f"exited with {how}")
        self._stopping = True
        if code is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self):
        self.start()
        if not self.app:
            # Nothing else can be checked; finish the TAP stream and leave.
            self.__exit__(None, None, None)
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None and exc_type is not SystemExit:
            import traceback
            self.check("the test ran to its end", False, f"{exc_type.__name__}: {exc}")
            self.diag("".join(traceback.format_exception(exc_type, exc, tb)))
        try:
            self.stop()
        finally:
            if getattr(self, "_keyring", None):
                self._keyring.terminate()
            if self.home:
                shutil.rmtree(self.home, ignore_errors=True)
            print(f"1..{len(self.results)}", file=_TAP)
        sys.exit(0 if self.passed and self.results else 1)

    # --- finding things ----------------------------------------------------

    def find(self, role, name=None, root=None, timeout=10, prefix=None):
        """Every node of role (and name, or name prefix) under root (the app
        by default), waiting up to timeout seconds for at least one."""
        root = root or self.app

        def match(n):
            if n.roleName != role:
                return False
            if name is not None and n.name != name:
                return False
            return prefix is None or n.name.startswith(prefix)
        return wait_for(lambda: root.findChildren(match, recursive=True), timeout) or []

    def find_one(self, role, name=None, root=None, timeout=10, prefix=None):
        found = self.find(role, name, root, timeout, prefix)
        return found[0] if found else None

    def press(self, node):
        """Activates a button through AT-SPI wherever it is scrolled to (a
        click needs it on screen); falls back to a click."""
        try:
            node.doActionNamed("click")
        except Exception:
            node.click()

    def labels(self, root=None):
        """The text of every label under root (the app by default)."""
        root = root or self.app
        return [n.name for n in root.findChildren(lambda n: n.roleName == "label",
                                                  recursive=True)]

    def wait_synced(self, timeout=240, prefix="Updated"):
        """Waits for the sync status button to say when the cache was last
        updated (the first sync of a fresh home is over); checks it."""
        status = self.find_one("push button", prefix=prefix, timeout=timeout)
        self.check("the first sync finishes and the status says when", status,
                   f"no '{prefix} …' status after {timeout} s")
        return status

    def open_tab(self, tab_name, timeout=10):
        """Clicks the service tab tab_name; returns it, or None (checked)."""
        tab = self.find_one("page tab", tab_name, timeout=timeout)
        if not self.check(f"the {tab_name} tab is there", tab):
            return None
        tab.click()
        return tab

    def list_items(self, list_name, timeout=10):
        """The rows ("list item") of the list named list_name, waiting for
        the list and its first rows."""
        lst = self.find_one("list", list_name, timeout=timeout)
        if lst is None:
            return []
        return wait_for(lambda: [i for i in lst.children if i.roleName == "list item"],
                        timeout) or []


def _start_keyring(home):
    """An unlocked keyring for a test that signs in, so storing the token
    needs no prompt for a new keyring's password. tools/test-session starts
    one for the whole run (WH_TEST_KEYRING=unlocked); a test run on its own
    under dbus-run-session starts its own, on its private bus."""
    daemon = shutil.which("gnome-keyring-daemon")
    if os.environ.get("WH_TEST_KEYRING") == "unlocked" or daemon is None:
        return None
    env = dict(os.environ, HOME=home, XDG_DATA_HOME=os.path.join(home, "data"))
    proc = subprocess.Popen([daemon, "--foreground", "--unlock", "--components=secrets"],
                            env=env, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
    proc.stdin.write(b"test")
    proc.stdin.close()

    def owned():
        out = subprocess.run(["dbus-send", "--session", "--print-reply",
                              "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus",
                              "org.freedesktop.DBus.NameHasOwner",
                              "string:org.freedesktop.secrets"],
                             capture_output=True, text=True).stdout
        return "boolean true" in out

    wait_for(owned, 10, 0.2)
    return proc


def _dump(node, out, depth=0, budget=None):
    """Writes role, name and states of node and its descendants, indented;
    at most 3000 nodes, so a long list cannot make a dump of megabytes."""
    budget = budget if budget is not None else [3000]
    if budget[0] <= 0:
        return
    budget[0] -= 1
    try:
        line = f"[{node.roleName}] {node.name!r}"
        for state in ("showing", "focused", "checked", "selected", "sensitive"):
            try:
                value = bool(getattr(node, state))
            except Exception:
                continue
            if state == "sensitive":
                line += "" if value else " insensitive"
            elif value:
                line += " " + state
    except Exception as e:  # gone while we looked
        line = f"[?] ({e})"
    print("  " * depth + line, file=out)
    try:
        children = node.children
    except Exception:
        return
    for child in children:
        _dump(child, out, depth + 1, budget)
