"""End to end: Debian's Postfix, configured in a private directory to hand
local mail to ringmail over LMTP on loopback, takes messages from the
`sendmail` command; they land in INBOX (or the +detail mailbox) and an
IDLEing IMAP session sees each one arrive."""
import re
import time

import pytest

import postfix

pytestmark = pytest.mark.skipif(not postfix.available(), reason="postfix not installed")


@pytest.fixture
def mta(server):
    pf = postfix.Postfix("inet:127.0.0.1:%d" % server.lmtp_port).start()
    yield pf
    pf.stop()


def test_sendmail_to_idle(server, mta):
    c = server.login("alice", "wonderland")
    r = c.ok("SELECT INBOX")
    exists = [int(u.split()[1]) for u in r.untagged if u.endswith(b"EXISTS")][0]
    c.send("i1 IDLE\r\n")
    assert c.read_line().startswith(b"+ ")
    body = b"Subject: through postfix\nFrom: Sender <sender@ringmail.test>\n\nhello\n.\nbye\n"
    t0 = time.time()
    mta.sendmail("sender@ringmail.test", ["alice@ringmail.test"], body)
    c.sock.settimeout(30)
    assert c.read_line() == b"* %d EXISTS" % (exists + 1), mta.maillog()
    took = time.time() - t0
    c.send("DONE\r\n")
    c.read_response("i1")
    r = c.ok("FETCH %d (BODY.PEEK[])" % (exists + 1))
    msg = r.untagged[-1]
    assert b"Return-Path: <sender@ringmail.test>" in msg
    assert b"Delivered-To: alice@ringmail.test" in msg
    assert re.search(rb"Received: from mx\.ringmail\.test \(\[127\.0\.0\.1\]\)", msg)
    # Postfix made the line ends CRLF and dot-stuffed the lone dot.
    assert msg.endswith(b"\r\nhello\r\n.\r\nbye\r\n)")
    assert mta.wait_log("status=sent")
    assert "relay=127.0.0.1[127.0.0.1]:%d" % server.lmtp_port in mta.maillog()
    assert took < 10
    c.ok("LOGOUT")


def test_several_recipients_and_detail(server, mta):
    c = server.login("bob", "builder")
    c.ok("CREATE Lists")
    c.ok("LOGOUT")
    mta.sendmail("sender@ringmail.test", ["bob+Lists@ringmail.test", "carol@ringmail.test",
                                          "nobody@ringmail.test"],
                 b"Subject: to three\n\nbody\n")
    assert mta.wait_log("nobody@ringmail.test"), mta.maillog()
    assert mta.wait_log("status=bounced"), mta.maillog()
    log = mta.maillog()
    assert re.search(r"to=<nobody@ringmail\.test>.*status=bounced .*550 5\.1\.1", log), log
    for user, pw, box in (("bob", "builder", "Lists"), ("carol", 'c0mplex "pass"', "INBOX")):
        c = server.login(user, pw)
        r = c.ok("EXAMINE %s" % box)
        r = c.ok('SEARCH SUBJECT "to three"')
        assert r.untagged[0] != b"* SEARCH", (user, r)
        c.ok("LOGOUT")
