"""A full disk: the data directory on a small tmpfs fills up under APPEND.
The APPEND that cannot be written gets NO [UNAVAILABLE] (a temporary
condition of the server, RFC 5530 §3), the session and the server go on
(reads still work, nothing crashes), and after space is added and the
server restarted every acknowledged message is there byte for byte and
APPEND works again.  Needs root to mount a tmpfs; skipped otherwise."""
import os
import re
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import rmtest  # noqa: E402

pytestmark = pytest.mark.release_only


@pytest.fixture
def small_fs(tmp_path):
    mnt = tmp_path / "fs"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(mnt)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip("cannot mount a tmpfs here: %s" % r.stderr.strip())
    yield str(mnt)
    subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def append(c, body):
    tag = c.next_tag()
    c.send("%s APPEND INBOX {%d+}\r\n" % (tag, len(body)))
    c.send(body + b"\r\n")
    return c.read_response(tag)


def test_full_disk_refuses_then_recovers(small_fs, cert):
    srv = rmtest.Server(os.path.join(small_fs, "srv"), cert=cert)
    srv.start()
    try:
        c = srv.login("alice", "wonderland")
        acked = []
        refused = None
        for i in range(200):
            body = b"Subject: m%d\r\n\r\n" % i + (b"%06d" % i) * 40000 + b"\r\n"
            r = append(c, body)
            if r.status != "OK":
                refused = r
                break
            acked.append(body)
        assert refused is not None, "the 24 MiB file system never filled"
        assert 5 < len(acked) < 200
        assert refused.status == "NO" and refused.text.startswith("[UNAVAILABLE]"), refused
        # The session and the server go on; what is stored reads back.
        c.ok("NOOP")
        c.ok("SELECT INBOX")
        r = c.ok("UID FETCH 1 (BODY.PEEK[])")
        assert acked[0] in r.untagged[0]
        assert append(c, b"Subject: again\r\n\r\nx\r\n").status == "NO"
        # A full disk reads as ENOSPC (28) in the log, whether the write
        # failed or came back short.
        assert re.search(r"event=log_write_failed .*errno=28 .*action=read_only", srv.log())
        c.close()
    finally:
        srv.stop()
    subprocess.run(["mount", "-o", "remount,size=256m", small_fs], check=True)
    srv.start()
    try:
        c = srv.login("alice", "wonderland")
        c.ok("SELECT INBOX")
        r = c.ok("UID FETCH 1:* (BODY.PEEK[])")
        got = r.untagged
        assert len(got) == len(acked)
        for body, line in zip(acked, got):
            assert body in line
        assert append(c, b"Subject: after\r\n\r\nroom again\r\n").status == "OK"
        c.close()
    finally:
        srv.stop()
    # The write failure is logged at crit on purpose; nothing else is.
    log = srv.log()
    assert log.count("level=crit") == log.count("event=log_write_failed") == 1
    for mark in rmtest.SANITIZER_MARKS[:-1]:
        assert mark not in log
