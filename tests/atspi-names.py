#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Prints, one JSON list per line, the role, name and description of every
accessible object of the application with process id argv[1], as AT-SPI
(what a screen reader or dogtail) sees them. Used by tests/test-markup.c.
"""
import json
import os
import sys
import time

import gi

gi.require_version("Atspi", "2.0")
from gi.repository import Gio, GLib  # noqa: E402


def a11y_bus_address():
    """The accessibility bus of this D-Bus session, as GTK finds it. libatspi
    would look at the X root window first, where another session sharing
    the X server may have left its own."""
    bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
    reply = bus.call_sync("org.a11y.Bus", "/org/a11y/bus", "org.a11y.Bus", "GetAddress",
                          None, GLib.VariantType.new("(s)"), Gio.DBusCallFlags.NONE, 10000, None)
    return reply.unpack()[0]


os.environ["AT_SPI_BUS_ADDRESS"] = a11y_bus_address()
from gi.repository import Atspi  # noqa: E402

MAX_DEPTH = 80  # the window's tree is a few dozen deep; a loop must not hang us


def walk(node, depth, out):
    if node is None or depth > MAX_DEPTH:
        return
    try:
        out.append([node.get_role_name(), node.get_name() or "", node.get_description() or ""])
        n = node.get_child_count()
    except Exception:  # the tree changes under us: skip what went away
        return
    for i in range(n):
        try:
            child = node.get_child_at_index(i)
        except Exception:
            continue
        walk(child, depth + 1, out)


def find_app(pid):
    desktop = Atspi.get_desktop(0)
    desktop.clear_cache()
    for i in range(desktop.get_child_count()):
        app = desktop.get_child_at_index(i)
        if app is not None and app.get_process_id() == pid:
            return app
    return None


def main():
    pid = int(sys.argv[1])
    out = []
    # The application registers with the registry on its own time: wait.
    deadline = time.monotonic() + 20
    app = find_app(pid)
    while app is None and time.monotonic() < deadline:
        time.sleep(0.2)
        app = find_app(pid)
    walk(app, 0, out)
    for entry in out:
        print(json.dumps(entry, ensure_ascii=False))
    return 0 if out else 1


sys.exit(main())
