"""LMTP delivery (RFC 2033) against a real ringmaild: replies per command,
per-recipient replies after DATA, dot-unstuffing, trace headers, +detail,
quota (552 5.2.2), limits, single-instance storage, the UNIX socket, and
delivery seen by an IDLEing IMAP session."""
import os
import re
import smtplib
import subprocess
import time

import pytest

import rmtest
from lmtp_client import Lmtp


def fetch_all(srv, user, password, mailbox="INBOX"):
    """Every message of a mailbox as (flags line, bytes)."""
    c = srv.login(user, password)
    r = c.ok("EXAMINE %s" % rmtest.quote(mailbox))
    exists = [int(u.split()[1]) for u in r.untagged if u.endswith(b"EXISTS")][0]
    out = []
    if exists:
        r = c.ok("FETCH 1:* (BODY.PEEK[])")
        for u in r.untagged:
            m = re.match(rb"\* \d+ FETCH \(BODY\[\] \{(\d+)\}\r\n", u)
            if m:
                start = m.end()
                out.append(u[start:start + int(m.group(1))])
    c.ok("LOGOUT")
    c.close()
    return out


def split_headers(msg):
    head, _, body = msg.partition(b"\r\n\r\n")
    return head.split(b"\r\n"), body


def test_greeting_and_lhlo(server):
    c = Lmtp(server.lmtp_port)
    assert c.line() == "220 ringmail LMTP ready"
    assert c.cmd("LHLO client.example") == [
        "250-ringmail", "250-PIPELINING", "250-ENHANCEDSTATUSCODES", "250-8BITMIME",
        "250-SMTPUTF8", "250 SIZE 67108864"]
    # RFC 2033 §4.1: no positive reply to HELO/EHLO.
    assert c.cmd("HELO x")[0].startswith("500 ")
    assert c.cmd("EHLO x")[0].startswith("500 ")
    assert c.cmd("NOOP") == ["250 2.0.0 Ok"]
    assert c.cmd("QUIT") == ["221 2.0.0 Bye"]
    c.close()


def test_sequence_errors(server):
    c = Lmtp(server.lmtp_port)
    c.line()
    assert c.code("MAIL FROM:<a@b>") == 503           # before LHLO
    c.cmd("LHLO x")
    assert c.code("RCPT TO:<alice@x>") == 503          # before MAIL
    assert c.code("DATA") == 503
    assert c.code("MAIL FROM:<a@b> FOO=1") == 555      # unknown parameter
    assert c.code("MAIL FROM:a@b") == 501
    assert c.code("MAIL FROM:<a@b> SIZE=99999999999") == 552
    assert c.code("MAIL FROM:<>") == 250               # null reverse-path
    assert c.code("MAIL FROM:<a@b>") == 503            # nested
    assert c.code("DATA") == 503                       # no recipients
    assert c.cmd("RCPT TO:<nobody@example.org>") == ["550 5.1.1 <nobody@example.org> User unknown"]
    assert c.code("RSET") == 250
    assert c.code("RCPT TO:<alice@x>") == 503          # RSET ended the transaction
    assert c.code("XYZZY") == 500
    c.close()


def test_single_recipient_smtplib(server):
    body = (b"From: Sender <s@example.org>\r\nSubject: lmtp one\r\n\r\n"
            b"first line\r\n.leading dot\r\n..two dots\r\n.\r\nlast\r\n")
    with smtplib.LMTP("127.0.0.1", server.lmtp_port) as l:
        assert l.ehlo("tester")[0] == 250
        assert l.sendmail("s@example.org", ["carol@example.net"], body) == {}
    msgs = fetch_all(server, "carol", 'c0mplex "pass"')
    assert len(msgs) == 1
    head, got_body = split_headers(msgs[0])
    # Trace headers in front, then the message unchanged (dots unstuffed
    # by the protocol exactly once).
    assert head[0] == b"Return-Path: <s@example.org>"
    assert head[1] == b"Delivered-To: carol@example.net"
    assert head[2] == b"Received: from tester ([127.0.0.1])"
    assert head[3] == b"\tby ringmail with LMTP"
    assert re.match(rb"\tid \d+\.\d+$", head[4])
    assert head[5] == b"\t(envelope-from <s@example.org>)"
    assert re.match(rb"\tfor <carol@example\.net>; \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d \+0000$",
                    head[6])
    assert msgs[0].endswith(b"\r\n\r\n" + body.split(b"\r\n\r\n", 1)[1])
    assert got_body == body.split(b"\r\n\r\n", 1)[1]


def test_pipelined_recipients_one_reply_each(make_server):
    users = {"u%d" % i: "{PLAIN}pw" for i in range(12)}
    srv = make_server(users=users)
    c = Lmtp(srv.lmtp_port)
    c.line()
    c.cmd("LHLO x")
    rcpts = ["u%d@example.net" % i for i in range(12)]
    # The whole transaction in one write (PIPELINING), with an unknown
    # recipient in the middle.
    lines = ["MAIL FROM:<bulk@example.org> BODY=8BITMIME SIZE=100"]
    lines += ["RCPT TO:<%s>" % r for r in rcpts[:6]] + ["RCPT TO:<ghost@example.net>"]
    lines += ["RCPT TO:<%s>" % r for r in rcpts[6:]] + ["DATA"]
    msg = b"Subject: bulk\r\n\r\nfor everybody\r\n"
    c.send(("\r\n".join(lines) + "\r\n").encode() + msg + b".\r\nQUIT\r\n")
    assert c.reply() == ["250 2.1.0 Ok"]
    replies = [c.reply()[0] for _ in range(13)]
    assert replies[6] == "550 5.1.1 <ghost@example.net> User unknown"
    assert all(r == "250 2.1.5 Ok" for i, r in enumerate(replies) if i != 6)
    assert c.reply()[0].startswith("354 ")
    # One reply per accepted recipient, in RCPT order.
    assert [c.reply()[0] for _ in range(12)] == ["250 2.0.0 <%s> Saved" % r for r in rcpts]
    assert c.reply() == ["221 2.0.0 Bye"]
    for i in range(12):
        got = fetch_all(srv, "u%d" % i, "pw")
        assert len(got) == 1 and got[0].endswith(msg.split(b"\r\n\r\n", 1)[1])
        # Several recipients share one copy: no per-recipient header.
        assert b"Delivered-To:" not in got[0]
        assert re.search(rb"\t\(envelope-from <bulk@example\.org>\); \w{3}, ", got[0])
    srv.stop()
    # Single-instance storage: 12 messages, at most one blob per
    # partition (8 partitions).
    out = subprocess.run([rmtest.RINGMAIL, "stats", "-q", "-d", srv.data_dir],
                         capture_output=True, text=True, check=True).stdout
    line = [l for l in out.splitlines() if l.startswith("total: ")][0]
    total = dict(kv.split("=") for kv in line[len("total: "):].split())
    assert int(total["messages"]) == 12
    assert 1 <= int(total["blobs"]) <= 8


def test_detail_mailbox_and_inbox_fallback(server):
    c = server.login("alice", "wonderland")
    c.ok("CREATE Lists")
    c.ok("LOGOUT")
    l = Lmtp(server.lmtp_port)
    l.greet_lhlo()
    rr, dr = l.deliver("x@example.org", ["alice+Lists@example.net"], b"Subject: to lists\r\n\r\nx\r\n")
    assert dr == ["250 2.0.0 <alice+Lists@example.net> Saved"]
    rr, dr = l.deliver("x@example.org", ["alice+nosuch@example.net"], b"Subject: to inbox\r\n\r\nx\r\n")
    assert dr[0].startswith("250 ")
    l.close()
    lists = fetch_all(server, "alice", "wonderland", "Lists")
    assert len(lists) == 1 and b"Subject: to lists" in lists[0]
    inbox = fetch_all(server, "alice", "wonderland")
    assert any(b"Subject: to inbox" in m for m in inbox)
    assert not any(b"Subject: to lists" in m for m in inbox)


def test_quota(make_server):
    users = {"q1": "{PLAIN}pw::::::userdb_quota_rule=*:messages=1",
             "q2": "{PLAIN}pw::::::userdb_quota_rule=*:bytes=2000"}
    srv = make_server(users=users)
    l = Lmtp(srv.lmtp_port)
    l.greet_lhlo()
    rr, dr = l.deliver("s@x", ["q1@x"], b"Subject: 1\r\n\r\nfirst\r\n")
    assert dr[0].startswith("250 2.0.0")
    # Full by message count: refused at RCPT.
    rr, dr = l.deliver("s@x", ["q1@x"], b"Subject: 2\r\n\r\nsecond\r\n")
    assert rr == ["552 5.2.2 <q1@x> Mailbox is full"] and dr == []
    # Too big by the SIZE parameter: refused at RCPT.
    assert l.code("MAIL FROM:<s@x> SIZE=5000") == 250
    assert l.cmd("RCPT TO:<q2@x>") == ["552 5.2.2 <q2@x> Mailbox is full"]
    assert l.code("RSET") == 250
    # No SIZE: accepted at RCPT, refused after DATA with the real size.
    rr, dr = l.deliver("s@x", ["q2@x"], b"Subject: big\r\n\r\n" + b"x" * 3000 + b"\r\n")
    assert rr == ["250 2.1.5 Ok"] and dr == ["552 5.2.2 <q2@x> Mailbox is full"]
    l.close()
    assert len(fetch_all(srv, "q1", "pw")) == 1
    assert fetch_all(srv, "q2", "pw") == []


def test_message_too_big(make_server):
    srv = make_server(opts={"append_max_bytes": "4k"})
    l = Lmtp(srv.lmtp_port)
    assert l.greet_lhlo()[-1] == "250 SIZE 4096"
    rr, dr = l.deliver("s@x", ["alice@x", "bob@x"], b"Subject: big\r\n\r\n" + b"y" * 5000 + b"\r\n")
    assert dr == ["552 5.3.4 <alice@x> Message too big", "552 5.3.4 <bob@x> Message too big"]
    # The session stays in sync and usable.
    rr, dr = l.deliver("s@x", ["alice@x"], b"Subject: small\r\n\r\nok\r\n")
    assert dr[0].startswith("250 ")
    l.close()


def test_line_limit(server):
    l = Lmtp(server.lmtp_port)
    l.greet_lhlo()
    assert l.cmd("MAIL FROM:<%s@x>" % ("a" * 5000)) == ["500 5.5.2 Line too long"]
    assert l.code("NOOP") == 250
    l.close()


def test_unix_socket(server):
    path = os.path.join(server.data_dir, "lmtp.sock")
    assert oct(os.stat(path).st_mode & 0o777) == "0o666"
    l = Lmtp(path=path)
    l.greet_lhlo()
    rr, dr = l.deliver("s@x", ["bob@x"], b"Subject: over unix\r\n\r\nhi\r\n")
    assert dr == ["250 2.0.0 <bob@x> Saved"]
    l.close()
    assert any(b"Subject: over unix" in m for m in fetch_all(server, "bob", "builder"))


def test_idle_sees_delivery(server):
    c = server.login("alice", "wonderland")
    r = c.ok("SELECT INBOX")
    exists = [int(u.split()[1]) for u in r.untagged if u.endswith(b"EXISTS")][0]
    c.send("i1 IDLE\r\n")
    assert c.read_line().startswith(b"+ ")
    l = Lmtp(server.lmtp_port)
    l.greet_lhlo()
    t0 = time.time()
    rr, dr = l.deliver("s@x", ["alice@x"], b"Subject: idle\r\n\r\nwake up\r\n")
    assert dr[0].startswith("250 ")
    assert c.read_line() == b"* %d EXISTS" % (exists + 1)
    assert time.time() - t0 < 2
    c.send("DONE\r\n")
    c.read_response("i1")
    # New mail is \Recent for the first session that looks.
    r = c.ok("FETCH %d (FLAGS)" % (exists + 1))
    assert b"\\Recent" in r.untagged[0]
    l.close()


def test_refused_for_capacity_in_lmtp_terms(make_server):
    """Past max_connections_per_ip an LMTP client gets an LMTP reply (421,
    RFC 5321 §3.8; 4.3.2 from RFC 3463), not an IMAP BYE."""
    import socket
    srv = make_server(opts={"max_connections_per_ip": "2"})
    held = [socket.create_connection(("127.0.0.1", srv.lmtp_port), timeout=5) for _ in range(2)]
    for s in held:
        assert s.makefile("rb").readline().startswith(b"220 ")
    extra = socket.create_connection(("127.0.0.1", srv.lmtp_port), timeout=5)
    f = extra.makefile("rb")
    assert f.readline() == b"421 4.3.2 Too many connections, try again later\r\n"
    assert f.readline() == b""
    for s in held + [extra]:
        s.close()
