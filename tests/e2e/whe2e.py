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
  - stops the app and removes its home directory at the end;
  - unless told to do the first sync itself (synced=False, tests/e2e/
    test-demo.py), gives the app a copy of one demo data set and one cache
    synced from it, made once per build (shared_data()): the first sync of
    30,000 jobs is half a minute, and more under the sanitizers;
  - finds nodes from one snapshot of the app's accessibility tree (AT-SPI's
    Cache.GetItems, one D-Bus call, and each node's children, a level of
    the tree at once) instead of a walk that asks for each of its
    thousands of nodes in turn.

Usage (meson passes the app's path as the first argument):

    import whe2e

    with whe2e.Session("jobs") as s:          # starts the app, waits for it
        s.wait_synced()                       # first sync of the demo data
        s.open_tab("Jobs")
        items = s.list_items("Jobs list")
        s.check("Jobs lists saved records", len(items) > 3, f"{len(items)} items")

The session exits the process with 0 only when every check passed.
"""
import fcntl
import hashlib
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
    synced: start from a copy of the shared demo data and a cache already
      synced from it (shared_data()); False: a fresh home, whose first sync
      the test waits for.
    """

    def __init__(self, name, args=("--demo",), app=None, env=None, lang="C.UTF-8",
                 start_timeout=60, synced=True):
        self.name = name
        self.synced = synced and "--demo" in args
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
        self._cache = None
        self._parents = {}
        self._places = {}

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
        # dogtail's own pause after each action (1 s) stays: test-jobs.py
        # types into an entry right after clicking it, and under the
        # sanitizers the focus has not moved 0.3 s later.
        # libatspi gives up on a call the app has not answered in 0.8 s, and
        # dogtail then reads a button as having no actions or a node as gone.
        # A busy machine (two cores, several tests at once) stalls the app's
        # main loop longer than that: e2e-kiosk failed twice at load 13-15 on
        # a keypad key. A person waits longer too; a hung app still fails the
        # check that waits for what it should have done.
        import pyatspi
        pyatspi.setTimeout(20000, 60000)
        self._tree = tree
        # meson stops a test that runs out of time with SIGTERM: turn it into
        # SystemExit so __exit__ still stops the app and removes its home.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
        print("TAP version 13", file=_TAP)
        if self.synced:
            server_db, cache_db = shared_data(self.app_path)
            # Where src/app/wh-application.c and wh-store.c look for them.
            for src, dest in ((server_db, ("data", "workers-home", "demo", "demo-server.db")),
                              (cache_db, ("cache", "workers-home", "cache.db"))):
                dest = os.path.join(self.home, *dest)
                os.makedirs(os.path.dirname(dest), mode=0o700, exist_ok=True)
                shutil.copyfile(src, dest)
                os.chmod(dest, 0o600)
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

    def find(self, role, name=None, root=None, timeout=10, prefix=None, where=None):
        """Every node of role (any role: None) and name, or name prefix,
        and whose name satisfies where, under root (the app by default), in
        the order of a walk of the tree, waiting up to timeout seconds for
        at least one."""
        def match(role_name, n):
            if role is not None and role_name != role:
                return False
            if name is not None and n != name:
                return False
            if prefix is not None and not n.startswith(prefix):
                return False
            return where is None or where(n)
        return wait_for(lambda: self._search(match, root), timeout) or []

    def find_one(self, role, name=None, root=None, timeout=10, prefix=None, where=None):
        found = self.find(role, name, root, timeout, prefix, where)
        return found[0] if found else None

    def focused(self):
        """The node that has the keyboard focus, or None: the first node
        in a walk of the tree with the focused state."""
        node = self._focused_by_chain()
        if node is not None:
            return node
        found = self._search(lambda role, name, states: states[0] & _FOCUSED, None,
                             with_states=True, first=True)
        return found[0] if found else None

    def _focused_by_chain(self):
        """What focused() finds, without a walk of the whole tree (a
        keyboard test reads the focus after every key): GetItems says which
        nodes are focused; each counts if the walk would reach it, that is
        if each node on its chain of parents is among its parent's children
        as the walk asks for them. None when GetItems shows no focused node
        that the walk reaches: then a walk decides (the focus may be on a
        node no client has asked for yet, which GetItems does not list)."""
        if not self._cache:
            return None
        try:
            chains = self._cache.focused_chains()
        except Exception:
            return None
        if not chains:
            return None
        # The first in the walk's order: the smallest places, root down.
        _, chain = min((tuple(place for _, place in c), c) for c in chains)
        self._parents = {}
        self._places = {}
        parent = _ROOT_PATH
        for path, place in chain:
            self._parents[path] = parent
            self._places[path] = place
            parent = path
        return self._resolve(chain[-1][0], {_ROOT_PATH: self.app})

    # One snapshot of the tree under root per search: GTK's AT-SPI
    # Cache.GetItems gives each node's role, name and states in one D-Bus
    # call, and the children of a whole level of the tree are asked for at
    # once, where a walk (dogtail's findChildren) waits for each call on
    # each of some 4000 nodes in turn, 5-10 s a search here. Only the nodes
    # found are then fetched, by their place under the app.

    def _search(self, match, root, with_states=False, first=False):
        items = self._snapshot(root)
        if items is None:  # no cache interface: walk as dogtail does
            def pred(n):
                args = (n.roleName, n.name or "")
                if with_states:
                    args += ((_FOCUSED if n.focused else 0, 0),)
                return match(*args)
            root = root or self.app
            if first:
                found = root.findChild(pred, recursive=True, retry=False, requireResult=False)
                return [found] if found else []
            return root.findChildren(pred, recursive=True)
        children, info = items
        start = root.path if root is not None else _ROOT_PATH
        found = []
        stack = list(reversed(children.get(start, [])))
        while stack:
            path = stack.pop()
            role_name, name, states = info[path]
            args = (role_name, name) + ((states,) if with_states else ())
            if match(*args):
                found.append(path)
                if first:
                    break
            stack.extend(reversed(children.get(path, [])))
        memo = {_ROOT_PATH: self.app}
        if root is not None:
            memo[root.path] = root
        nodes = [self._resolve(path, memo) for path in found]
        return [n for n in nodes if n is not None]

    def _snapshot(self, root=None):
        """The tree under root (the whole app by default): a search under a
        list asks only for that list's nodes."""
        if self._cache is False:
            return None
        try:
            if self._cache is None:
                self._cache = _AppCache(self.proc.pid)
            children, info = self._cache.tree(root.path if root is not None else _ROOT_PATH)
        except Exception as e:
            self.diag(f"no AT-SPI cache, walking the tree instead ({e})")
            self._cache = False
            return None
        self._parents = {}
        self._places = {}
        for parent, kids in children.items():
            for i, p in enumerate(kids):
                self._parents[p] = parent
                self._places[p] = i
        # Nodes GetItems did not give (gone meanwhile) are left out.
        children = {parent: [p for p in kids if p in info] for parent, kids in children.items()}
        return children, {p: v[:3] for p, v in info.items()}

    def _resolve(self, path, memo):
        """The node at path, reached from the app by its place under each
        of its ancestors (checked by path: the tree may have changed)."""
        chain = []
        p = path
        while p not in memo:
            chain.append(p)
            p = self._parents.get(p)
            if p is None:
                return None
        node = memo[p]
        for p in reversed(chain):
            nxt = None
            try:
                c = node.getChildAtIndex(self._places[p])
                if c is not None and c.path == p:
                    nxt = c
                else:
                    nxt = next((c for c in node.children if c is not None and c.path == p), None)
            except Exception:
                return None
            if nxt is None:
                return None
            memo[p] = node = nxt
        return node

    def press(self, node):
        """Activates a button through AT-SPI wherever it is scrolled to (a
        click needs it on screen); falls back to a click."""
        try:
            node.doActionNamed("click")
        except Exception:
            node.click()

    def labels(self, root=None):
        """The text of every label under root (the app by default)."""
        items = self._snapshot(root)
        if items is None:
            root = root or self.app
            return [n.name for n in root.findChildren(lambda n: n.roleName == "label",
                                                      recursive=True)]
        children, info = items
        out = []
        stack = list(reversed(children.get(root.path if root is not None else _ROOT_PATH, [])))
        while stack:
            path = stack.pop()
            if info[path][0] == "label":
                out.append(info[path][1])
            stack.extend(reversed(children.get(path, [])))
        return out

    def wait_synced(self, timeout=240, prefix=None):
        """Waits for the sync status button to say when the cache was last
        updated, and checks it: on a fresh home, the first sync is over; on
        a copy of the shared cache (saved days ago), the app has synced with
        its demo backend since it started ("Updated just now")."""
        if prefix is None:
            prefix = "Updated just now" if self.synced else "Updated"
        status = self.find_one("push button", prefix=prefix, timeout=timeout)
        what = ("the app syncs its saved data with the demo backend" if self.synced
                else "the first sync finishes")
        self.check(f"{what} and the status says when", status,
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


_ROOT_PATH = "/org/a11y/atspi/accessible/root"
_FOCUSED = 1 << 12  # ATSPI_STATE_FOCUSED, in the first of the two words of states
_ROLE_NAMES = {}


def _role_name(role):
    name = _ROLE_NAMES.get(role)
    if name is None:
        import gi
        gi.require_version("Atspi", "2.0")
        from gi.repository import Atspi
        try:
            name = Atspi.role_get_name(Atspi.Role(role)) or ""
        except Exception:
            name = ""
        _ROLE_NAMES[role] = name
    return name


class _AppCache:
    """The app's org.a11y.atspi.Cache on the accessibility bus, found by
    the app's process id."""

    def __init__(self, pid):
        import gi
        gi.require_version("Json", "1.0")
        from gi.repository import Gio, GLib, Json
        self._GLib = GLib
        self._Json = Json
        session = Gio.bus_get_sync(Gio.BusType.SESSION)
        address = session.call_sync("org.a11y.Bus", "/org/a11y/bus", "org.a11y.Bus",
                                     "GetAddress", None, GLib.VariantType("(s)"), 0, 5000,
                                     None).unpack()[0]
        self.bus = Gio.DBusConnection.new_for_address_sync(
            address, Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
            Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)
        names = self._call("org.freedesktop.DBus", "/org/freedesktop/DBus",
                           "org.freedesktop.DBus", "ListNames")[0]
        self.name = None
        for n in names:
            if not n.startswith(":"):
                continue
            try:
                if self._call("org.freedesktop.DBus", "/org/freedesktop/DBus",
                              "org.freedesktop.DBus", "GetConnectionUnixProcessID",
                              GLib.Variant("(s)", (n,)))[0] == pid:
                    self.name = n
                    break
            except Exception:
                continue
        if self.name is None:
            raise RuntimeError("the app is not on the accessibility bus")

    def _call(self, dest, path, iface, method, args=None):
        return self.bus.call_sync(dest, path, iface, method, args, None, 0, 60000, None).unpack()

    def _read_items(self, info):
        """Adds to info each node GetItems lists: its role name, name,
        states (two words), child count and parent's path. The reply (some
        thousands of nodes) goes through json-glib, in C: GLib.Variant's
        unpack() recurses in Python through every field, 1-3 s a call."""
        import json
        reply = self.bus.call_sync(self.name, "/org/a11y/atspi/cache", "org.a11y.atspi.Cache",
                                   "GetItems", None, None, 0, 60000, None)
        text, _ = self._Json.gvariant_serialize_data(reply)
        for (_, path), _, (_, parent), _, count, _, name, role, _, states in json.loads(text)[0]:
            info[path] = (_role_name(role), name or "", tuple(states) + (0, 0), count, parent)

    def tree(self, start=_ROOT_PATH):
        """(children, info): each node's children, in order, under start
        (the whole app by default), and every node's role, name and
        states. GetItems gives every node's role, name and states in one
        call, but it lists only the nodes a client has asked for, and its
        parent links may go stale (a button replaced by another in the
        same box); so the children are asked of every node under start
        with children, all the calls of one level of the tree at once
        (which also makes GTK list the new nodes)."""
        info = {}
        self._read_items(info)
        children = {}
        level = [start]
        unknown = False
        for _ in range(200):  # deeper than any GTK tree: a bound, not a wait
            # (GTK gives the application node no count of its own.)
            asked = [p for p in level if p == _ROOT_PATH or p not in info or info[p][3] != 0]
            if not asked:
                break
            level = []
            for path, kids in zip(asked, self._children_of(asked, info)):
                children[path] = kids
                level.extend(kids)
                unknown = unknown or any(k not in info for k in kids)
        if unknown:
            self._read_items(info)
        return children, info

    def focused_chains(self):
        """For each node GetItems says is focused and a walk from the root
        would reach: its chain [(path, place under its parent)...] from the
        root's child down to it. The chain is GetItems' parent links (GTK
        reads them off the widgets when asked), each checked to be a child
        the walk would find (_children_of), all the chains' nodes asked at
        once."""
        info = {}
        self._read_items(info)
        chains = []
        for path, (_, _, states, _, _) in info.items():
            if not states[0] & _FOCUSED:
                continue
            chain = [path]
            while chain[-1] != _ROOT_PATH and len(chain) < 200:
                parent = info[chain[-1]][4] if chain[-1] in info else None
                if parent is None:
                    break
                chain.append(parent)
            if chain[-1] == _ROOT_PATH:
                chains.append(chain[::-1])
        asked = sorted({p for chain in chains for p in chain[:-1]})
        kids = dict(zip(asked, self._children_of(asked, info)))
        out = []
        for chain in chains:
            steps = []
            for parent, path in zip(chain, chain[1:]):
                if path not in kids[parent]:
                    break
                steps.append((path, kids[parent].index(path)))
            else:
                out.append(steps)
        return out

    def _children_of(self, paths, info):
        """The children of each of paths as GetChildAtIndex gives them (what
        dogtail walks), in one round trip for most of a level: GetChildren,
        one call a node, gives the same children but for a GtkStack, whose
        GetChildAtIndex gives its pages and GetChildren the pages' children
        (GTK 4.8). GetItems says a page's child's parent is its page: where
        a child GetChildren gave is not one GetItems knows as this node's,
        the node is asked again child by child."""
        GLib = self._GLib
        out = {}
        direct = [p for p in paths if p != _ROOT_PATH]
        replies = self._batch([(p, "org.a11y.atspi.Accessible", "GetChildren", None)
                               for p in direct], _child_paths)
        for p, kids in zip(direct, replies):
            if kids is not None and all(k in info and info[k][4] == p for k in kids):
                out[p] = kids
        rest = [p for p in paths if p not in out]
        counts = self._batch([(p, "org.freedesktop.DBus.Properties", "Get",
                               GLib.Variant("(ss)", ("org.a11y.atspi.Accessible", "ChildCount")))
                              for p in rest], _int_property)
        calls = []
        owners = []
        for p, count in zip(rest, counts):
            out[p] = []
            for i in range(min(count or 0, 10000)):
                calls.append((p, "org.a11y.atspi.Accessible", "GetChildAtIndex",
                              GLib.Variant("(i)", (i,))))
                owners.append(p)
        for p, r in zip(owners, self._batch(calls, _child_path)):
            if r:
                out[p].append(r)
        return [out[p] for p in paths]

    def _batch(self, calls, convert):
        """Sends every (path, interface, method, args) at once; the replies
        in order, each through convert, None for an error."""
        if not calls:
            return []
        GLib = self._GLib
        ctx = GLib.MainContext.new()
        ctx.push_thread_default()
        try:
            replies = [None] * len(calls)
            pending = [len(calls)]

            def done(bus, result, i):
                try:
                    replies[i] = convert(bus.call_finish(result))
                except Exception:
                    replies[i] = None
                pending[0] -= 1
            for i, (path, iface, method, args) in enumerate(calls):
                self.bus.call(self.name, path, iface, method, args, None, 0, 60000, None,
                              done, i)
            while pending[0] > 0:
                ctx.iteration(True)
            return replies
        finally:
            ctx.pop_thread_default()


# Replies read with get_child_value: unpack() is slow (see _read_items).
def _child_paths(reply):  # (a(so))
    kids = reply.get_child_value(0)
    return [kids.get_child_value(i).get_child_value(1).get_string()
            for i in range(kids.n_children())]


def _child_path(reply):  # ((so))
    return reply.get_child_value(0).get_child_value(1).get_string()


def _int_property(reply):  # (v)
    return reply.get_child_value(0).get_variant().get_int32()


def _file_digest(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def shared_data(app_path, scale="city", seed=1):
    """The demo backend's database (--generate=SCALE, --seed=SEED) and a
    client cache synced from it by the CLI, made once per build and kept in
    BUILD/tests/e2e-data/ under a name that changes with the server and CLI
    binaries (the generator and the cache format are in them). Returns
    (server_db, cache_db); each test copies both, so none sees another's
    writes. A lock makes a second test wait for the first one's copy."""
    build = os.environ.get("WH_BUILD_ROOT") or os.path.dirname(os.path.dirname(
        os.path.dirname(os.path.abspath(app_path))))
    server = os.path.join(build, "src", "server", "workers-home-server")
    cli = os.path.join(build, "src", "cli", "workers-home-cli")
    key = hashlib.sha256(f"{scale}:{seed}:{_file_digest(server)}:{_file_digest(cli)}"
                         .encode()).hexdigest()[:16]
    base = os.path.join(build, "tests", "e2e-data")
    out = os.path.join(base, f"{scale}-{seed}-{key}")
    server_db = os.path.join(out, "server.db")
    cache_db = os.path.join(out, "cache.db")
    os.makedirs(base, exist_ok=True)
    with open(os.path.join(base, "lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if os.path.exists(os.path.join(out, "done")):
            return server_db, cache_db
        # Older data sets are of older binaries: never used again.
        for old in os.listdir(base):
            if old != "lock":
                shutil.rmtree(os.path.join(base, old), ignore_errors=True)
        work = tempfile.mkdtemp(prefix="making-", dir=base)
        _make_shared_data(server, cli, scale, seed, work)
        os.rename(work, out)
        open(os.path.join(out, "done"), "w").close()
    return server_db, cache_db


def _make_shared_data(server, cli, scale, seed, work):
    import sqlite3
    started = time.monotonic()
    server_db = os.path.join(work, "server.db")
    cache_db = os.path.join(work, "cache.db")
    env = dict(os.environ, HOME=work, XDG_CACHE_HOME=work, XDG_DATA_HOME=work,
               XDG_CONFIG_HOME=work)
    subprocess.run([server, "--db", server_db, f"--generate={scale}", f"--seed={seed}"],
                   env=env, check=True, stdout=subprocess.DEVNULL, timeout=600)
    proc = subprocess.Popen([server, "--db", server_db, "--port=0", "--demo-code=000000"],
                            env=env, stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        if not line.startswith("Listening on "):
            raise RuntimeError(f"the demo server did not start: {line!r}")
        subprocess.run([cli, "--server", line.split()[-1], "--cache", cache_db, "sync"],
                       env=env, check=True, stdout=subprocess.DEVNULL, timeout=900)
    finally:
        proc.terminate()
        proc.wait(30)
    for path in (server_db, cache_db):
        con = sqlite3.connect(path)
        try:
            if path == cache_db:
                # Saved two days ago: "Updated just now" then says the app
                # itself synced (Session.wait_synced).
                con.execute("UPDATE sync_state SET synced_at = synced_at - 2 * 86400")
                con.commit()
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            con.close()
        for suffix in ("-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.unlink(path + suffix)
    print(f"# shared demo data ({scale}, seed {seed}) made in "
          f"{time.monotonic() - started:.0f} s", file=_TAP)


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
