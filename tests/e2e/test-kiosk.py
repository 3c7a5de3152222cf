#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""End to end on the kiosk: `workers-home --demo --kiosk` with a 30 s idle
timeout. Home's tiles open a service on a category without typing; quit and
close keys do nothing; the keypad types into an entry for a phone number
(once a service has one); left alone, the kiosk counts down and starts over
with nothing of the last person on screen.

Run by meson (suite "e2e") inside xvfb-run and dbus-run-session; prints TAP.
"""
import os
import tempfile
import time

import whe2e
from dogtail import rawinput

# A short idle timeout (searching the accessibility tree takes seconds, so
# not the 15 s minimum), set through a keyfile settings backend of its own.
config = tempfile.mkdtemp(prefix="wh-e2e-kiosk-config-")
os.makedirs(os.path.join(config, "glib-2.0", "settings"))
with open(os.path.join(config, "glib-2.0", "settings", "keyfile"), "w") as f:
    f.write("[org/workershome/WorkersHome]\nkiosk-idle-timeout=uint32 30\n")

def tap(node):
    """A touch on the middle of node through the X server: a person's input,
    which the idle timer counts (dogtail's click() is an AT-SPI action,
    which it rightly does not)."""
    x, y = node.position
    w, h = node.size
    rawinput.click(x + w // 2, y + h // 2)


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


TILES = ("Courses by Trade", "Jobs by Category", "Nearest Stations", "Love Meals")

with whe2e.Session("kiosk", args=("--demo", "--kiosk"),
                   env={"GSETTINGS_BACKEND": "keyfile", "XDG_CONFIG_HOME": config}) as s:
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

    # The keypad: under the love meals' entry for a phone number.
    tap(s.find_one("push button", "Home"))
    tap(s.find_one("push button", "Love Meals"))
    phone = s.find_one("text", "Phone number", timeout=5)
    if phone is None:
        sign_in = s.find_one("push button", prefix="Sign In", timeout=5)
        if sign_in:
            tap(sign_in)
        phone = s.find_one("text", "Phone number", timeout=10)
    if s.check("love meals asks for a phone number", phone):
        tap(phone)
        keypad = s.find_one("grouping", "Keypad", timeout=5) or s.find_one("panel", "Keypad",
                                                                              timeout=1)
        if s.check("the keypad shows for a phone entry", keypad):
            # Its keys, named for a screen reader; typing with them is
            # checked in tests/test-kiosk.c (GTK 4.8 does not report an
            # entry's text over AT-SPI).
            names = {k.name for k in s.find("push button", root=keypad)}
            s.check("the keypad has named keys 0-9, Delete and OK",
                    set("0123456789") | {"Delete", "OK"} <= names, repr(sorted(names)))

    # Type something, then leave the kiosk alone: a countdown, then Home.
    s.open_tab("Jobs")
    # The jobs' own search: the one next to the jobs list.
    node, search = s.find_one("list", "Jobs list"), []
    while node is not None and not search:
        search = node.findChildren(lambda n: n.roleName == "entry" and n.name == "Search",
                                   recursive=True)
        node = node.parent
    if s.check("the jobs have a search", search):
        tap(search[0])
        rawinput.typeText("dian")
    started = time.monotonic()
    # The warning comes 10 s before the 30 s timeout.
    shown = whe2e.wait_for(lambda: countdown_shown(s), 28, step=0.3)
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
