#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""End to end, as a person would: start `workers-home --demo` on a fresh home
directory, wait for the first sync through the progress page, then visit the
four services through their tabs and open a record in each.

Run by meson (suite "e2e") inside xvfb-run and dbus-run-session; prints TAP.
The setup shared by every end-to-end test is in whe2e.py.
"""
import whe2e

# The one end-to-end test that starts from a fresh home: the first sync.
with whe2e.Session("demo", synced=False) as s:
    s.wait_synced(240)

    for tab_name, probe, field in (("Courses", "lessons", "Teacher"), ("Jobs", "CNY", "Settlement"),
                                   ("Stations", None, "Amenities"),
                                   # Love Meals rows claim in place (tests/e2e/test-meals.py)
                                   ("Love Meals", "meals left today", None)):
        if not s.open_tab(tab_name):
            continue
        lst = s.find_one("list", f"{tab_name} list")
        if not s.check(f"{tab_name} shows its list", lst):
            continue
        items = s.list_items(f"{tab_name} list")
        s.check(f"{tab_name} lists saved records", len(items) > 3, f"{len(items)} items")
        if probe:
            labels = s.labels(lst)
            s.check(f"{tab_name} rows say what a worker needs ({probe})",
                    any(probe in l for l in labels), repr(labels[:4]))
        if items and field:
            items[0].click()
            details = s.find("label", field)
            s.check(f"{tab_name} opens a record's details", details)
