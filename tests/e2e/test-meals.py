#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Love meals end to end, as a worker would: start `workers-home --demo` on a
fresh home directory, open Love Meals, sign in with a phone number and the
demo backend's code, claim a meal at a merchant that is serving now, and see
the voucher's code under its QR code.

Run by meson (suite "e2e") inside xvfb-run and dbus-run-session; prints TAP.
WH_SHOT_DIR=dir saves screenshots of each step there (for looking at the
layout in another language or width: LANG, WH_WINDOW_WIDTH).
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

APP = sys.argv[1]
DEMO_CODE = "000000"  # src/core/wh-demo.c starts the backend with it
results = []
TAP = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)
sys.stdout = sys.stderr
SHOT_DIR = os.environ.get("WH_SHOT_DIR")


def check(name, ok, detail=""):
    results.append((name, bool(ok), detail))
    print(("ok" if ok else "not ok") + f" {len(results)} - {name}" +
          (f" # {detail}" if detail and not ok else ""), file=TAP)
    return ok


def wait_for(predicate, timeout, step=0.5):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            value = predicate()
            if value:
                return value
        except Exception:  # the tree changes under us while the app works
            pass
        time.sleep(step)
    return None


def press(node):
    """Activates a button through AT-SPI, wherever it is scrolled to."""
    try:
        node.doActionNamed("click")
    except Exception:
        node.click()


def shot(name):
    if SHOT_DIR:
        time.sleep(1)
        subprocess.run(["import", "-window", "root", os.path.join(SHOT_DIR, name + ".png")],
                       check=False)


def start_keyring(home):
    """An unlocked keyring of the test's own, so storing the sign-in token
    needs no prompt for a new keyring's password (a desktop has its login
    keyring; this private session has none)."""
    daemon = shutil.which("gnome-keyring-daemon")
    if daemon is None:
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


def main():
    home = tempfile.mkdtemp(prefix="wh-e2e-meals-")
    keyring = start_keyring(home)
    lang = os.environ.get("WH_LANG", "C.UTF-8")
    child_env = dict(os.environ, HOME=home, GTK_A11Y="atspi", LANG=lang, LC_ALL=lang, LANGUAGE="",
                     XDG_DATA_HOME=os.path.join(home, "data"),
                     XDG_CACHE_HOME=os.path.join(home, "cache"))
    width = os.environ.get("WH_WINDOW_WIDTH")
    if width:
        # The window's size lives in GSettings; a key file sets it up front.
        conf = os.path.join(home, "config", "glib-2.0", "settings")
        os.makedirs(conf)
        with open(os.path.join(conf, "keyfile"), "w") as f:
            f.write(f"[org/workershome/WorkersHome]\nwindow-width={width}\nwindow-height=740\n")
        child_env.update(GSETTINGS_BACKEND="keyfile", XDG_CONFIG_HOME=os.path.join(home, "config"))
    os.environ["GTK_MODULES"] = "gail:atk-bridge"
    from dogtail import config, tree
    from dogtail.rawinput import typeText, pressKey
    config.config.logDebugToFile = False
    config.config.searchShowingOnly = False

    print("TAP version 13", file=TAP)
    app_proc = subprocess.Popen([APP, "--demo"], env=child_env)
    try:
        app = wait_for(lambda: tree.root.application("workers-home"), 60)
        if not check("the app shows up on the accessibility bus", app):
            return

        def find(role, name=None, pred=None):
            return app.findChildren(lambda n: n.roleName == role and
                                    (name is None or n.name == name) and
                                    (pred is None or pred(n)), recursive=True)

        check("the first sync finishes",
              wait_for(lambda: find("push button", pred=lambda n: n.name.startswith("Updated") or
                                    "更新" in n.name), 240))
        tab = wait_for(lambda: find("page tab", pred=lambda n: n.name in ("Love Meals", "爱心餐")), 10)
        if not check("the Love Meals tab is there", tab):
            return
        # At 360 px the tabs move to a bar at the bottom; the hidden header
        # switcher is still in the tree.
        press(([t for t in tab if t.showing] or tab)[0])

        claims = wait_for(lambda: find("push button",
                                       pred=lambda n: n.name.startswith("Claim a meal at") or
                                       n.name.startswith("在")), 30)
        check("merchants are listed with a Claim button", claims and len(claims) > 3,
              f"{len(claims or [])} buttons")
        shot("meals-home")

        sign_in = wait_for(lambda: find("push button", pred=lambda n: n.name.startswith(("Sign In", "登录"))), 30)
        if not check("a signed-out worker is offered to sign in", sign_in,
                     repr([n.name for n in find("push button")][:12])):
            return
        press(sign_in[0])
        phone = wait_for(lambda: find("text", pred=lambda n: n.name.replace("_", "").startswith(("Phone number", "手机号"))), 10)
        if not check("the sign-in page asks for a phone number", phone):
            return
        # GTK 4.8 has no AT-SPI grabFocus: the page puts the focus in the
        # phone entry, and after sending, in the code entry.
        time.sleep(1)
        typeText("13800138000")
        send = find("push button", pred=lambda n: n.name.startswith(("Send Code", "发送验证码")))
        press(send[0])
        sent = wait_for(lambda: app.findChildren(lambda n: n.name.startswith(("Code sent", "验证码已发送")),
                                                 recursive=True), 20)
        check("the code is sent and the worker is told so", sent)
        check("the code entry is there",
              find("text", pred=lambda n: n.name.replace("_", "").startswith(
                  ("Code from the text message", "短信验证码"))))
        time.sleep(1)
        typeText(DEMO_CODE)
        shot("meals-sign-in")
        pressKey("Return")
        eligible = wait_for(lambda: find("label", pred=lambda n: n.name in (
            "You can claim one free meal a day", "每天可领取一份免费爱心餐")), 30)
        check("after sign-in the worker sees they are eligible", eligible)
        sign_out = find("push button", pred=lambda n: n.name.startswith(("Sign Out", "退出登录")))
        check("and can sign out", sign_out)

        # A merchant serving now with meals left: its row says so.
        def serving_claim():
            for b in find("push button", pred=lambda n: n.name.startswith("Claim a meal at") or
                          n.name.startswith("在")):
                row = b.parent.parent
                labels = [l.name for l in row.findChildren(lambda n: n.roleName == "label",
                                                           recursive=True)]
                if any(l.startswith("Serving now") or l.startswith("正在供餐") for l in labels) \
                        and b.sensitive:
                    return b
            return None

        button = wait_for(serving_claim, 20)
        if not check("a merchant is serving now", button,
                     "no merchant serves at this hour of the demo day"):
            return
        press(button)
        confirm = wait_for(lambda: find("push button", pred=lambda n: n.name.replace("_", "").startswith(("Claim", "领取")) and "meal at" not in n.name and not n.name.startswith("在")), 10)
        if not check("claiming asks for a confirmation", confirm):
            return
        shot("meals-confirm")
        # AdwMessageDialog keeps a second row of buttons for narrow widths.
        showing = [n for n in confirm if n.showing] or confirm
        press(showing[0])

        digits = wait_for(lambda: find("label", pred=lambda n: re.fullmatch(r"\d{12}", n.name or "")), 30)
        check("the voucher's 12-digit code is shown", digits)
        qr = find("image", pred=lambda n: n.name.startswith("Voucher QR code") or
                  n.name.startswith("爱心餐券二维码"))
        check("with a QR code that has an accessible name", qr)
        valid = find("label", pred=lambda n: n.name.startswith("Valid until") or
                     n.name.startswith("有效期至"))
        check("and says until when it is valid", valid)
        shot("meals-voucher")
    finally:
        app_proc.terminate()
        try:
            app_proc.wait(10)
        except subprocess.TimeoutExpired:
            app_proc.kill()
        if keyring:
            keyring.terminate()
        shutil.rmtree(home, ignore_errors=True)
        print(f"1..{len(results)}", file=TAP)
    sys.exit(0 if all(ok for _, ok, _ in results) else 1)


main()
