"""kill -9 under IMAP load: clients APPEND and STORE through real sockets
while the server is killed with SIGKILL at random moments; after each
restart every message and flag whose tagged OK a client received is there,
byte for byte.

Each client works in its own user's INBOX so the expected state of a
mailbox follows from its own acknowledgements alone.  STORE only adds a
keyword unique to that STORE, so an acknowledged keyword must be present
and an unacknowledged (in flight at the kill) one may or may not be.
"""
import os
import random
import signal
import sys
import threading
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import rmtest  # noqa: E402

CLIENTS = 4
CYCLES = int(os.environ.get("RINGMAIL_CRASH_CYCLES", "12"))


class Worker(threading.Thread):
    def __init__(self, srv, user, acked, seed):
        super().__init__(daemon=True)
        self.srv = srv
        self.user = user
        self.acked = acked          # uid -> [body, set(keywords)]
        self.rng = random.Random(seed)
        self.stop = False
        self.appended = 0

    def run(self):
        try:
            c = self.srv.connect(timeout=5)
            c.greeting()
            c.ok("LOGIN %s pw" % self.user)
            c.ok("SELECT INBOX")
            n = 0
            while not self.stop:
                n += 1
                if self.acked and self.rng.random() < 0.4:
                    uid = self.rng.choice(list(self.acked))
                    kw = "k%d_%d" % (os.getpid(), self.rng.randrange(1 << 30))
                    r = c.cmd("UID STORE %d +FLAGS.SILENT (%s)" % (uid, kw))
                    if r.status == "OK":
                        self.acked[uid][1].add(kw)
                    continue
                size = self.rng.choice([200, 2000, 20000, 200000])
                body = (b"Subject: crash %s %d\r\n\r\n" % (self.user.encode(), n) +
                        bytes(self.rng.randrange(32, 127) for _ in range(64)) * (size // 64))
                tag = c.next_tag()
                c.send(("%s APPEND INBOX {%d+}\r\n" % (tag, len(body))).encode() + body + b"\r\n")
                r = c.read_response(tag)
                if r.status == "OK":
                    uid = int(r.text.split("APPENDUID ")[1].split()[1].rstrip("]"))
                    self.acked[uid] = [body, set()]
                    self.appended += 1
        except (EOFError, OSError, AssertionError, ConnectionError):
            return


def verify(srv, user, acked):
    c = srv.connect(timeout=30)
    c.greeting()
    c.ok("LOGIN %s pw" % user)
    c.ok("EXAMINE INBOX")
    for uid, (body, kws) in acked.items():
        r = c.cmd("UID FETCH %d (FLAGS BODY.PEEK[])" % uid)
        assert r.status == "OK" and len(r.untagged) == 1, \
            "acknowledged UID %d of %s missing: %r" % (uid, user, r)
        line = r.untagged[0]
        assert line.endswith(b"BODY[] {%d}\r\n" % len(body) + body + b")"), \
            "UID %d of %s differs" % (uid, user)
        flags = line.split(b"FLAGS (")[1].split(b")")[0].decode().split()
        missing = kws - set(flags)
        assert not missing, "acknowledged keywords %s lost on UID %d" % (missing, uid)
    c.ok("LOGOUT")
    c.close()


@pytest.mark.release_only
def test_kill9_under_imap_load(make_server):
    users = {"crash%d" % i: "{PLAIN}pw" for i in range(CLIENTS)}
    srv = make_server(users=users)
    acked = {u: {} for u in users}
    rng = random.Random(1234)
    total_acked = 0
    for cycle in range(CYCLES):
        workers = [Worker(srv, u, acked[u], rng.random()) for u in users]
        for w in workers:
            w.start()
        time.sleep(rng.uniform(0.2, 1.2))
        srv.proc.send_signal(signal.SIGKILL)
        srv.proc.wait()
        srv.log_file.close()
        for w in workers:
            w.stop = True
            w.join(10)
        total_acked += sum(w.appended for w in workers)
        srv.start()
        for u in users:
            verify(srv, u, acked[u])
    assert total_acked > CYCLES, "the load never got going (%d acknowledged)" % total_acked
    assert "partition_recovered" in srv.log()
