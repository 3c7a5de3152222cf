#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""End to end, as a person would: start `workers-home --demo` on a fresh home
directory, wait for the first sync through the progress page, then visit the
four services through their tabs and open a record in each.

Run by meson (suite "e2e") inside xvfb-run and dbus-run-session; prints TAP.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

APP = sys.argv[1]
results = []
# dogtail prints its own chatter on stdout; TAP gets a stream of its own.
TAP = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)
sys.stdout = sys.stderr


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


def main():
    home = tempfile.mkdtemp(prefix="wh-e2e-")
    child_env = dict(os.environ, HOME=home, GTK_A11Y="atspi", LANG="C.UTF-8",
                     XDG_DATA_HOME=os.path.join(home, "data"),
                     XDG_CACHE_HOME=os.path.join(home, "cache"))
    # dogtail checks a GNOME setting this private session does not have;
    # the variable satisfies its check and is not passed to the app.
    os.environ["GTK_MODULES"] = "gail:atk-bridge"
    from dogtail import config, tree
    config.config.logDebugToFile = False
    # GTK 4.8 does not report every mapped widget as "showing": search all.
    config.config.searchShowingOnly = False

    print("TAP version 13", file=TAP)
    app_proc = subprocess.Popen([APP, "--demo"], env=child_env)
    try:
        app = wait_for(lambda: tree.root.application("workers-home"), 60)
        if not check("the app shows up on the accessibility bus", app):
            return

        def synced():
            buttons = app.findChildren(lambda n: n.roleName == "push button" and
                                       n.name.startswith("Updated"), recursive=True)
            return buttons[0] if buttons else None

        status = wait_for(synced, 240)
        check("the first sync finishes and the status says when", status,
              "no 'Updated …' status after 240 s")

        for tab_name, probe, field in (("Courses", "lessons", "Teacher"), ("Jobs", "CNY", "Pay"),
                                       ("Stations", None, "Amenities"),
                                       ("Love Meals", "meals left today", "Serving")):
            tab = wait_for(lambda: app.findChildren(lambda n: n.roleName == "page tab" and
                                                    n.name == tab_name, recursive=True), 10)
            if not check(f"the {tab_name} tab is there", tab):
                continue
            tab[0].click()
            lists = wait_for(lambda: [l for l in app.findChildren(
                lambda n: n.roleName == "list" and n.name == f"{tab_name} list", recursive=True)], 10)
            if not check(f"{tab_name} shows its list", lists):
                continue
            items = wait_for(lambda: [i for i in lists[0].children if i.roleName == "list item"], 10)
            check(f"{tab_name} lists saved records", items and len(items) > 3,
                  f"{len(items or [])} items")
            if probe:
                labels = [n.name for n in lists[0].findChildren(lambda n: n.roleName == "label",
                                                                 recursive=True)]
                check(f"{tab_name} rows say what a worker needs ({probe})",
                      any(probe in l for l in labels), repr(labels[:4]))
            if items:
                items[0].click()
                details = wait_for(lambda: app.findChildren(
                    lambda n: n.roleName == "label" and n.name == field, recursive=True), 10)
                check(f"{tab_name} opens a record's details", details)
    finally:
        app_proc.terminate()
        try:
            app_proc.wait(10)
        except subprocess.TimeoutExpired:
            app_proc.kill()
        shutil.rmtree(home, ignore_errors=True)
        print(f"1..{len(results)}", file=TAP)
    sys.exit(0 if all(ok for _, ok, _ in results) else 1)


main()
