#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""End to end, the skills courses as a worker uses them: start
`workers-home --demo` on a fresh home, wait for the first sync, open a
course, read its first lesson and mark it complete, then answer a practice
question and see the feedback.

Run by meson (suite "e2e") inside xvfb-run and dbus-run-session; prints TAP.
WH_E2E_SHOTS=DIR also saves a screenshot of each step there.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

APP = sys.argv[1]
SHOTS = os.environ.get("WH_E2E_SHOTS")
results = []
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


def shot(name):
    if SHOTS:
        time.sleep(1)
        subprocess.run(["import", "-window", "root", os.path.join(SHOTS, name + ".png")],
                       check=False)


def main():
    home = tempfile.mkdtemp(prefix="wh-e2e-courses-")
    child_env = dict(os.environ, HOME=home, GTK_A11Y="atspi",
                     LANG=os.environ.get("WH_E2E_LANG", "C.UTF-8"),
                     XDG_DATA_HOME=os.path.join(home, "data"),
                     XDG_CACHE_HOME=os.path.join(home, "cache"))
    if "WH_E2E_LANG" in os.environ:
        child_env["LC_ALL"] = os.environ["WH_E2E_LANG"]
    os.environ["GTK_MODULES"] = "gail:atk-bridge"
    from dogtail import config, tree
    config.config.logDebugToFile = False
    config.config.searchShowingOnly = False

    def find(role, name=None, root=None, contains=None):
        return (root or app).findChildren(
            lambda n: n.roleName == role and (name is None or n.name == name) and
            (contains is None or contains in n.name), recursive=True)

    print("TAP version 13", file=TAP)
    app_proc = subprocess.Popen([APP, "--demo"], env=child_env)
    app = None
    try:
        app = wait_for(lambda: tree.root.application("workers-home"), 60)
        if not check("the app shows up on the accessibility bus", app):
            return
        status = wait_for(lambda: [b for b in find("push button") if b.name.startswith("Updated")
                                   or b.name.startswith("已") or b.name.startswith("刚刚")], 240)
        check("the first sync finishes", status)

        lists = wait_for(lambda: find("list", "Courses list") or find("list", "课程列表"), 20)
        if not check("the catalogue shows its list", lists):
            return
        items = wait_for(lambda: [i for i in lists[0].children if i.roleName == "list item"], 20)
        check("the catalogue lists courses", items and len(items) > 3)
        shot("1-catalogue")
        items[0].click()

        start = wait_for(lambda: find("push button", "Start Learning") or
                         find("push button", "开始学习"), 30)
        if not check("a course opens with its lessons and Start Learning", start):
            return
        check("the course page offers Save for Offline",
              wait_for(lambda: find("label", "Save for Offline") or find("label", "离线保存"), 5))
        shot("2-course")
        start[0].click()

        complete = wait_for(lambda: find("push button", "Mark as Complete") or
                            find("push button", "标记为已学完"), 30)
        if not check("the first lesson opens in the reader", complete):
            return
        headings = wait_for(lambda: [l for l in find("label") if l.name in ("要点", "小结")], 30)
        check("the lesson's Markdown is rendered as text", headings)
        shot("3-lesson")
        complete[0].click()
        counter = wait_for(lambda: [l for l in find("label") if l.name.startswith("2 / ")], 30)
        check("Mark as Complete moves on to the next lesson", counter)

        # Alt+Left is Back, as everywhere in the app.
        from dogtail import rawinput
        rawinput.keyCombo("<Alt>Left")
        practice = wait_for(lambda: find("push button", "Practice") or
                            find("push button", "练习"), 30)
        if not check("back on the course page", practice):
            return
        done = wait_for(lambda: [l for l in find("label") if "Completed" in l.name or
                                 "已学完" in l.name], 30)
        check("the course page shows the lesson completed", done)
        practice[0].click()

        row = wait_for(lambda: find("label", "Timed Quiz") or find("label", "限时测验"), 30)
        if not check("the practice page offers practice and a timed quiz", row):
            return
        shot("4-practice-start")
        # The practice row has the focus: Enter starts.
        rawinput.pressKey("Return")
        options = wait_for(lambda: find("check box") + find("radio button"), 30)
        if not check("a question shows its options", options):
            return
        options[0].click()
        check_button = wait_for(lambda: find("push button", "Check Answer") or
                                find("push button", "提交答案"), 5)
        if check_button:
            check_button[0].click()
        verdict = wait_for(lambda: [l for l in find("label") if l.name == "Correct" or
                                    l.name.startswith("Not quite") or l.name == "回答正确" or
                                    l.name.startswith("回答错误")], 30)
        check("answering gives immediate feedback", verdict)
        shot("5-question")
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
