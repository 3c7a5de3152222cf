#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The whole app from the keyboard, as a worker without a mouse would use it:
Alt+1…4 switch services, Ctrl+F reaches each service's search, and Tab walks
on through every control, out of long lists too, each with a name a screen
reader can say. Keys go through the X server (XTest), as a person's would.

Run by meson (suite "e2e"); the shared setup is in whe2e.py.
"""
import whe2e
from dogtail import rawinput

TABS = ("Courses", "Jobs", "Stations", "Love Meals")
WALK = 16


def focused(s):
    return s.focused()


def moved(s, before):
    """The focused node once it is another than before."""
    node = s.focused()
    if node is not None and (before is None or node.path != before.path):
        return node
    return None


def in_list(node, list_name):
    while node is not None:
        if node.roleName == "list" and node.name == list_name:
            return True
        node = node.parent
    return False


def spoken_name(node):
    """What a screen reader says for a focused node: its name, or for a row
    of a list (GTK 4.8 cannot name list rows) the text inside it."""
    if node.name:
        return node.name
    if node.roleName in ("list item", "table cell", "tree item"):
        texts = [c.name for c in node.findChildren(lambda n: n.roleName == "label" and n.name,
                                                   recursive=True)]
        return " ".join(texts)
    return ""


def describe(node):
    return f"{node.roleName} {spoken_name(node)!r}" if node else "nothing"


with whe2e.Session("keyboard") as s:
    s.wait_synced(240)
    app = s.app

    for i, tab_name in enumerate(TABS, 1):
        rawinput.keyCombo(f"<Alt>{i}")
        # Shown once its tab is selected.
        whe2e.wait_for(lambda: [t for t in s.find("page tab", tab_name, timeout=0)
                                if t.selected], 10)
        rawinput.keyCombo("<Control>f")
        entry = whe2e.wait_for(lambda: (lambda f: f if f and f.roleName in ("entry", "text")
                                        else None)(focused(s)), 5)
        s.check(f"Ctrl+F in {tab_name} puts the cursor in a named search entry",
                entry and spoken_name(entry), describe(entry))

        seen = []
        unnamed = []
        lost = 0
        shown = False
        node = entry
        for _ in range(WALK):
            before = node
            rawinput.pressKey("Tab")
            # The focus moves on; a Tab that keeps it where it was is seen
            # after 3 s as landing there.
            node = (whe2e.wait_for(lambda: moved(s, before), 3, step=0.1) or
                    whe2e.wait_for(lambda: focused(s), 3, step=0.2))
            if node is None:
                lost += 1
                continue
            seen.append(describe(node))
            shown = shown or in_list(node, f"{tab_name} list")
            if not spoken_name(node):
                unnamed.append(describe(node))
        s.diag(f"{tab_name} Tab walk: " + " → ".join(seen))
        s.check(f"Alt+{i} shows {tab_name}: Tab reaches its list", shown)
        s.check(f"Tab in {tab_name} always lands on something", lost == 0, f"{lost} times nothing")
        s.check(f"every control Tab reaches in {tab_name} has a name", not unnamed,
                ", ".join(sorted(set(unnamed))))
        # A row that holds its own button (Claim) is a stop on the way to
        # that button; bare rows one after another are a list Tab is stuck in.
        bare_rows = [d for d, nxt in zip(seen, seen[1:] + [""])
                     if d.startswith("list item") and not nxt.startswith("push button")]
        others = [d for d in seen if not d.startswith("list item")]
        s.check(f"Tab leaves the {tab_name} list instead of walking its rows",
                len(bare_rows) <= 2 and len(set(others)) >= 3,
                f"{len(bare_rows)} bare rows and {len(set(others))} other controls in {WALK} presses")
