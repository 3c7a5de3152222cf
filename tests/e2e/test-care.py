#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""End to end, care mode (关怀模式) and reading aloud: turn care mode on in
Preferences, see Home become four big buttons, open a course's first lesson
from there and start reading it aloud. speech-dispatcher is the test's own:
a unix socket that speaks SSIP as speech-dispatcher 0.11 does and records
what the app sends; the test checks the lesson's text arrived as SSML with
an index mark before each sentence, sends marks back as speech-dispatcher
would while reading, and checks pause and stop reach it.

Run by meson (suite "e2e") inside xvfb-run and dbus-run-session; prints TAP
(tests/e2e/whe2e.py).
"""
import os
import re
import socket
import tempfile
import threading

import whe2e

CLIENT_ID = 3


class FakeSpeechd:
    """speech-dispatcher's side of SSIP, enough for libspeechd: every
    command recorded, each SPEAK's data kept, notifications sent on demand."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="wh-e2e-speechd-")
        self.path = os.path.join(self.dir, "speechd.sock")
        self.commands = []
        self.messages = []
        self.lock = threading.Lock()
        self.conn = None
        self.next_id = 40
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(self.path)
        self.server.listen(4)
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _send(self, conn, text):
        with self.lock:
            conn.sendall(text.encode())

    def _serve(self, conn):
        with self.lock:
            self.conn = conn
        stream = conn.makefile("rb")
        while True:
            line = stream.readline()
            if not line:
                return
            line = line.decode().rstrip("\r\n")
            with self.lock:
                self.commands.append(line)
            if line.startswith("SET SELF CLIENT_NAME"):
                self._send(conn, "208 OK CLIENT NAME SET\r\n")
            elif line == "HISTORY GET CLIENT_ID":
                self._send(conn, f"249-{CLIENT_ID}\r\n249 OK CLIENT ID SENT\r\n")
            elif line.upper() == "SPEAK":
                self._send(conn, "230 OK RECEIVING DATA\r\n")
                data = []
                while True:
                    part = stream.readline().decode().rstrip("\r\n")
                    if part == ".":
                        break
                    data.append(part[1:] if part.startswith("..") else part)
                with self.lock:
                    msg_id = self.next_id
                    self.next_id += 1
                    self.messages.append((msg_id, "\n".join(data).strip()))
                self._send(conn, f"225-{msg_id}\r\n225 OK MESSAGE QUEUED\r\n")
            elif line == "QUIT":
                self._send(conn, "231 HAPPY HACKING\r\n")
                return
            else:
                self._send(conn, "200 OK\r\n")

    def mark(self, msg_id, name):
        self._send(self.conn, f"700-{msg_id}\r\n700-{CLIENT_ID}\r\n700-{name}\r\n"
                              "700 INDEX MARK\r\n")

    def count(self, command):
        with self.lock:
            return sum(1 for c in self.commands if c.upper() == command.upper())

    def close(self):
        self.server.close()
        try:
            os.unlink(self.path)
            os.rmdir(self.dir)
        except OSError:
            pass


def main():
    from dogtail import rawinput

    speechd = FakeSpeechd()
    env = {"SPEECHD_ADDRESS": f"unix_socket:{speechd.path}", "SPEECHD_CMD": "/bin/false"}
    try:
        with whe2e.Session("care", env=env) as s:
            s.wait_synced()
            rawinput.keyCombo("<Control>comma")
            # The Preferences window's switch is the last: Home's own two,
            # hidden on a desktop until care mode is on, come first.
            def care_switches():
                # GTK 4.8 shows a switch to AT-SPI as a check box.
                found = s._search(lambda role, name: name == "Care Mode" and
                                  role == "check box", None)
                return found or None
            switches = whe2e.wait_for(care_switches, 30)
            if not s.check("Preferences offer Care Mode", switches):
                return
            switches[-1].click()
            rawinput.pressKey("Escape")

            courses = s.find_one("push button", "Courses", timeout=30)
            s.check("care mode's Home has four big buttons",
                    courses and all(s.find_one("push button", n, timeout=5)
                                    for n in ("Jobs", "Stations", "Love Meals")))
            s.check("Read Aloud is under the header on every page",
                    s.find_one("push button", "Read Aloud", timeout=10))
            if not courses:
                return
            courses.click()
            items = s.list_items("Courses list", timeout=30)
            if not s.check("the courses open from Home", items):
                return
            items[0].click()
            start = s.find_one("push button", "Start Learning", timeout=30)
            if not s.check("a course opens", start):
                return
            start.click()
            if not s.check("the first lesson opens",
                           s.find_one("push button", "Mark as Complete", timeout=30)):
                return
            # The care bar's Read Aloud reads the lesson; the lesson's own
            # steps aside in care mode: one Read Aloud on screen, not two.
            reads = whe2e.wait_for(lambda: [b for b in s.find("push button", "Read Aloud",
                                                              timeout=0)
                                            if b.sensitive] or None, 30) or []
            if not s.check("the lesson offers Read Aloud, connected to speech-dispatcher",
                           reads, f"{len(reads)} sensitive"):
                return
            # Pages' own (a job's, a station's, the lesson's, hidden) may be in
            # the tree too, with no size (GTK 4.8 reports no "showing" state).
            shown = [b for b in reads if b.size[0] > 0 and b.size[1] > 0]
            s.check("one Read Aloud on screen, the care bar's", len(shown) == 1,
                    f"{len(reads)} Read Aloud buttons, {len(shown)} with a size")
            (shown or reads)[0].click()
            sent = whe2e.wait_for(lambda: speechd.messages[:], 30)
            if not s.check("speech-dispatcher receives the lesson", sent):
                return
            msg_id, ssml = sent[0]
            marks = re.findall(r'<mark name="(\d+\.\d+)"/>', ssml)
            s.diag(f"SSML: {ssml[:300]}")
            s.check("as SSML with an index mark before each sentence",
                    ssml.startswith("<speak><mark name=") and ssml.endswith("</speak>") and
                    len(marks) >= 3, f"{len(marks)} marks")
            s.check("in Mandarin, with index marks reported",
                    speechd.count("SET SELF LANGUAGE zh") == 1 and
                    speechd.count("SET SELF SSML_MODE on") == 1 and
                    speechd.count("SET SELF NOTIFICATION index_marks on") == 1)
            s.check("the lesson's own words are read", "要点" in ssml or "小结" in ssml)
            pause = s.find_one("push button", "Pause", timeout=10)
            s.check("reading: the button offers Pause", pause)
            # speech-dispatcher reaches the third sentence: still reading.
            speechd.mark(msg_id, marks[2])
            if pause:
                pause.click()
                s.check("Pause reaches speech-dispatcher",
                        whe2e.wait_for(lambda: speechd.count("PAUSE SELF") == 1, 20))
            stop = s.find_one("push button", "Stop Reading", timeout=10)
            cancels = speechd.count("CANCEL SELF")
            if s.check("Stop Reading is offered while reading", stop):
                stop.click()
                s.check("Stop cancels the speech",
                        whe2e.wait_for(lambda: speechd.count("CANCEL SELF") > cancels, 20))
                s.check("and Read Aloud is offered again",
                        s.find_one("push button", "Read Aloud", timeout=10))
    finally:
        speechd.close()


if __name__ == "__main__":
    main()
