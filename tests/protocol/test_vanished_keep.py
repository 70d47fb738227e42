"""The vanished history's bound (config vanished_keep, RFC 7162 §5.3): a
mailbox remembers its last N expunges; a QRESYNC client older than the
oldest remembered one gets every UID it names that is gone (§5.1),
narrowed by its seq-match-data (§3.2.5.2); a client inside the history
still gets exactly the expunges it missed; an open session that slept
through a trim still learns every expunge; the admin CLI reports the
floor."""
import re
import subprocess

import pytest

import rmtest

MSG = b"Subject: v\r\n\r\nbody\r\n"
KEEP = 4


def login(srv, user):
    c = srv.connect()
    c.greeting()
    c.ok("LOGIN %s pw" % user)
    return c


def append_n(c, n):
    tag = c.next_tag()
    parts = b"".join(b" {%d+}\r\n" % len(MSG) + MSG for _ in range(n))
    c.send(("%s APPEND INBOX" % tag).encode() + parts + b"\r\n")
    assert c.read_response(tag).status == "OK"


def state(r):
    text = b"\n".join(r.untagged + [r.tagged])
    uv = int(re.search(rb"UIDVALIDITY (\d+)", text).group(1))
    hms = int(re.search(rb"HIGHESTMODSEQ (\d+)", text).group(1))
    return uv, hms


def vanished(r):
    return [u for u in r.untagged if u.startswith(b"* VANISHED")]


def expunge_one_by_one(c, uids):
    for u in uids:
        c.ok("UID STORE %d +FLAGS.SILENT (\\Deleted)" % u)
        c.ok("UID EXPUNGE %d" % u)


def mailbox_fields(srv, user):
    out = subprocess.run([rmtest.RINGMAIL, "-d", srv.data_dir, "mailbox", "list", user],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out
    for line in out.stdout.splitlines():
        name, _, rest = line.partition("\t")
        if name == "INBOX":
            return dict(kv.split("=", 1) for kv in rest.split())
    raise AssertionError(out.stdout)


@pytest.fixture
def srv(make_server):
    return make_server(opts={"vanished_keep": str(KEEP)})


def test_old_client_gets_every_absent_uid(srv):
    user = srv.add_user()
    a = login(srv, user)
    append_n(a, 20)
    b = login(srv, user)
    b.ok("ENABLE QRESYNC")
    uv, old = state(b.ok("SELECT INBOX"))
    b.ok("LOGOUT")
    a.ok("SELECT INBOX")
    expunge_one_by_one(a, range(2, 10))          # 8 expunges: 4 are forgotten
    _, mid = state(a.ok("SELECT INBOX (CONDSTORE)"))
    expunge_one_by_one(a, [10, 11])
    a.ok("UID STORE 15 +FLAGS (\\Flagged)")
    f = mailbox_fields(srv, user)
    assert f["vanished"] == str(KEEP) and int(f["vanished_floor"]) > old, f
    assert int(f["vanished_floor"]) <= mid, f

    b = login(srv, user)
    b.ok("ENABLE QRESYNC")
    # Older than the floor: every UID of 1:20 that is gone, and not 21:25
    # (above UIDNEXT, never used).
    r = b.ok("SELECT INBOX (QRESYNC (%d %d 1:25))" % (uv, old))
    assert vanished(r) == [b"* VANISHED (EARLIER) 2:11"], r
    fetched = [u for u in r.untagged if b" FETCH " in u]
    assert any(b"UID 15 " in u and b"\\Flagged" in u for u in fetched), r
    # Only the UIDs the client names.
    b.ok("UNSELECT")
    r = b.ok("SELECT INBOX (QRESYNC (%d %d 5:8,12))" % (uv, old))
    assert vanished(r) == [b"* VANISHED (EARLIER) 5:8"], r
    # seq-match-data: messages 1 and 2 are UIDs 1 and 12, so the client
    # knows every expunge up to 12; a pair that does not match stops the
    # walk (RFC 7162 §3.2.5.2).
    b.ok("UNSELECT")
    r = b.ok("SELECT INBOX (QRESYNC (%d %d 1:20 (1:2 1,12)))" % (uv, old))
    assert vanished(r) == [], r
    b.ok("UNSELECT")
    r = b.ok("SELECT INBOX (QRESYNC (%d %d 1:20 (1:3 1,2,13)))" % (uv, old))
    assert vanished(r) == [b"* VANISHED (EARLIER) 2:11"], r
    # Inside the history: exactly the expunges after the client's MODSEQ.
    b.ok("UNSELECT")
    r = b.ok("SELECT INBOX (QRESYNC (%d %d 1:20))" % (uv, mid))
    assert vanished(r) == [b"* VANISHED (EARLIER) 10:11"], r
    # UID FETCH (VANISHED) falls back the same way.
    r = b.ok("UID FETCH 1:20 (FLAGS) (CHANGEDSINCE %d VANISHED)" % old)
    assert vanished(r) == [b"* VANISHED (EARLIER) 2:11"], r
    r = b.ok("UID FETCH 1:20 (FLAGS) (CHANGEDSINCE %d VANISHED)" % mid)
    assert vanished(r) == [b"* VANISHED (EARLIER) 10:11"], r
    # Gaps are reported as ranges, several of them, within the set named.
    expunge_one_by_one(a, [15, 17])
    b.ok("NOOP")   # B's own view learns of them ("* VANISHED 15,17")
    r = b.ok("UID FETCH 1:* (FLAGS) (CHANGEDSINCE %d VANISHED)" % old)
    assert vanished(r) == [b"* VANISHED (EARLIER) 2:11,15,17"], r
    r = b.ok("UID FETCH 3,9:16,18:20 (FLAGS) (CHANGEDSINCE %d VANISHED)" % old)
    assert vanished(r) == [b"* VANISHED (EARLIER) 3,9:11,15"], r
    b.ok("LOGOUT")
    a.ok("LOGOUT")


def test_open_sessions_learn_expunges_past_a_trim(srv):
    user = srv.add_user()
    a = login(srv, user)
    append_n(a, 20)
    q = login(srv, user)
    q.ok("ENABLE QRESYNC")
    q.ok("SELECT INBOX")
    p = login(srv, user)
    p.ok("SELECT INBOX")
    a.ok("SELECT INBOX")
    expunge_one_by_one(a, range(2, 12))          # 10 expunges, 6 forgotten
    assert int(mailbox_fields(srv, user)["vanished_floor"]) > 0
    r = q.ok("NOOP")
    assert vanished(r) == [b"* VANISHED 2:11"], r
    r = p.ok("NOOP")
    assert [u for u in r.untagged if u.endswith(b" EXPUNGE")] == \
        [b"* %d EXPUNGE" % s for s in range(11, 1, -1)], r
    # Both views now match the mailbox.
    for c in (q, p):
        r = c.ok("UID FETCH 1:* (UID)")
        uids = [int(re.search(rb"UID (\d+)", u).group(1)) for u in r.untagged]
        assert uids == [1] + list(range(12, 21)), r
        c.ok("LOGOUT")
    a.ok("LOGOUT")


def test_history_survives_restart_and_verify(srv):
    user = srv.add_user()
    a = login(srv, user)
    append_n(a, 12)
    a.ok("SELECT INBOX")
    expunge_one_by_one(a, range(1, 9))
    a.ok("LOGOUT")
    before = mailbox_fields(srv, user)
    assert srv.stop() == 0
    out = subprocess.run([rmtest.RINGMAIL, "-d", srv.data_dir, "verify"], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out
    # A rebuilt index keeps the same floor and history (the trim is logged).
    out = subprocess.run([rmtest.RINGMAIL, "-d", srv.data_dir, "reindex"], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out
    after = mailbox_fields(srv, user)
    assert {k: after[k] for k in ("vanished", "vanished_floor", "highestmodseq")} == \
        {k: before[k] for k in ("vanished", "vanished_floor", "highestmodseq")}
    srv.start()
