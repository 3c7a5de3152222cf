#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The kiosk as data/kiosk's unit runs it: its ExecStart (cage -d --
workers-home --kiosk) and its Environment lines, with a session bus at
$XDG_RUNTIME_DIR/bus as dbus-user-session gives it, on cage's headless
backend. Checks that the app comes up, that its window goes fullscreen,
and that it survives what can reach it under cage: requests over D-Bus to
quit, a second start (systemd restarting a kiosk it thinks has stopped).
Then once more with cage -r, as on a portrait screen, where grim's picture
of the output must be the app edge to edge. (A window that fits the output
exactly is scanned out directly, and the headless backend shows grim only
black then: the first run's picture would prove nothing.)

cage itself never asks a window to close: Debian 12's cage 0.1.4 has no key
binding for it, and no protocol that would let another client ask
(wlr-foreign-toplevel-management, virtual keyboard). The refusal of a close
request and of every quit key is checked in tests/test-kiosk.c.

cage refuses to run as root and needs Xwayland, which binds sockets in
/tmp/.X11-unix. As root (the CI), the test runs itself again in user and
mount namespaces of its own: a private /tmp/.X11-unix, and a user that is not root
inside (its files still the caller's outside).

Prints TAP; skipped only when cage is not installed.
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

APP_ID = "org.workershome.WorkersHome"
INSIDE = "--inside-namespace"
TIMEOUT = 40  # seconds for the app to come up: under 60 s in all


def tap_plan_skip(reason):
    print("TAP version 13")
    print(f"1..0 # SKIP {reason}")
    sys.exit(0)


def build_root():
    return os.environ.get("WH_BUILD_ROOT") or os.path.dirname(
        os.path.dirname(os.path.dirname(os.path.abspath(sys.argv[1]))))


def unit_lines(path):
    """ExecStart's command and the Environment pairs of the unit."""
    command, env = None, {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line.startswith("ExecStart="):
                command = line[len("ExecStart="):].split()
            elif line.startswith("Environment="):
                key, _, value = line[len("Environment="):].partition("=")
                env[key] = value
    return command, env


def reexec_in_namespaces():
    """As root: again, in a private mount namespace with /tmp/.X11-unix on a tmpfs,
    as uid 1000 of a user namespace (real root outside, not root to cage)."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return False
    inner = [unshare, "--user", "--map-user=1000", "--map-group=1000", "--",
             sys.executable] + sys.argv + [INSIDE]
    # Only Xwayland's socket directory is made private: the rest of /tmp
    # stays, for a checkout or a build that lives there (a CI clone).
    script = ('mkdir -p /tmp/.X11-unix && '
              'mount -t tmpfs -o mode=1777 tmpfs /tmp/.X11-unix && exec "$@"')
    code = subprocess.call([unshare, "--mount", "--propagation", "private", "--",
                            "sh", "-c", script, "sh"] + inner)
    sys.exit(code)


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = False
        print("TAP version 13", flush=True)

    def check(self, name, ok, detail=""):
        self.n += 1
        ok = bool(ok)
        self.failed |= not ok
        print(("ok" if ok else "not ok") + f" {self.n} - {name}" +
              (f" # {detail}" if detail and not ok else ""), flush=True)
        return ok

    def skip(self, name, reason):
        self.n += 1
        print(f"ok {self.n} - {name} # SKIP {reason}", flush=True)

    def diag(self, text):
        for line in str(text).splitlines():
            print(f"# {line}", flush=True)

    def done(self):
        print(f"1..{self.n}", flush=True)
        sys.exit(1 if self.failed else 0)


def wait_for(predicate, timeout, step=0.2):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()


def read_ppm(path):
    """Width, height and the RGB bytes of a binary PPM (P6, maxval 255)."""
    with open(path, "rb") as f:
        data = f.read()
    fields, pos = [], 0
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos)
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    pos += 1
    if fields[0] != b"P6" or fields[3] != b"255":
        raise ValueError(f"not an 8-bit binary PPM: {fields}")
    return int(fields[1]), int(fields[2]), data[pos:]


def child_pids(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except OSError:
        return False


class Kiosk:
    """One run of argv under cage, with a session bus of its own."""

    def __init__(self, t, argv, env, work, log_path):
        self.t, self.argv, self.log_path = t, argv, log_path
        self.runtime = os.path.join(work, "run")
        os.makedirs(self.runtime, mode=0o700)
        self.env = dict(env, XDG_RUNTIME_DIR=self.runtime,
                        DBUS_SESSION_BUS_ADDRESS=f"unix:path={self.runtime}/bus")
        self.bus = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--nopidfile",
                                     f"--address=unix:path={self.runtime}/bus"],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.cage = None
        self.app_pid = None
        self.display = None

    def log(self):
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def log_tail(self):
        # wlroots' headless output repeats one line per frame.
        return "".join(line for line in self.log().splitlines(True)
                       if "Basic output test failed" not in line)[-1500:]

    def running(self):
        return self.cage.poll() is None and self.app_pid and alive(self.app_pid)

    def start(self, what):
        """Starts cage; checks that the app comes up fullscreen."""
        t = self.t
        wait_for(lambda: os.path.exists(os.path.join(self.runtime, "bus")), 10)
        started = time.monotonic()
        t.diag("running " + " ".join(self.argv))
        with open(self.log_path, "w") as log:
            self.cage = subprocess.Popen(self.argv, env=self.env, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        self.display = wait_for(lambda: next((n for n in os.listdir(self.runtime)
                                              if n.startswith("wayland-") and
                                              not n.endswith(".lock")), None), 10)
        self.app_pid = wait_for(lambda: next(iter(child_pids(self.cage.pid)), None), 10)
        full = wait_for(lambda: "The kiosk window is fullscreen" in self.log() or
                        self.cage.poll() is not None, TIMEOUT)
        if not (t.check(f"{what}: cage starts a Wayland display", self.display) and
                t.check(f"{what}: cage starts the app", self.app_pid) and
                t.check(f"{what}: the kiosk window goes fullscreen",
                        full and self.cage.poll() is None)):
            t.diag(f"{self.log_path}:\n{self.log_tail()}")
            return False
        t.diag(f"fullscreen after {time.monotonic() - started:.1f} s")
        self.env["WAYLAND_DISPLAY"] = self.display
        time.sleep(2)  # its first frames
        return True

    def picture(self, what, png):
        """grim's picture of the output (wlr-screencopy): the app on all of it."""
        t = self.t
        if not shutil.which("grim"):
            t.skip(f"{what}: the app covers the whole output", "grim is not installed")
            return
        ppm = os.path.join(self.runtime, "shot.ppm")
        ok = subprocess.call(["grim", "-t", "ppm", ppm], env=self.env) == 0
        subprocess.call(["grim", png], env=self.env)
        if not t.check(f"{what}: grim takes a picture of the output", ok):
            return
        width, height, pixels = read_ppm(ppm)
        step = 3 * 7
        black = sum(1 for i in range(0, len(pixels), step) if pixels[i:i + 3] == b"\0\0\0")
        share = black / max(1, len(pixels) // step)
        t.diag(f"output {width}x{height}, {share:.1%} black; picture: {png}")
        # A window that is not fullscreen leaves cage's black background
        # around it.
        t.check(f"{what}: the app covers the whole output, {width}×{height}", share < 0.02,
                f"{share:.1%} of the output is black")
        corners = [pixels[3 * (y * width + x):3 * (y * width + x) + 3]
                   for x, y in ((0, 0), (width - 1, 0), (0, height - 1),
                                (width - 1, height - 1))]
        t.check(f"{what}: to its corners", all(c != b"\0\0\0" for c in corners), repr(corners))
        return width, height

    def stop(self):
        if self.cage is not None and self.cage.poll() is None:
            # The app's end ends cage, as in the unit (which then restarts).
            for pid in child_pids(self.cage.pid):
                os.kill(pid, signal.SIGTERM)
            try:
                self.cage.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.cage.pid, signal.SIGKILL)
                self.cage.wait()
        self.bus.terminate()
        self.bus.wait()


def main():
    app = os.path.abspath(sys.argv[1])
    cage = shutil.which("cage")
    if cage is None:
        tap_plan_skip("cage is not installed (apt-get install cage xwayland; "
                      "tools/install-deps --test)")
    if os.getuid() == 0 and INSIDE not in sys.argv:
        reexec_in_namespaces()

    t = Tap()
    unit = os.path.join(build_root(), "data", "kiosk", "workers-home-kiosk.service")
    command, unit_env = unit_lines(unit)
    if not t.check("the kiosk unit has an ExecStart running cage", command and
                   os.path.basename(command[0]) == "cage" and "--" in command, repr(command)):
        t.done()
    # The unit's command, with this build's app for the installed one.
    argv = [cage] + command[1:]
    argv[argv.index("--") + 1] = app
    if not t.check("Xwayland is installed (cage 0.1.4 does not start without it)",
                   shutil.which("Xwayland"), "apt-get install xwayland"):
        t.done()
    if not t.check("the kiosk runs as a user other than root, as cage demands",
                   os.getuid() != 0, "the test could not leave root"):
        t.done()

    work = tempfile.mkdtemp(prefix="wh-cage-")
    logs = os.path.join(build_root(), "meson-logs", "e2e")
    os.makedirs(logs, exist_ok=True)
    # The unit's environment is all a kiosk has; from the test's, only what
    # finds this build's schemas and what the sanitizer runs set.
    env = {k: v for k, v in os.environ.items()
           if k in ("PATH", "LANG", "GSETTINGS_SCHEMA_DIR", "TZ", "G_DEBUG", "G_SLICE") or
           k.endswith("SAN_OPTIONS")}
    env.update(unit_env)
    # The unit's directories, under this test's own.
    for key in ("HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME"):
        if key in env:
            env[key] = os.path.join(work, "home", key.lower())
            os.makedirs(env[key], exist_ok=True)
    # The lockdown's dconf profile is installed in /etc only; the settings
    # stay in memory here (--kiosk is on the command line anyway).
    env.pop("DCONF_PROFILE", None)
    env.update(GSETTINGS_BACKEND="memory", WLR_BACKENDS="headless",
               WLR_LIBINPUT_NO_DEVICES="1", WLR_RENDERER="pixman",
               G_MESSAGES_DEBUG="wh-kiosk")

    try:
        # 1. As the unit runs it. A window that fits the output exactly is
        # scanned out directly, which wlroots' headless backend does not
        # show to grim: its picture is taken in 2.
        k = Kiosk(t, argv, env, os.path.join(work, "1"), os.path.join(logs, "cage.log"))
        try:
            if not k.start("the unit's command"):
                t.done()
            # Nothing on the bus may quit it.
            path = "/" + APP_ID.replace(".", "/")
            listed = subprocess.run(["gdbus", "call", "--session", "--dest", APP_ID,
                                     "--object-path", path, "--method", "org.gtk.Actions.List"],
                                    env=k.env, capture_output=True, text=True, timeout=10)
            t.check("the app is on the session bus", listed.returncode == 0,
                    listed.stderr.strip())
            t.check("and offers no quit action there", "'quit'" not in listed.stdout,
                    listed.stdout.strip())
            for method in ("org.gtk.Actions.Activate",
                           "org.freedesktop.Application.ActivateAction"):
                call = subprocess.run(["gdbus", "call", "--session", "--dest", APP_ID,
                                       "--object-path", path, "--method", method,
                                       "quit", "[]", "{}"],
                                      env=k.env, capture_output=True, text=True, timeout=10)
                time.sleep(1)
                t.check(f"{method} quit leaves it running", k.running(),
                        call.stderr.strip() or call.stdout.strip())
            # Started again while it runs: the second hands over to the
            # first and ends.
            again = subprocess.run([app, "--kiosk"], env=k.env, capture_output=True,
                                   timeout=20)
            t.check("a second start hands over and ends", again.returncode == 0,
                    again.stderr.decode(errors="replace")[-400:])
            time.sleep(2)
            t.check("and the kiosk keeps running", k.running())
            # Except GTK's registration with the AT-SPI registry, which this
            # bare session's accessibility bus starts and loses (a desktop
            # session's, as dbus-user-session gives the kiosk, keeps it).
            complaints = [line for line in k.log().splitlines(True)
                          if ("CRITICAL" in line or "-WARNING" in line or "-ERROR" in line) and
                          "Unable to register the application" not in line]
            t.check("with nothing it complained of", not complaints, "".join(complaints)[:400])
        finally:
            k.stop()

        # 2. On a portrait screen (cage -r, a turned output): composited,
        # so grim sees the app.
        rotated = argv[:argv.index("--")] + ["-r"] + argv[argv.index("--"):]
        k = Kiosk(t, rotated, env, os.path.join(work, "2"), os.path.join(logs, "cage-r.log"))
        try:
            if k.start("portrait (cage -r)"):
                size = k.picture("portrait", os.path.join(logs, "cage-portrait.png"))
                if size:
                    t.check("portrait: taller than wide", size[1] > size[0], repr(size))
        finally:
            k.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    t.done()


main()
