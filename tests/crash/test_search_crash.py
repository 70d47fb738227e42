"""kill -9 while messages are delivered: after the restart, SEARCH (index
path) finds every message whose APPEND was acknowledged, by a word only
that message has; the scan path agrees."""
import os
import random
import signal
import sys
import threading
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import rmtest  # noqa: E402


def appender(srv, user, acked, stop, seed):
    rng = random.Random(seed)
    try:
        c = srv.connect(timeout=5)
        c.greeting()
        c.ok("LOGIN %s pw" % user)
        n = 0
        while not stop.is_set():
            n += 1
            word = "tok%s%dq%d" % (user, seed, n)
            body = ("Subject: s %d\r\n\r\nfiller %s text %s\r\n" %
                    (n, "x" * rng.randrange(10, 2000), word)).encode()
            tag = c.next_tag()
            c.send(("%s APPEND INBOX {%d+}\r\n" % (tag, len(body))).encode() + body + b"\r\n")
            r = c.read_response(tag)
            if r.status == "OK":
                acked.append(word)
    except (EOFError, OSError, AssertionError, ConnectionError):
        return


def found(srv, user, words):
    c = srv.login(user, "pw")
    c.ok("EXAMINE INBOX")
    missing = []
    for w in words:
        r = c.cmd("SEARCH BODY %s" % w)
        if r.status != "OK" or not r.find("SEARCH")[0].split()[2:]:
            missing.append(w)
    c.ok("LOGOUT")
    c.close()
    return missing


@pytest.mark.release_only
def test_search_finds_acknowledged_after_kill9(make_server):
    users = {"s%d" % i: "{PLAIN}pw" for i in range(3)}
    srv = make_server(users=users)
    acked = {u: [] for u in users}
    for cycle in range(4):
        stop = threading.Event()
        ts = [threading.Thread(target=appender, args=(srv, u, acked[u], stop, cycle), daemon=True)
              for u in users]
        for t in ts:
            t.start()
        time.sleep(0.3 + 0.2 * cycle)
        srv.proc.send_signal(signal.SIGKILL)
        srv.proc.wait()
        srv.log_file.close()
        stop.set()
        for t in ts:
            t.join(10)
        srv.start()
        for u in users:
            assert found(srv, u, acked[u]) == [], "acknowledged messages not found"
    assert sum(len(v) for v in acked.values()) > 20
    srv.stop()
    # The scan path, on the same data, agrees.
    os.environ["RINGMAIL_SEARCH_PATH"] = "scan"
    try:
        srv.start()
        u = sorted(users)[0]
        assert found(srv, u, acked[u][-20:]) == []
    finally:
        del os.environ["RINGMAIL_SEARCH_PATH"]
