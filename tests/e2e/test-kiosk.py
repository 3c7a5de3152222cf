#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""End to end on the kiosk: `workers-home --demo --kiosk` with a 30 s idle
timeout. Home's tiles open a service on a category without typing; quit and
close keys do nothing; a passer-by signs in to Love Meals with the phone
number and the demo code typed on the on-screen keypad alone (its keys
pressed through AT-SPI, no keyboard event), and searches the jobs by pinyin
on the letter keypad; left alone, the kiosk counts down and starts over,
signed out, with nothing of the last person on screen. Signed in, the
worker claims a meal and prints the voucher as a slip on the station's
printer (a CUPS of the test's own with a cups-pdf queue: the printed QR code
scans to the voucher); a tap on the stations map opens a station, whose
problem report is sent as nobody's and is still there after the reset.

Run by meson (suite "e2e") inside xvfb-run and dbus-run-session; prints TAP.
"""
import atexit
import os
import pwd
import re
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import time

import whe2e
from dogtail import rawinput

# The idle timeout, set through a keyfile settings backend of its own, which
# the app follows as it changes. Keys pressed through AT-SPI are no touch to
# the idle timer, and on a loaded machine the sign-in below takes minutes of
# such presses and searches: an hour while a "person" uses the kiosk, then a
# short one (searching the accessibility tree takes seconds, so not the 15 s
# minimum) to see it count down and start over.
config = tempfile.mkdtemp(prefix="wh-e2e-kiosk-config-")
os.makedirs(os.path.join(config, "glib-2.0", "settings"))
KEYFILE = os.path.join(config, "glib-2.0", "settings", "keyfile")


def set_idle_timeout(seconds):
    with open(KEYFILE + ".new", "w") as f:
        f.write(f"[org/workershome/WorkersHome]\nkiosk-idle-timeout=uint32 {seconds}\n")
    os.replace(KEYFILE + ".new", KEYFILE)


set_idle_timeout(3600)

PHONE = "13800138000"
DEMO_CODE = "000000"  # src/core/wh-demo.c starts the demo backend with it


def tap(node):
    """A touch on the middle of node through the X server: a person's input,
    which the idle timer counts (as dogtail's click() does; an AT-SPI action
    does not count)."""
    x, y = node.position
    w, h = node.size
    rawinput.click(x + w // 2, y + h // 2)


def type_on_keypad(keys, digits):
    """Presses the keypad's keys for digits (or letters), then OK, through AT-SPI's
    "click" action: no keyboard, no pointer. (GTK 4.8 does not report an
    entry's text over AT-SPI: what the app does with the digits shows
    they arrived.) GTK takes a button's activation as one click until its
    pressed look ends (250 ms): a second press of the same key sooner would
    be lost, as a second Enter would."""
    from dogtail import config
    delay, config.config.actionDelay = config.config.actionDelay, 0.3
    try:
        for digit in digits:
            keys[digit].doActionNamed("click")
        if "OK" in keys:
            keys["OK"].doActionNamed("click")
    finally:
        config.config.actionDelay = delay


def countdown_shown(s):
    """Whether the idle countdown covers the window. It lies over the whole
    content, a few levels under the frame: a shallow search stays fast
    where a search of the whole tree (long lists) would miss a 7 s window."""
    level = [c for c in s.app.children if c.roleName == "frame"]
    for _ in range(9):
        nxt = []
        for node in level:
            if "Still There?" in (node.name or ""):
                return True
            nxt.extend(node.children)
        level = nxt
    return False


def start_cups():
    """A cupsd on a socket of its own with one printer, cups-pdf, the
    default: the app prints through it (CUPS_SERVER). None where it cannot
    run (not root: CUPS runs its backends as root)."""
    if os.getuid() != 0 or not os.path.exists("/usr/sbin/cupsd"):
        return None
    d = tempfile.mkdtemp(prefix="wh-e2e-cups-")
    os.chmod(d, 0o755)
    for sub in ("spool", "cache", "state", "log", "tmp"):
        os.mkdir(os.path.join(d, sub), 0o755)
    os.chmod(os.path.join(d, "tmp"), 0o1777)  # the filters run as lp
    sock = os.path.join(d, "cups.sock")
    with open(os.path.join(d, "cups-files.conf"), "w") as f:
        f.write(f"ServerRoot {d}\nRequestRoot {d}/spool\nCacheDir {d}/cache\n"
                f"StateDir {d}/state\nTempDir {d}/tmp\nServerBin /usr/lib/cups\n"
                f"DataDir /usr/share/cups\nAccessLog {d}/log/access_log\n"
                f"ErrorLog {d}/log/error_log\nPageLog {d}/log/page_log\nSystemGroup root\n")
    with open(os.path.join(d, "cupsd.conf"), "w") as f:
        f.write(f"Listen {sock}\nLogLevel warn\nBrowsing No\n"
                "<Location />\n  Order allow,deny\n  Allow all\n</Location>\n"
                "<Location /admin>\n  Order allow,deny\n  Allow all\n</Location>\n")
    proc = subprocess.Popen(["/usr/sbin/cupsd", "-f", "-c", os.path.join(d, "cupsd.conf"),
                             "-s", os.path.join(d, "cups-files.conf")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    add = ["/usr/sbin/lpadmin", "-h", sock, "-p", "WHPDF", "-E", "-v", "cups-pdf:/",
           "-P", "/usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd"]
    if not whe2e.wait_for(lambda: os.path.exists(sock) and subprocess.run(
            add, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0, 20):
        proc.terminate()
        return None
    subprocess.run(["/usr/sbin/lpadmin", "-h", sock, "-d", "WHPDF"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # cups-pdf writes to ~/PDF of the job's owner.
    return {"proc": proc, "dir": d, "socket": sock,
            "out": os.path.join(pwd.getpwuid(os.getuid()).pw_dir, "PDF")}


def stop_cups(cups):
    if cups and cups["proc"].poll() is None:
        cups["proc"].terminate()
        cups["proc"].wait(10)
        shutil.rmtree(cups["dir"], ignore_errors=True)


def printed_payloads(cups):
    """What the QR codes of the PDFs cups-pdf wrote scan to: {payload: path}."""
    found = {}
    for name in os.listdir(cups["out"]) if os.path.isdir(cups["out"]) else []:
        path = os.path.join(cups["out"], name)
        if not name.endswith(".pdf"):
            continue
        with tempfile.TemporaryDirectory() as tmp:
            png = os.path.join(tmp, "page")
            if subprocess.run(["pdftoppm", "-r", "200", "-png", "-singlefile", path, png],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode:
                continue  # still being written
            out = subprocess.run(["zbarimg", "--raw", "-q", png + ".png"],
                                 capture_output=True, text=True).stdout.strip()
            if out:
                found[out] = path
    return found


def cache_rows(s, sql):
    path = os.path.join(s.home, "cache", "workers-home", "cache.db")
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def server_reports(s, text):
    """The demo backend's reports whose comment has text: [(user_id,)]."""
    path = os.path.join(s.home, "data", "workers-home", "demo", "demo-server.db")
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    try:
        return con.execute("SELECT user_id FROM station_reports WHERE comment LIKE ?",
                           (f"%{text}%",)).fetchall()
    finally:
        con.close()


TILES = ("Courses by Trade", "Jobs by Category", "Nearest Stations", "Love Meals")

cups = start_cups()
atexit.register(stop_cups, cups)  # the session ends with sys.exit
REPORT = "kiosk kettle " + str(os.getpid())
env = {"GSETTINGS_BACKEND": "keyfile", "XDG_CONFIG_HOME": config}
if cups:
    env["CUPS_SERVER"] = cups["socket"]

with whe2e.Session("kiosk", args=("--demo", "--kiosk"), env=env) as s:
    s.wait_synced(240)
    for tile in TILES:
        s.check(f"Home has the “{tile}” tile", s.find_one("push button", tile))
    home = s.find_one("push button", "Home")
    s.check("a Home button", home)

    # No menu to quit from, and the keys that would quit or close do nothing.
    s.check("no main menu", not s.find("toggle button", "Main Menu", timeout=1) and
            not s.find("push button", "Main Menu", timeout=1))
    for combo in ("<Control>q", "<Control>w", "<Alt>F4", "F10", "<Control>comma"):
        rawinput.keyCombo(combo)
        time.sleep(0.5)
        s.check(f"{combo} leaves the kiosk running", s.alive())
    s.check("no second window (preferences, shortcuts)",
            len([w for w in s.app.children if w.roleName in ("frame", "dialog", "window")]) == 1)

    # Jobs by category, all by touch.
    s.find_one("push button", "Jobs by Category").click()
    all_jobs = s.find_one("push button", "All Jobs")
    if s.check("jobs by category lists the categories", all_jobs):
        choices = [b for b in s.find("push button", root=all_jobs.parent.parent)
                   if b.name not in ("All Jobs", "Back")]
        s.check("there are categories to choose", len(choices) >= 3, f"{len(choices)} buttons")
        if choices:
            choices[0].click()
            s.check("a category opens the jobs", s.find_one("list", "Jobs list"))

    # Love Meals: sign in with the keypad alone.
    tap(s.find_one("push button", "Home"))
    tap(s.find_one("push button", "Love Meals"))
    sign_in = s.find_one("push button", prefix="Sign In", timeout=10)
    if sign_in:
        tap(sign_in)
    phone = s.find_one("text", "Phone number", timeout=10)
    signed_in = False
    if s.check("love meals asks for a phone number", phone):
        tap(phone)  # a finger on the entry: the keypad slides up under it
        keypad = s.find_one("panel", "Keypad", timeout=5) or s.find_one("grouping", "Keypad",
                                                                           timeout=1)
        if s.check("the keypad shows for a phone entry", keypad):
            keys = {k.name: k for k in s.find("push button", root=keypad)}
            s.check("the keypad has named keys 0-9, Delete and OK",
                    set("0123456789") | {"Delete", "OK"} <= set(keys), repr(sorted(keys)))
            s.check("its keys can be pressed through AT-SPI",
                    all("click" in keys[k].actions for k in "0123456789"))
            # A wrong digit first, then Delete: the keypad corrects too.
            # Then the number and OK, which sends the code as Enter would.
            keys["9"].doActionNamed("click")
            keys["Delete"].doActionNamed("click")
            time.sleep(0.3)
            type_on_keypad(keys, PHONE)
            masked = PHONE[:3] + "****" + PHONE[-4:]
            # Searched in the sign-in form only: a search of the whole tree
            # (the jobs list) takes longer than the idle warning.
            form = phone.parent
            # Only a code sent holds the button back (GTK 4.8 does not give
            # the text of the status line, which names the number, over
            # AT-SPI; a number other than 11 digits from 1 is not sent).
            s.check("OK on the keypad sends the code to the number typed",
                    s.find_one("push button", prefix="Send again in", root=form, timeout=15))
            code = s.find_one("text", "Code from the text message", root=form, timeout=5)
            if s.check("the code entry is there", code):
                tap(code)  # a finger on it: the keypad types into it now
                type_on_keypad(keys, DEMO_CODE)
            # Signed in, the page goes back to the love meals' start (searched
            # in the whole window: the sign-in page is a sibling of it).
            meals = None
            eligible = s.find_one("label", "You can claim one free meal a day", root=meals,
                                  timeout=30)
            signed_in = s.check("signed in with the keypad's code, the worker sees they "
                                "are eligible", eligible)
            s.check("and whose account it is",
                    s.find_one("label", masked, root=meals, timeout=5))
            s.check("a Sign Out button", s.find_one("push button", prefix="Sign Out",
                                                    root=meals, timeout=5))

    # Signed in, a meal claimed: the voucher leaves the kiosk on paper.
    if signed_in:
        s.press(s.find_one("push button", "Serving now"))

        def serving_claim():
            for b in s.find("push button", prefix="Claim a meal at", timeout=0):
                if b.sensitive and any(l.startswith("Serving now") for l in s.labels(b.parent.parent)):
                    return b
            return None
        button = whe2e.wait_for(serving_claim, 20)
        if s.check("a merchant is serving now", button):
            s.press(button)
            confirm = whe2e.wait_for(lambda: [
                n for n in s.find("push button", timeout=0)
                if n.name.replace("_", "").startswith("Claim") and "meal at" not in n.name], 10)
            if s.check("claiming asks for a confirmation", confirm):
                s.press(([n for n in confirm if n.showing] or confirm)[0])
            s.check("the voucher page says how to take it away",
                    s.find_one("label", prefix="Take the voucher with you", timeout=30))
            printed = s.find_one("push button", "Print a Slip", timeout=10)
            texted = s.find_one("push button", "Text the Code to My Phone", timeout=5)
            s.check("it offers to text the code", texted)
            if s.check("it offers to print a slip", printed) and cups:
                # The 12 digits under the QR code (its accessible name): the
                # payload on paper carries them
                # (WH2.<key>.<id>.<merchant>.<day>.<windows>.<code>.<sig>).
                shown = s.find("label", where=lambda n: re.fullmatch(r"\d{12}", n), timeout=10)
                code = shown[0].name if shown else "none"
                tap(printed)

                def printed_code():
                    return next((path for payload, path in printed_payloads(cups).items()
                                 if payload.split(".")[6:7] == [code]), None)
                path = whe2e.wait_for(printed_code, 60, step=1)
                s.check("the slip comes out of the station's printer, its QR code the voucher's",
                        path)
                if path:
                    os.remove(path)
            elif not cups:
                s.diag("no CUPS of the test's own (not root): the slip is not printed here")

    # Stations: a tap on the map opens a station; its report goes as nobody's.
    tap(s.find_one("push button", "Home"))
    tap(s.find_one("push button", "Nearest Stations"))
    rows = s.list_items("Stations list", timeout=30)
    rows = [r for r in rows if r.name and r.name != "Show more stations"]
    if s.check("the kiosk lists the nearest stations", rows):
        tap(rows[0])  # the map goes to it
        whe2e.wait_for(lambda: s.find_one("label", "Amenities", timeout=1), 20)
        back = s.find("push button", "Back to the list", timeout=5)
        if back:
            s.press(back[-1])
        the_map = s.find_one("filler", "Map of stations")
        if s.check("the kiosk shows the map", the_map):
            tap(the_map)  # its middle: the station opened last
            s.check("a tap on a station on the map opens its page",
                    s.find_one("label", "Amenities", timeout=20))
            report = s.find("push button", "Report a Problem…", timeout=10)
            if s.check("the station page offers Report a Problem", report):
                s.press(report[-1])
                comment = s.find_one("text", "Comment", timeout=20)
                if s.check("the report dialog asks what happened", comment):
                    tap(comment)
                    rawinput.typeText(REPORT)
                    send = s.find_one("push button", prefix="_Send", timeout=5)
                    if send:
                        s.press(send)
                    # Someone is signed in at the kiosk: the report is still
                    # nobody's (user 0), sent at once.
                    s.check("the report reaches the backend as nobody's, with someone signed in",
                            whe2e.wait_for(lambda: server_reports(s, REPORT) == [(0,)], 60,
                                           step=1))

    # The jobs' own search: the one next to the jobs list.
    s.open_tab("Jobs")
    jobs_list = s.find_one("list", "Jobs list")
    node, search = jobs_list, []
    while node is not None and not search:
        search = s.find("entry", "Search", root=node, timeout=0)
        node = node.parent
    # A finger on it: the letter keypad, whose keys search by pinyin.
    if s.check("the jobs have a search", search):
        tap(search[0])
        letters = s.find_one("panel", "Letter Keypad", timeout=5) or \
            s.find_one("grouping", "Letter Keypad", timeout=1)
        if s.check("the letter keypad shows for a search", letters):
            keys = {k.name: k for k in s.find("push button", root=letters)}
            s.check("it has the keys A-Z, Delete, Clear and Search",
                    set("ABCDEFGHIJKLMNOPQRSTUVWXYZ") | {"Delete", "Clear", "Search"} <= set(keys),
                    repr(sorted(keys)))
            type_on_keypad(keys, "DIANGONGX")
            keys["Delete"].doActionNamed("click")

            def finds_electricians():
                return any("电工" in t for t in s.labels(jobs_list))
            s.check("typed on it, diangong finds the electricians' jobs",
                    whe2e.wait_for(finds_electricians, 30, step=1))
            keys["Search"].doActionNamed("click")
            s.check("Search puts the letter keypad away",
                    whe2e.wait_for(lambda: not letters.showing, 5, step=0.3))

    # Type something, then leave the kiosk alone: a countdown, then Home.
    set_idle_timeout(30)
    if search:
        tap(search[0])
        rawinput.typeText("dian")
    started = time.monotonic()
    # The warning comes 10 s before the 30 s timeout (and the app may take
    # a moment to see the setting change).
    shown = whe2e.wait_for(lambda: countdown_shown(s), 40, step=0.3)
    s.check("left alone, a countdown asks whether someone is still there", shown,
            f"none within {time.monotonic() - started:.0f} s")
    gone = whe2e.wait_for(lambda: not countdown_shown(s), 20, step=0.3)
    s.check("then the countdown ends", gone)
    # Back at Home: its tiles are where a finger finds them again.
    tile = s.find_one("push button", "Jobs by Category")
    if tile:
        tap(tile)
    s.check("then the kiosk is back at Home, its tiles under a finger",
            s.find_one("push button", "All Jobs", timeout=15))
    if signed_in:
        # The next person finds Love Meals signed out.
        tap(s.find_one("push button", "Home"))
        tap(s.find_one("push button", "Love Meals"))
        s.check("after the reset Love Meals offers to sign in again",
                s.find_one("push button", prefix="Sign In", timeout=15))
        s.check("and nobody is signed in",
                not s.find("push button", prefix="Sign Out", timeout=2) and
                not s.find("label", "You can claim one free meal a day", timeout=1))
    # The reset wipes the person, not the report: sent, or still queued.
    s.check("the station report is still there after the reset",
            server_reports(s, REPORT) == [(0,)] or
            any(REPORT in body for (body,) in
                cache_rows(s, "SELECT body FROM outbox WHERE kind = 'station-reports'")))

