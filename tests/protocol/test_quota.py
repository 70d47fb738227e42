"""QUOTA (RFC 9208): one root "" per user with STORAGE and MESSAGE limits
from the passwd-file; enforcement exact at the boundary for APPEND and
COPY; MOVE within the user's mailboxes is not refused."""
import re

import pytest

LIMIT_BYTES = 10240


@pytest.fixture
def qserver(make_server):
    users = {
        "q": "{PLAIN}pw::::::userdb_quota_rule=*:bytes=%d" % LIMIT_BYTES,
        "m": "{PLAIN}pw::::::userdb_quota_rule=*:messages=3",
        "free": "{PLAIN}pw",
    }
    return make_server(users=users)


def login(srv, user):
    c = srv.connect()
    c.greeting()
    c.ok("LOGIN %s pw" % user)
    return c


def append(c, body, mailbox="INBOX"):
    tag = c.next_tag()
    c.send(("%s APPEND %s {%d+}\r\n" % (tag, mailbox, len(body))).encode() + body + b"\r\n")
    return c.read_response(tag)


def test_getquotaroot_and_getquota(qserver):
    c = login(qserver, "q")
    assert "QUOTA=RES-STORAGE" in c.ok("CAPABILITY").untagged[0].decode()
    assert append(c, b"x" * 2000).status == "OK"
    r = c.ok("GETQUOTAROOT INBOX")
    assert r.untagged == [b'* QUOTAROOT INBOX ""', b'* QUOTA "" (STORAGE 2 10)']
    r = c.ok('GETQUOTA ""')
    assert r.untagged == [b'* QUOTA "" (STORAGE 2 10)']
    r = c.cmd('GETQUOTA "other"')
    assert r.status == "NO"
    r = c.cmd("GETQUOTAROOT Nowhere")
    assert r.status == "NO" and "[NONEXISTENT]" in r.text
    assert c.cmd('SETQUOTA "" (STORAGE 1)').status == "BAD"   # not offered
    c.close()
    c = login(qserver, "free")
    r = c.ok("GETQUOTAROOT INBOX")
    assert r.untagged[1] == b'* QUOTA "" ()'


def test_storage_limit_exact_at_boundary(qserver):
    c = login(qserver, "q")
    assert append(c, b"a" * (LIMIT_BYTES - 1)).status == "OK"
    assert append(c, b"b").status == "OK"          # exactly at the limit
    r = append(c, b"c")                              # one byte over
    assert r.status == "NO" and "[OVERQUOTA]" in r.text
    c.ok("SELECT INBOX")
    r = c.cmd("COPY 2 Trash")
    assert r.status == "NO" and "[OVERQUOTA]" in r.text
    r = c.ok("MOVE 2 Trash")                         # usage unchanged: allowed
    c.ok("STORE 1 +FLAGS.SILENT (\\Deleted)")
    c.ok("EXPUNGE")
    assert append(c, b"d" * (LIMIT_BYTES - 1)).status == "OK"
    c.close()


def test_message_limit_exact_at_boundary(qserver):
    c = login(qserver, "m")
    for i in range(3):
        assert append(c, b"msg %d" % i).status == "OK"
    r = append(c, b"msg 4")
    assert r.status == "NO" and "[OVERQUOTA]" in r.text
    r = c.ok('GETQUOTA ""')
    assert r.untagged == [b'* QUOTA "" (MESSAGE 3 3)']
    # A MULTIAPPEND that would pass the limit stores nothing.
    c.ok("SELECT INBOX")
    c.ok("STORE 1 +FLAGS.SILENT (\\Deleted)")
    c.ok("EXPUNGE")
    tag = c.next_tag()
    c.send(("%s APPEND INBOX {1+}\r\na {1+}\r\nb\r\n" % tag).encode())
    r = c.read_response(tag)
    assert r.status == "NO" and "[OVERQUOTA]" in r.text
    r = c.ok('GETQUOTA ""')
    assert r.untagged == [b'* QUOTA "" (MESSAGE 2 3)']
