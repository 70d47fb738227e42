"""The selected state over real sockets: SELECT/EXAMINE, APPEND (with
MULTIAPPEND, flags, dates, literal8), FETCH items, STORE, COPY/MOVE,
EXPUNGE, CLOSE/UNSELECT, IDLE, and what a second session of the same
mailbox sees and when."""
import re
import time
import uuid

import pytest

import rmtest

MSG = (b"From: Ann Example <ann@example.org>\r\n"
       b"To: Bob <bob@example.net>\r\n"
       b"Subject: Greetings\r\n"
       b"Date: Tue, 24 Nov 2026 10:00:00 +0000\r\n"
       b"Message-ID: <m1@example.org>\r\n"
       b"Content-Type: text/plain; charset=utf-8\r\n"
       b"\r\n"
       b"Hello Bob,\r\nthis is the body.\r\n")

MULTI = (b"From: a@b.c\r\nSubject: parts\r\nMIME-Version: 1.0\r\n"
         b"Content-Type: multipart/mixed; boundary=XX\r\n\r\n"
         b"--XX\r\nContent-Type: text/plain\r\n\r\nfirst part\r\n"
         b"--XX\r\nContent-Type: application/octet-stream\r\n"
         b"Content-Transfer-Encoding: base64\r\n\r\nAAECAwQF\r\n"
         b"--XX--\r\n")


def login(server, user):
    c = server.connect()
    c.greeting()
    c.ok("LOGIN %s pw" % user)
    return c


def append(c, mailbox, msg, flags="", date=""):
    tag = c.next_tag()
    opts = (" (%s)" % flags if flags is not None and flags != "" else "") + \
        (' "%s"' % date if date else "")
    c.send("%s APPEND %s%s {%d+}\r\n" % (tag, mailbox, opts, len(msg)))
    c.send(msg + b"\r\n")
    r = c.read_response(tag)
    assert r.status == "OK", r
    m = re.search(r"APPENDUID (\d+) (\d+)", r.text)
    return int(m.group(1)), int(m.group(2))


def fetch_line(r, seq):
    lines = [u for u in r.untagged if u.startswith(b"* %d FETCH" % seq)]
    assert len(lines) == 1, r
    return lines[0]


def test_select_empty_and_examine(server, user):
    c = login(server, user)
    r = c.ok("SELECT INBOX")
    assert b"* 0 EXISTS" in r.untagged and b"* 0 RECENT" in r.untagged
    assert any(u.startswith(b"* OK [UIDVALIDITY ") for u in r.untagged)
    assert b"* OK [UIDNEXT 1] Predicted next UID" in r.untagged
    assert any(u.startswith(b"* FLAGS (") for u in r.untagged)
    assert "[READ-WRITE]" in r.text
    r = c.ok("EXAMINE inbox")
    assert r.untagged[0] == b"* OK [CLOSED] Previous mailbox is now closed"
    assert "[READ-ONLY]" in r.text
    assert b"* OK [PERMANENTFLAGS ()] Read-only mailbox" in r.untagged
    r = c.cmd("SELECT nosuch")
    assert r.status == "NO" and "[NONEXISTENT]" in r.text
    # A failed SELECT leaves no mailbox selected.
    assert c.cmd("FETCH 1 FLAGS").status == "BAD"
    c.close()


def test_append_and_fetch_items(server, user):
    c = login(server, user)
    uv, uid = append(c, "INBOX", MSG, flags="\\Seen $Work", date="17-Jul-1996 02:44:25 -0700")
    assert uid == 1
    c.ok("SELECT INBOX")
    r = c.ok("FETCH 1 (FLAGS INTERNALDATE RFC822.SIZE UID ENVELOPE)")
    line = fetch_line(r, 1)
    assert b"FLAGS (\\Seen \\Recent $Work)" in line
    assert b'INTERNALDATE "17-Jul-1996 09:44:25 +0000"' in line
    assert b"RFC822.SIZE %d" % len(MSG) in line
    assert b"UID 1" in line
    assert (b'ENVELOPE ("Tue, 24 Nov 2026 10:00:00 +0000" "Greetings" '
            b'(("Ann Example" NIL "ann" "example.org")) (("Ann Example" NIL "ann" "example.org")) '
            b'(("Ann Example" NIL "ann" "example.org")) (("Bob" NIL "bob" "example.net")) '
            b'NIL NIL NIL "<m1@example.org>")') in line
    r = c.ok("FETCH 1 BODY.PEEK[]")
    assert fetch_line(r, 1).endswith(b"BODY[] {%d}\r\n" % len(MSG) + MSG + b")")
    r = c.ok("FETCH 1 (BODY.PEEK[HEADER.FIELDS (SUBJECT to)])")
    assert (b"BODY[HEADER.FIELDS (SUBJECT to)] {49}\r\nTo: Bob <bob@example.net>\r\n"
            b"Subject: Greetings\r\n\r\n") in fetch_line(r, 1)
    r = c.ok("FETCH 1 (BODY.PEEK[TEXT]<6.3> RFC822.HEADER)")
    line = fetch_line(r, 1)
    assert b"BODY[TEXT]<6> {3}\r\nBob" in line
    hdr = MSG.split(b"\r\n\r\n")[0] + b"\r\n\r\n"
    assert b"RFC822.HEADER {%d}\r\n" % len(hdr) + hdr in line
    r = c.ok("FETCH 1 BODYSTRUCTURE")
    assert (b'BODYSTRUCTURE ("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "7BIT" 31 2 '
            b'NIL NIL NIL NIL)') in fetch_line(r, 1)
    c.close()


def test_fetch_sets_seen_unless_peek(server, user):
    c = login(server, user)
    append(c, "INBOX", MSG)
    c.ok("SELECT INBOX")
    r = c.ok("FETCH 1 (BODY.PEEK[TEXT] FLAGS)")
    assert b"\\Seen" not in fetch_line(r, 1)
    r = c.ok("FETCH 1 BODY[TEXT]")
    assert b"FLAGS (\\Seen" in fetch_line(r, 1)   # the new flags come along
    r = c.ok("FETCH 1 FLAGS")
    assert b"\\Seen" in fetch_line(r, 1)
    c.close()


def test_multipart_sections_and_binary(server, user):
    c = login(server, user)
    append(c, "INBOX", MULTI)
    c.ok("SELECT INBOX")
    r = c.ok("FETCH 1 (BODY.PEEK[1] BODY.PEEK[2] BODY.PEEK[2.MIME] BINARY.PEEK[2] "
             "BINARY.SIZE[2] BODY.PEEK[3])")
    line = fetch_line(r, 1)
    assert b"BODY[1] {10}\r\nfirst part" in line
    assert b"BODY[2] {8}\r\nAAECAwQF" in line
    assert b"BODY[2.MIME] {77}\r\nContent-Type: application/octet-stream\r\n" in line
    assert b"BINARY[2] ~{6}\r\n\x00\x01\x02\x03\x04\x05" in line
    assert b"BINARY.SIZE[2] 6" in line
    assert b"BODY[3] {0}\r\n" in line
    c.close()


def test_multiappend_and_appenduid(server, user):
    c = login(server, user)
    tag = c.next_tag()
    c.send("%s APPEND INBOX (\\Draft) {%d+}\r\n" % (tag, len(MSG)))
    c.send(MSG + b" {%d+}\r\n" % len(MULTI) + MULTI + b" ~{3+}\r\na\x00b\r\n")
    r = c.read_response(tag)
    assert r.status == "OK" and re.search(r"APPENDUID \d+ 1:3\]", r.text), r
    r = c.ok("STATUS INBOX (MESSAGES)") if False else None
    c.ok("SELECT INBOX")
    r = c.ok("FETCH 1:3 (FLAGS RFC822.SIZE)")
    assert b"\\Draft" in fetch_line(r, 1)
    assert b"RFC822.SIZE 3" in fetch_line(r, 3)
    c.close()


def test_append_errors(server, user):
    c = login(server, user)
    tag = c.next_tag()
    c.send("%s APPEND NoSuchBox {3+}\r\nabc\r\n" % tag)
    r = c.read_response(tag)
    assert r.status == "NO" and "[TRYCREATE]" in r.text
    tag = c.next_tag()
    c.send("%s APPEND INBOX {3+}\r\na\x00c\r\n" % tag)   # NUL needs literal8
    assert c.read_response(tag).status == "BAD"
    tag = c.next_tag()
    c.send("%s APPEND INBOX (\\Recent) {3+}\r\nabc\r\n" % tag)
    assert c.read_response(tag).status == "BAD"
    tag = c.next_tag()
    c.send('%s APPEND INBOX "32-Jul-1996 02:44:25 -0700" {3+}\r\nabc\r\n' % tag)
    assert c.read_response(tag).status == "BAD"
    # The session is still fine.
    append(c, "INBOX", MSG)
    c.close()


def test_append_too_big_refused_before_reading(make_server, tmp_path):
    srv = make_server(opts={"append_max_bytes": "1k"})
    c = srv.connect()
    c.greeting()
    c.ok("LOGIN alice wonderland")
    c.send("a APPEND INBOX {1025}\r\n")
    r = c.read_response("a")
    assert r.status == "NO" and "[TOOBIG]" in r.text
    c.send("b APPEND INBOX {1024}\r\n")
    assert c.read_line().startswith(b"+")
    c.send(b"x" * 1024 + b"\r\n")
    assert c.read_response("b").status == "OK"
    c.close()


def test_store_variants(server, user):
    c = login(server, user)
    append(c, "INBOX", MSG)
    append(c, "INBOX", MSG)
    c.ok("SELECT INBOX")
    r = c.ok("STORE 1:2 +FLAGS (\\Flagged $A)")
    assert b"FLAGS (\\Flagged \\Recent $A)" in fetch_line(r, 1)
    assert b"FLAGS (\\Flagged \\Recent $A)" in fetch_line(r, 2)
    r = c.ok("STORE 1 -FLAGS ($A)")
    assert fetch_line(r, 1) == b"* 1 FETCH (FLAGS (\\Flagged \\Recent))"
    r = c.ok("STORE 2 FLAGS.SILENT (\\Answered)")
    assert r.untagged == []
    r = c.ok("UID STORE 2 +FLAGS \\Seen \\Draft")
    assert fetch_line(r, 2) == b"* 2 FETCH (UID 2 FLAGS (\\Seen \\Answered \\Draft \\Recent))"
    r = c.ok("FETCH 1:2 FLAGS")
    assert b"FLAGS (\\Flagged \\Recent)" in fetch_line(r, 1)
    assert c.cmd("STORE 3 +FLAGS (\\Seen)").status == "BAD"   # past EXISTS
    assert c.cmd("STORE 1 +FLAGS (\\Bogus)").status == "BAD"
    assert c.cmd("STORE 1 FOO (\\Seen)").status == "BAD"
    c.ok("EXAMINE INBOX")
    assert c.cmd("STORE 1 +FLAGS (\\Seen)").status == "NO"
    c.close()


def test_copy_move_expunge(server, user):
    c = login(server, user)
    for _ in range(3):
        append(c, "INBOX", MSG)
    c.ok("SELECT INBOX")
    r = c.ok("COPY 1:2 Trash")
    assert re.search(r"\[COPYUID \d+ 1:2 1:2\]", r.text), r
    r = c.cmd("COPY 1 Nowhere")
    assert r.status == "NO" and "[TRYCREATE]" in r.text
    r = c.ok("UID MOVE 2 Archive")
    assert any(re.match(rb"\* OK \[COPYUID \d+ 2 1\]", u) for u in r.untagged), r
    assert b"* 2 EXPUNGE" in r.untagged
    r = c.ok("STORE 1 +FLAGS.SILENT (\\Deleted)")
    r = c.ok("EXPUNGE")
    assert r.untagged == [b"* 1 EXPUNGE", b"* 1 RECENT"]   # RFC 3501 §7.3.2
    r = c.ok("FETCH 1:* UID")
    assert fetch_line(r, 1) == b"* 1 FETCH (UID 3)"
    c.ok("SELECT Trash")
    r = c.ok("FETCH 1:* (UID RFC822.SIZE)")
    assert len(r.untagged) == 2
    c.close()


def test_uid_expunge_only_given_uids(server, user):
    c = login(server, user)
    for _ in range(3):
        append(c, "INBOX", MSG, flags="\\Deleted")
    c.ok("SELECT INBOX")
    r = c.ok("UID EXPUNGE 2:3")
    assert r.untagged == [b"* 3 EXPUNGE", b"* 2 EXPUNGE", b"* 1 RECENT"]
    r = c.ok("CLOSE")   # expunges UID 1 silently
    assert r.untagged == []
    c.ok("SELECT INBOX")
    r = c.ok("NOOP")
    r = c.ok("STATUS INBOX (MESSAGES)") if False else None
    c.close()


def test_unselect_keeps_deleted(server, user):
    c = login(server, user)
    append(c, "INBOX", MSG, flags="\\Deleted")
    c.ok("SELECT INBOX")
    c.ok("UNSELECT")
    r = c.ok("SELECT INBOX")
    assert b"* 1 EXISTS" in r.untagged
    c.close()


def test_two_sessions_see_each_other(server, user):
    a = login(server, user)
    b = login(server, user)
    append(a, "INBOX", MSG)
    a.ok("SELECT INBOX")
    b.ok("SELECT INBOX")
    r = a.ok("STORE 1 +FLAGS (\\Flagged)")
    r = b.ok("NOOP")
    assert r.untagged == [b"* 1 FETCH (FLAGS (\\Flagged))"], r
    append(a, "INBOX", MSG)
    r = b.ok("NOOP")
    assert b"* 2 EXISTS" in r.untagged
    # EXPUNGE from a reaches b at NOOP, but not during FETCH/STORE/SEARCH.
    a.ok("STORE 1 +FLAGS.SILENT (\\Deleted)")
    a.ok("EXPUNGE")
    r = b.ok("FETCH 1:2 UID")
    assert not any(b"EXPUNGE" in u for u in r.untagged), r
    assert "EXPUNGEISSUED" in r.text and r.untagged == [b"* 2 FETCH (UID 2)"]
    r = b.ok("STORE 2 +FLAGS.SILENT (\\Seen)")
    assert not any(b"EXPUNGE" in u for u in r.untagged), r
    r = b.ok("NOOP")
    assert b"* 1 EXPUNGE" in r.untagged, r
    r = b.ok("FETCH 1 UID")
    assert fetch_line(r, 1) == b"* 1 FETCH (UID 2)"
    a.close()
    b.close()


def test_fetch_of_expunged_message_meanwhile(server, user):
    a = login(server, user)
    b = login(server, user)
    append(a, "INBOX", MSG)
    a.ok("SELECT INBOX")
    b.ok("SELECT INBOX")
    a.ok("STORE 1 +FLAGS.SILENT (\\Deleted)")
    a.ok("EXPUNGE")
    r = b.cmd("FETCH 1 BODY.PEEK[]")
    assert r.status == "OK" and "EXPUNGEISSUED" in r.text and r.untagged == []
    r = b.ok("NOOP")
    assert b"* 1 EXPUNGE" in r.untagged
    a.close()
    b.close()


def test_idle_wakes_on_append(server, user):
    a = login(server, user)
    b = login(server, user)
    a.ok("SELECT INBOX")
    a.send("i IDLE\r\n")
    assert a.read_line().startswith(b"+ ")
    t0 = time.time()
    append(b, "INBOX", MSG)
    line = a.read_line()
    dt = time.time() - t0
    assert line == b"* 1 EXISTS", line
    assert a.read_line() == b"* 1 RECENT"
    # Measured from sending the APPEND: includes its durable commit.
    assert dt < 1.0, dt
    b.ok("SELECT INBOX")
    b.ok("STORE 1 +FLAGS (\\Seen)")
    assert a.read_line() == b"* 1 FETCH (FLAGS (\\Seen \\Recent))"
    b.ok("STORE 1 +FLAGS.SILENT (\\Deleted)")
    a.read_line()
    b.ok("EXPUNGE")
    assert a.read_line() == b"* 1 EXPUNGE"
    a.send("DONE\r\n")
    assert a.read_response("i").status == "OK"
    a.close()
    b.close()


def test_idle_notification_latency_after_commit(server, user):
    """IDLE wakes within 100 ms of the APPEND's tagged OK (the commit)."""
    a = login(server, user)
    b = login(server, user)
    a.ok("SELECT INBOX")
    a.send("i IDLE\r\n")
    a.read_line()
    worst = 0
    for n in range(1, 6):
        append(b, "INBOX", MSG)
        t0 = time.time()
        line = a.read_line()
        worst = max(worst, time.time() - t0)
        assert line == b"* %d EXISTS" % n
        a.read_line()   # RECENT
    assert worst < 0.1, worst
    a.send("DONE\r\n")
    a.read_response("i")


def test_idle_bad_continuation(server, user):
    a = login(server, user)
    a.send("i IDLE\r\n")
    a.read_line()
    a.send("NOPE\r\n")
    assert a.read_response("i").status == "BAD"
    a.ok("NOOP")


def test_big_message_roundtrip(server, user):
    c = login(server, user)
    body = (b"x" * 998 + b"\r\n") * 5000   # ~5 MB
    big = b"Subject: big\r\n\r\n" + body
    append(c, "INBOX", big)
    c.ok("SELECT INBOX")
    r = c.ok("FETCH 1 (RFC822.SIZE BODY.PEEK[])")
    line = fetch_line(r, 1)
    assert b"RFC822.SIZE %d" % len(big) in line
    assert line.endswith(big + b")")
    r = c.ok("FETCH 1 BODY.PEEK[]<4000000.100>")
    assert fetch_line(r, 1).endswith(b"BODY[]<4000000> {100}\r\n" + big[4000000:4000100] + b")")
    c.close()


def test_fetch_many_messages_streams(server, user):
    c = login(server, user)
    tag = c.next_tag()
    parts = []
    for i in range(300):
        m = MSG.replace(b"Greetings", b"Greetings %d" % i)
        parts.append(b" {%d+}\r\n" % len(m) + m)
    c.send(("%s APPEND INBOX" % tag).encode() + b"".join(parts) + b"\r\n")
    assert c.read_response(tag).status == "OK"
    c.ok("SELECT INBOX")
    r = c.ok("FETCH 1:* (UID FLAGS ENVELOPE BODYSTRUCTURE BODY.PEEK[])")
    assert len(r.untagged) == 300
    assert b"Greetings 299" in r.untagged[-1]
    c.close()


def test_capabilities_after_login(server, user):
    c = login(server, user)
    r = c.ok("CAPABILITY")
    caps = set(r.untagged[0].decode().split()[2:])
    for cap in ("IMAP4rev1", "IDLE", "UIDPLUS", "MOVE", "UNSELECT", "MULTIAPPEND", "BINARY",
                "UTF8=ACCEPT", "ENABLE", "ID", "LITERAL+"):
        assert cap in caps, cap
    assert "APPENDLIMIT=%d" % (64 * 1024 * 1024) in caps
    assert not any(x.startswith("AUTH=") for x in caps) and "STARTTLS" not in caps
    c.close()


def test_enable_utf8_and_utf8_append(server, user):
    c = login(server, user)
    r = c.ok("ENABLE UTF8=ACCEPT")
    assert r.untagged == [b"* ENABLED UTF8=ACCEPT"]
    r = c.ok("ENABLE UTF8=ACCEPT X-UNKNOWN")
    assert r.untagged == [b"* ENABLED"]   # already on; unknown ignored (RFC 5161)
    msg = "Subject: caf\u00e9\r\n\r\n\u00e9t\u00e9\r\n".encode()
    tag = c.next_tag()
    c.send(("%s APPEND INBOX UTF8 (~{%d+}\r\n" % (tag, len(msg))).encode() + msg + b")\r\n")
    assert c.read_response(tag).status == "OK"
    c.ok("SELECT INBOX")
    r = c.ok("FETCH 1 BODY.PEEK[]")
    assert fetch_line(r, 1).endswith(msg + b")")
    c.close()


def test_imap4rev2_enabled(server, user):
    """After ENABLE IMAP4rev2: no RECENT and no \\Recent, a LIST response in
    SELECT, UTF-8 mailbox names (RFC 9051)."""
    c = login(server, user)
    assert "IMAP4rev2" in c.ok("CAPABILITY").untagged[0].decode().split()
    r = c.ok("ENABLE IMAP4rev2")
    assert r.untagged == [b"* ENABLED IMAP4rev2"]
    append(c, "INBOX", MSG)
    r = c.ok("SELECT INBOX")
    assert not any(b"RECENT" in u for u in r.untagged)
    assert b'* LIST () "/" INBOX' in r.untagged
    r = c.ok("FETCH 1 FLAGS")
    assert fetch_line(r, 1) == b"* 1 FETCH (FLAGS ())"
    c.ok('CREATE "Caf\u00e9"')      # UTF-8 in a quoted string (RFC 9051 §9)
    r = c.ok('LIST "" "Caf*"')
    assert r.untagged == ['* LIST (\\HasNoChildren) "/" "Caf\u00e9"'.encode()]
    c.close()


@pytest.mark.release_only
def test_idle_fanout_thousand_sessions(make_server):
    """One APPEND reaches every one of 1,000 sessions idling on the mailbox
    (each a real connection), in one commit."""
    import selectors
    srv = make_server(users={"fan": "{PLAIN}pw"})
    idlers = []
    for i in range(1000):
        c = srv.connect()
        c.greeting()
        c.send("a LOGIN fan pw\r\nb SELECT INBOX\r\nc IDLE\r\n")
        idlers.append(c)
    for c in idlers:
        c.read_response("a")
        c.read_response("b")
        assert c.read_line().startswith(b"+ ")
    w = srv.connect()
    w.greeting()
    w.ok("LOGIN fan pw")
    tag = w.next_tag()
    w.send(("%s APPEND INBOX {%d+}\r\n" % (tag, len(MSG))).encode() + MSG + b"\r\n")
    assert w.read_response(tag).status == "OK"
    sel = selectors.DefaultSelector()
    for c in idlers:
        c.sock.setblocking(False)
        sel.register(c.sock, selectors.EVENT_READ, c)
    waiting = set(idlers)
    deadline = time.time() + 30
    while waiting and time.time() < deadline:
        for key, _ in sel.select(timeout=1):
            c = key.data
            try:
                c.buf += c.sock.recv(65536)
            except BlockingIOError:
                continue
            if b"* 1 EXISTS\r\n" in c.buf and c in waiting:
                waiting.discard(c)
    assert not waiting, "%d sessions never saw EXISTS" % len(waiting)
    for c in idlers:
        c.close()
