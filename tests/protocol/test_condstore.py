"""CONDSTORE and QRESYNC (RFC 7162): MODSEQ, conditional STORE, CHANGEDSINCE,
HIGHESTMODSEQ, VANISHED, the QRESYNC SELECT parameter, and a randomized
two-device sync that must always converge on the server's state."""
import random
import re
import signal
import time
import uuid

import pytest

import rmtest

MSG = b"Subject: m\r\n\r\nbody\r\n"


def login(server, user):
    c = server.connect()
    c.greeting()
    c.ok("LOGIN %s pw" % user)
    return c


def append_n(c, n, mailbox="INBOX"):
    tag = c.next_tag()
    parts = b"".join(b" {%d+}\r\n" % len(MSG) + MSG for _ in range(n))
    c.send(("%s APPEND %s" % (tag, mailbox)).encode() + parts + b"\r\n")
    assert c.read_response(tag).status == "OK"


def modseq_of(line):
    return int(re.search(rb"MODSEQ \((\d+)\)", line).group(1))


def highest(r):
    for u in r.untagged + [r.tagged]:
        m = re.search(rb"\[HIGHESTMODSEQ (\d+)\]", u)
        if m:
            return int(m.group(1))
    return None


def test_enable_and_select_condstore(server, user):
    c = login(server, user)
    r = c.ok("ENABLE CONDSTORE")
    assert r.untagged == [b"* ENABLED CONDSTORE"]
    append_n(c, 2)
    r = c.ok("SELECT INBOX")
    hms = highest(r)
    assert hms and hms >= 2
    r = c.ok("FETCH 1:2 (MODSEQ)")
    seqs = [modseq_of(u) for u in r.untagged]
    assert seqs[0] < seqs[1] <= hms
    c.close()


def test_select_condstore_parameter_enables(server, user):
    c = login(server, user)
    r = c.ok("SELECT INBOX (CONDSTORE)")
    assert highest(r) is not None
    append_n(c, 1)
    r = c.ok("STORE 1 +FLAGS (\\Seen)")
    assert b"MODSEQ (" in r.untagged[0]   # every untagged FETCH carries MODSEQ now


def test_first_enabling_command_reports_highestmodseq(server, user):
    c = login(server, user)
    append_n(c, 1)
    r = c.ok("SELECT INBOX")
    assert highest(r) is None
    r = c.ok("FETCH 1 (MODSEQ)")
    assert any(u.startswith(b"* OK [HIGHESTMODSEQ ") for u in r.untagged), r


def test_modseq_changes_only_when_flags_change(server, user):
    c = login(server, user)
    append_n(c, 1)
    c.ok("SELECT INBOX (CONDSTORE)")
    m0 = modseq_of(c.ok("FETCH 1 MODSEQ").untagged[0])
    m1 = modseq_of(c.ok("STORE 1 +FLAGS (\\Flagged)").untagged[0])
    assert m1 > m0
    r = c.ok("STORE 1 +FLAGS (\\Flagged)")   # no change: same MODSEQ
    assert modseq_of(r.untagged[0]) == m1
    m2 = modseq_of(c.ok("STORE 1 -FLAGS (\\Flagged)").untagged[0])
    assert m2 > m1


def test_unchangedsince(server, user):
    """RFC 7162 §3.1.3 examples: success with .SILENT still reports MODSEQ;
    failures are listed in [MODIFIED]; UNCHANGEDSINCE 0 always fails."""
    c = login(server, user)
    append_n(c, 3)
    c.ok("SELECT INBOX (CONDSTORE)")
    ms = [modseq_of(u) for u in c.ok("FETCH 1:3 MODSEQ").untagged]
    r = c.ok("STORE 1:3 (UNCHANGEDSINCE %d) +FLAGS.SILENT (\\Deleted)" % max(ms))
    assert len(r.untagged) == 3 and all(b"MODSEQ (" in u and b"FLAGS" not in u
                                        for u in r.untagged), r
    r = c.ok("UID STORE 1,2 (UNCHANGEDSINCE %d) -FLAGS.SILENT (\\Deleted)" % ms[0])
    assert "[MODIFIED 1:2]" in r.text or "[MODIFIED 1,2]" in r.text, r
    r = c.ok("STORE 3 (UNCHANGEDSINCE 0) +FLAGS.SILENT ($MDNSent)")
    assert "[MODIFIED 3]" in r.text
    r = c.ok("FETCH 3 FLAGS")
    assert b"$MDNSent" not in r.untagged[0]


def test_fetch_changedsince(server, user):
    c = login(server, user)
    append_n(c, 5)
    c.ok("SELECT INBOX (CONDSTORE)")
    base = highest(c.ok("NOOP")) or max(modseq_of(u) for u in c.ok("FETCH 1:* MODSEQ").untagged)
    c.ok("STORE 2 +FLAGS (\\Seen)")
    c.ok("STORE 4 +FLAGS (\\Answered)")
    r = c.ok("FETCH 1:* (FLAGS) (CHANGEDSINCE %d)" % base)
    got = sorted(int(u.split()[1]) for u in r.untagged)
    assert got == [2, 4]
    assert all(b"MODSEQ (" in u for u in r.untagged)


def test_qresync_reconnect_gets_exactly_the_changes(server, user):
    """Client A changes flags and expunges while B is offline; B reconnects
    with QRESYNC and receives exactly the changed flags and the VANISHED
    (EARLIER) set, nothing more."""
    a = login(server, user)
    append_n(a, 10)
    b = login(server, user)
    b.ok("ENABLE QRESYNC")
    r = b.ok("SELECT INBOX")
    uv = int(re.search(rb"UIDVALIDITY (\d+)", b"\n".join(r.untagged)).group(1))
    hms = highest(r)
    b.ok("LOGOUT")
    b.close()
    a.ok("SELECT INBOX")
    a.ok("UID STORE 2,5 +FLAGS (\\Flagged)")
    a.ok("UID STORE 3,7,8 +FLAGS.SILENT (\\Deleted)")
    a.ok("EXPUNGE")
    append_n(a, 1)   # UID 11: new, reported by EXISTS, not by the resync
    b = login(server, user)
    b.ok("ENABLE QRESYNC")
    r = b.ok("SELECT INBOX (QRESYNC (%d %d 1:10))" % (uv, hms))
    vanished = [u for u in r.untagged if u.startswith(b"* VANISHED")]
    assert vanished == [b"* VANISHED (EARLIER) 3,7:8"], r
    fetches = [u for u in r.untagged if b" FETCH " in u]
    assert len(fetches) == 2
    assert sorted(re.search(rb"UID (\d+)", u).group(1) for u in fetches) == [b"2", b"5"]
    assert all(b"\\Flagged" in u and b"MODSEQ (" in u for u in fetches)
    assert b"* 8 EXISTS" in r.untagged
    # Known UIDs narrow the report.
    b.ok("UNSELECT")
    r = b.ok("SELECT INBOX (QRESYNC (%d %d 1:4))" % (uv, hms))
    assert [u for u in r.untagged if u.startswith(b"* VANISHED")] == [b"* VANISHED (EARLIER) 3"]
    assert len([u for u in r.untagged if b" FETCH " in u]) == 1
    # A UIDVALIDITY that does not match: nothing reported.
    b.ok("UNSELECT")
    r = b.ok("SELECT INBOX (QRESYNC (%d %d))" % (uv + 1, hms))
    assert not [u for u in r.untagged if u.startswith(b"* VANISHED") or b" FETCH " in u]


def test_vanished_instead_of_expunge(server, user):
    a = login(server, user)
    append_n(a, 4)
    a.ok("ENABLE QRESYNC")
    a.ok("SELECT INBOX")
    a.ok("STORE 2:3 +FLAGS.SILENT (\\Deleted)")
    r = a.ok("EXPUNGE")
    # RECENT follows the changed count (IMAP4rev1, RFC 3501 §7.3.2).
    assert r.untagged == [b"* VANISHED 2:3", b"* 2 RECENT"], r
    assert highest(r) is not None   # RFC 7162 §3.2.7
    r = a.ok("UID FETCH 1:4 (FLAGS) (CHANGEDSINCE 1 VANISHED)")
    assert r.untagged[0] == b"* VANISHED (EARLIER) 2:3"
    assert all(b"UID" in u for u in r.untagged[1:])


def test_qresync_errors(server, user):
    c = login(server, user)
    r = c.cmd("SELECT INBOX (QRESYNC (1 1))")
    assert r.status == "BAD"   # not enabled
    c.ok("ENABLE QRESYNC")
    assert c.cmd("SELECT INBOX (QRESYNC (1))").status == "BAD"
    assert c.cmd("SELECT INBOX (QRESYNC (1 0))").status == "BAD"
    c.ok("SELECT INBOX")
    assert c.cmd("FETCH 1:* FLAGS (CHANGEDSINCE 1 VANISHED)").status == "BAD"
    assert c.cmd("UID FETCH 1:* FLAGS (VANISHED)").status == "BAD"


class Device:
    """A client cache that only ever resynchronizes with QRESYNC."""

    def __init__(self, server, user):
        self.server, self.user = server, user
        self.uv = None
        self.hms = None
        self.cache = {}   # uid -> frozenset(flags)

    def sync(self):
        c = login(self.server, self.user)
        c.ok("ENABLE QRESYNC")
        if self.uv is None:
            r = c.ok("SELECT INBOX")
        else:
            known = ",".join(str(u) for u in sorted(self.cache)) or "1"
            r = c.ok("SELECT INBOX (QRESYNC (%d %d %s))" % (self.uv, self.hms, known))
        self.uv = int(re.search(rb"UIDVALIDITY (\d+)", b"\n".join(r.untagged)).group(1))
        for u in r.untagged:
            if u.startswith(b"* VANISHED (EARLIER) "):
                for part in u.split()[3].split(b","):
                    lo, _, hi = part.partition(b":")
                    for uid in range(int(lo), int(hi or lo) + 1):
                        self.cache.pop(uid, None)
            elif b" FETCH " in u:
                uid = int(re.search(rb"UID (\d+)", u).group(1))
                flags = re.search(rb"FLAGS \(([^)]*)\)", u).group(1).decode().split()
                self.cache[uid] = frozenset(f for f in flags if f != "\\Recent")
        hms = highest(r)
        # New messages: everything above the highest cached UID.
        top = max(self.cache) if self.cache else 0
        r2 = c.ok("UID FETCH %d:* (FLAGS)" % (top + 1))
        for u in r2.untagged:
            uid = int(re.search(rb"UID (\d+)", u).group(1))
            if uid > top:
                flags = re.search(rb"FLAGS \(([^)]*)\)", u).group(1).decode().split()
                self.cache[uid] = frozenset(f for f in flags if f != "\\Recent")
        self.hms = hms
        return c


def server_truth(server, user):
    c = login(server, user)
    c.ok("EXAMINE INBOX")
    r = c.ok("UID FETCH 1:* (FLAGS)")
    c.close()
    truth = {}
    for u in r.untagged:
        uid = int(re.search(rb"UID (\d+)", u).group(1))
        flags = re.search(rb"FLAGS \(([^)]*)\)", u).group(1).decode().split()
        truth[uid] = frozenset(f for f in flags if f != "\\Recent")
    return truth


def test_randomized_two_device_sync(server, user):
    rng = random.Random(7162)
    seed = login(server, user)
    append_n(seed, 20)
    seed.close()
    devices = [Device(server, user), Device(server, user)]
    for d in devices:
        d.sync().close()
    flags = ["\\Seen", "\\Flagged", "\\Answered", "$Work", "$Later"]
    for rnd in range(25):
        d = rng.choice(devices)
        c = d.sync()
        for _ in range(rng.randrange(1, 6)):
            uids = sorted(d.cache)
            op = rng.random()
            if op < 0.45 and uids:
                pick = ",".join(str(u) for u in rng.sample(uids, min(len(uids), rng.randrange(1, 4))))
                sign = rng.choice("+-")
                c.ok("UID STORE %s %sFLAGS.SILENT (%s)" % (pick, sign, rng.choice(flags)))
            elif op < 0.65 and uids:
                c.ok("UID MOVE %d Archive" % rng.choice(uids))
            elif op < 0.8 and uids:
                u = rng.choice(uids)
                c.ok("UID STORE %d +FLAGS.SILENT (\\Deleted)" % u)
                c.ok("UID EXPUNGE %d" % u)
            else:
                append_n(c, rng.randrange(1, 3))
        c.ok("LOGOUT")
        c.close()
        # The other device (and this one) reconnect and must converge.
        truth = server_truth(server, user)
        for dev in devices:
            dev.sync().close()
            assert dev.cache == truth, "round %d: device diverged" % rnd
