#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""End to end, the skills courses as a worker uses them: start
`workers-home --demo` on a fresh home, wait for the first sync, open a
course, read its first lesson and mark it complete, then answer a practice
question and see the feedback (marked in words, not only in colour), leave
a timed quiz only after saying so, find a trade's courses by the name
the trade list shows (#17), and in My Practice answer a question wrong, see
it in the mistakes, review it there, and see the day's streak (#20).

Run by meson (suite "e2e") inside xvfb-run and dbus-run-session; prints TAP
(tests/e2e/whe2e.py).
"""
import whe2e


def main():
    from dogtail import rawinput

    with whe2e.Session("courses") as s:
        s.wait_synced()
        items = s.list_items("Courses list", timeout=20)
        s.check("the catalogue lists courses", len(items) > 3, f"{len(items)} rows")
        if not items:
            return
        items[0].click()

        start = s.find_one("push button", "Start Learning", timeout=30)
        if not s.check("a course opens with its lessons and Start Learning", start):
            return
        s.check("the course page offers Save for Offline",
                s.find_one("label", "Save for Offline", timeout=5))
        start.click()

        complete = s.find_one("push button", "Mark as Complete", timeout=30)
        if not s.check("the first lesson opens in the reader", complete):
            return
        s.check("the lesson's Markdown is rendered as text",
                whe2e.wait_for(lambda: {"要点", "小结"} & set(s.labels()), 30))
        complete.click()
        s.check("Mark as Complete moves on to the next lesson",
                s.find_one("label", prefix="2 / ", timeout=30))

        # Alt+Left is Back, as everywhere in the app.
        rawinput.keyCombo("<Alt>Left")
        practice = s.find_one("push button", "Practice", timeout=30)
        if not s.check("back on the course page", practice):
            return
        s.check("the course page shows the lesson completed",
                whe2e.wait_for(lambda: [l for l in s.labels() if "Completed" in l], 30))
        practice.click()

        if not s.check("the practice page offers practice and a timed quiz",
                       s.find_one("label", "Timed Quiz", timeout=30)):
            return
        # The practice row has the focus: Enter starts.
        rawinput.pressKey("Return")
        options = whe2e.wait_for(lambda: s.find("check box", timeout=0) +
                                 s.find("radio button", timeout=0), 30)
        if not s.check("a question shows its options", options):
            return
        options[0].click()
        check_button = s.find_one("push button", "Check Answer", timeout=5)
        if check_button:
            check_button.click()
        s.check("answering gives immediate feedback",
                whe2e.wait_for(lambda: [l for l in s.labels()
                                        if l == "Correct" or l.startswith("Not quite")], 30))
        s.check("the right option says so in words, not only in colour",
                whe2e.wait_for(lambda: [o for o in s.find("check box", timeout=0) +
                                        s.find("radio button", timeout=0)
                                        if "Right answer" in o.name], 30))

        # A timed quiz is left only after saying so.
        rawinput.keyCombo("<Alt>Left")
        practice = s.find_one("push button", "Practice", timeout=30)
        if not s.check("Back leaves a practice round at once", practice):
            return
        practice.click()
        quiz = s.find_one("label", "Timed Quiz", timeout=30)
        if not s.check("the practice page again", quiz):
            return
        quiz.click()
        if not s.check("the timed quiz starts",
                       s.find_one("label", prefix="Question 1 of", timeout=30)):
            return
        rawinput.pressKey("Escape")
        s.check("Escape in a timed quiz asks first",
                s.find_one("label", "Leave the Quiz?", timeout=30))
        # Enter: the default, keep going.
        rawinput.pressKey("Return")
        s.check("keeping on leaves the quiz running",
                whe2e.wait_for(lambda: "Leave the Quiz?" not in s.labels() and
                               [l for l in s.labels() if l.startswith("Question 1 of")], 30))
        rawinput.keyCombo("<Alt>Left")
        leave = whe2e.wait_for(lambda: [b for b in s.find("push button", timeout=0)
                                        if "Leave" in b.name], 30)
        if not s.check("Alt+Left asks too, with Leave", leave):
            return
        leave[0].click()
        if not s.check("Leave goes back to the course",
                       s.find_one("push button", "Start Learning", timeout=30) or
                       s.find_one("push button", "Continue Learning", timeout=30)):
            return

        # The trade list says 焊接, the courses' trade is 焊工: the search
        # finds them by either name.
        rawinput.keyCombo("<Alt>Left")
        node, found = s.find_one("list", "Courses list", timeout=30), []
        while node is not None and not found:
            found = s.find("entry", "Search", root=node, timeout=0)
            node = node.parent
        if s.check("the catalogue has a search entry", found):
            found[0].click()
            rawinput.typeText("焊接")
            s.check("searching 焊接 finds the trade's courses (trade 焊工)",
                    whe2e.wait_for(lambda: (lambda n: n if n >= 4 else None)(
                        len(s.list_items("Courses list", timeout=5))), 30))

        # My Practice (#20): a wrong answer goes into the mistakes, is
        # reviewed there, and the day's streak shows.
        practise_mistakes(s, rawinput)


def answered_options(s):
    """The options' names once the answer is checked (each right one says
    "Right answer", a wrong choice "Your choice, wrong"), else []."""
    names = [o.name for o in s.find("check box", timeout=0) + s.find("radio button", timeout=0)]
    return names if any("Right answer" in n for n in names) else []


def answer_until_wrong(s, rawinput):
    """Answers the set's questions until one is wrong (all the boxes of a
    multiple-choice question, another option each time for one choice);
    True once one was."""
    for i in range(10):
        if not s.find_one("label", prefix=f"Question {i + 1} of", timeout=30):
            return False
        boxes = s.find("check box", timeout=0)
        radios = s.find("radio button", timeout=0)
        if boxes:
            for b in boxes:
                b.click()
        elif radios:
            radios[i % len(radios)].click()
        check = s.find_one("push button", "Check Answer", timeout=10)
        if check is None:
            return False
        check.click()
        names = whe2e.wait_for(lambda: answered_options(s), 30)
        if not names:
            return False
        if any("Your choice, wrong" in n for n in names):
            return True
        rawinput.pressKey("Return")  # Next Question has the focus
    return False


def practise_mistakes(s, rawinput):
    entry = s.find_one("push button", prefix="My Practice", timeout=30)
    if not s.check("the catalogue offers My Practice", entry):
        return
    entry.click()
    if not s.check("My Practice offers Today's Practice, Review Mistakes and Due Reviews",
                   s.find_one("label", "Today’s Practice", timeout=30) and
                   s.find_one("label", "Review Mistakes", timeout=5) and
                   s.find_one("label", "Due Reviews", timeout=5)):
        return
    # Today's Practice has the focus: Enter starts it.
    rawinput.pressKey("Return")
    if not s.check("a wrong answer in Today's Practice", answer_until_wrong(s, rawinput)):
        return
    rawinput.keyCombo("<Alt>Left")
    s.check("the question is in the mistakes",
            whe2e.wait_for(lambda: [l for l in s.labels() if l.endswith("to go over")], 30))
    mistakes = s.find_one("label", "Review Mistakes", timeout=30)
    if not s.check("back in My Practice", mistakes):
        return
    mistakes.click()
    if not s.check("Review Mistakes practises the mistakes",
                   s.find_one("label", prefix="Question 1 of", timeout=30)):
        return
    options = whe2e.wait_for(lambda: s.find("check box", timeout=0) +
                             s.find("radio button", timeout=0), 30)
    if not s.check("a mistake shows its options", options):
        return
    options[0].click()
    check = s.find_one("push button", "Check Answer", timeout=10)
    if check:
        check.click()
    s.check("a mistake reviewed gets its feedback",
            whe2e.wait_for(lambda: answered_options(s), 30))
    rawinput.keyCombo("<Alt>Left")
    s.check("My Practice shows the day's streak",
            s.find_one("label", "1 Day in a Row", timeout=30))


main()
