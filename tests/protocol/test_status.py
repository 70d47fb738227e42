"""STATUS (RFC 9051 §6.3.11) with RECENT (RFC 3501), SIZE (RFC 8438),
HIGHESTMODSEQ (RFC 7162 §3.1.7) and APPENDLIMIT (RFC 7889 §3.1), over real
sockets: values checked against what the test stored."""
import re

from test_mailbox import MSG, append, code, login, status

ALL = "MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN DELETED SIZE HIGHESTMODSEQ APPENDLIMIT"


def test_fresh_mailbox(server, user):
    c = login(server, user)
    r = c.ok("STATUS INBOX (%s)" % ALL)
    assert len(r.untagged) == 1 and r.text == "STATUS completed"
    m = re.match(rb"\* STATUS INBOX \(MESSAGES 0 RECENT 0 UIDNEXT 1 UIDVALIDITY ([1-9][0-9]*) "
                 rb"UNSEEN 0 DELETED 0 SIZE 0 HIGHESTMODSEQ 1 APPENDLIMIT 67108864\)$",
                 r.untagged[0])
    assert m, r
    # Every mailbox has its own UIDVALIDITY.
    c.ok("CREATE other")
    assert status(c, "other", "UIDVALIDITY") != {"UIDVALIDITY": int(m.group(1))}
    c.close()


def test_counts_follow_messages(server, user):
    c = login(server, user)
    c.ok("CREATE box")
    msgs = [MSG, MSG + b"more\r\n", MSG * 3]
    append(c, "box", msgs[0], flags="\\Seen")
    append(c, "box", msgs[1], flags="\\Deleted \\Flagged")
    append(c, "box", msgs[2])
    got = status(c, "box", "MESSAGES UIDNEXT UNSEEN DELETED SIZE HIGHESTMODSEQ")
    first_modseq = got.pop("HIGHESTMODSEQ")
    assert got == {"MESSAGES": 3, "UIDNEXT": 4, "UNSEEN": 2, "DELETED": 1,
                   "SIZE": sum(len(m) for m in msgs)}
    # SIZE is the sum of RFC822.SIZE (RFC 8438 §3).
    c.ok("EXAMINE box")
    r = c.ok("FETCH 1:* RFC822.SIZE")
    sizes = [int(re.search(rb"RFC822.SIZE (\d+)", u).group(1)) for u in r.untagged]
    assert sum(sizes) == sum(len(m) for m in msgs)
    c.ok("SELECT box")
    c.ok("STORE 3 +FLAGS (\\Seen \\Deleted)")
    got = status(c, "box", "UNSEEN DELETED HIGHESTMODSEQ DELETED-STORAGE")
    assert got["UNSEEN"] == 1 and got["DELETED"] == 2 and got["HIGHESTMODSEQ"] > first_modseq
    # RFC 9208 §4.2: what EXPUNGE would free, as the sum of RFC822.SIZE.
    assert got["DELETED-STORAGE"] == len(msgs[1]) + len(msgs[2])
    c.ok("EXPUNGE")
    assert status(c, "box", "MESSAGES UNSEEN DELETED UIDNEXT SIZE DELETED-STORAGE") == {
        "MESSAGES": 1, "UNSEEN": 0, "DELETED": 0, "UIDNEXT": 4, "SIZE": len(msgs[0]),
        "DELETED-STORAGE": 0}
    c.close()


def test_items_any_order_once(server, user):
    c = login(server, user)
    append(c, "INBOX")
    r = c.ok("STATUS inbox (UIDNEXT messages UIDNEXT)")
    # Items come back once each, in ringmail's fixed order; "inbox" is INBOX.
    assert r.untagged == [b"* STATUS INBOX (MESSAGES 1 UIDNEXT 2)"]
    r = c.ok("STATUS INBOX (SIZE)")
    assert r.untagged == [b"* STATUS INBOX (SIZE %d)" % len(MSG)]
    # Spaces after "(" and before ")" are tolerated like doubled spaces
    # between arguments (clients and James's scripts send them).
    r = c.ok("STATUS INBOX (  MESSAGES  )")
    assert r.untagged == [b"* STATUS INBOX (MESSAGES 1)"]
    r = c.ok("STATUS INBOX (UNSEEN MESSAGES )")
    assert r.untagged == [b"* STATUS INBOX (MESSAGES 1 UNSEEN 1)"]
    assert c.cmd("STATUS INBOX ( )").status == "BAD"
    c.close()


def test_errors(server, user):
    c = login(server, user)
    r = c.cmd("STATUS nosuch (MESSAGES)")
    assert r.status == "NO" and code(r) == "NONEXISTENT" and r.untagged == [], r
    for bad in ("STATUS INBOX", "STATUS INBOX ()", "STATUS INBOX MESSAGES",
                "STATUS INBOX (MESSAGES", "STATUS INBOX (BOGUS)", "STATUS INBOX (MESSAGES) x",
                "STATUS (MESSAGES)", "STATUS"):
        r = c.cmd(bad)
        assert r.status == "BAD" and r.untagged == [], (bad, r)
    r = c.cmd('STATUS "a//b" (MESSAGES)')
    assert r.status == "NO" and code(r) == "CANNOT", r
    # A superior that is not a mailbox has no status.
    c.ok("CREATE p/q")
    c.ok("DELETE p")
    r = c.cmd("STATUS p (MESSAGES)")
    assert r.status == "NO" and code(r) == "NONEXISTENT", r
    c.close()


def test_names_on_the_wire(server, user):
    c = login(server, user)
    c.ok('CREATE "my box"')
    c.ok("CREATE &ZeVnLIqe-")
    r = c.ok('STATUS "my box" (MESSAGES)')
    assert r.untagged == [b'* STATUS "my box" (MESSAGES 0)']
    r = c.ok("STATUS &ZeVnLIqe- (MESSAGES)")
    assert r.untagged == [b"* STATUS &ZeVnLIqe- (MESSAGES 0)"]
    c.close()


def test_recent_is_per_session(server, user):
    a = login(server, user)
    b = login(server, user)
    a.ok("SELECT INBOX")                     # a will claim new messages
    append(b, "INBOX")
    append(b, "INBOX")
    # Not yet announced to a: recent for whoever is told first.
    assert status(b, "INBOX", "RECENT MESSAGES") == {"RECENT": 2, "MESSAGES": 2}
    r = a.ok("NOOP")
    assert b"* 2 RECENT" in r.untagged, r
    # a claimed them: nobody else gets them as recent.
    assert status(b, "INBOX", "RECENT MESSAGES") == {"RECENT": 0, "MESSAGES": 2}
    a.close()
    b.close()


def test_status_of_selected_mailbox(server, user):
    c = login(server, user)
    c.ok("SELECT INBOX")
    append(c, "INBOX")
    r = c.ok("STATUS INBOX (MESSAGES UIDNEXT)")
    # RFC 9051 §6.3.11: allowed on the selected mailbox.
    assert b"* STATUS INBOX (MESSAGES 1 UIDNEXT 2)" in r.untagged
    c.close()


def test_highestmodseq_enables_condstore(server, user):
    c = login(server, user)
    append(c, "INBOX")
    c.ok("SELECT INBOX")
    r = c.ok("STATUS Drafts (HIGHESTMODSEQ)")
    # RFC 7162 §3.1: the first CONDSTORE enabling command with a mailbox
    # selected reports the selected mailbox's HIGHESTMODSEQ.
    hms = [u for u in r.untagged if u.startswith(b"* OK [HIGHESTMODSEQ ")]
    assert len(hms) == 1, r
    inbox_modseq = status(c, "INBOX", "HIGHESTMODSEQ")["HIGHESTMODSEQ"]
    assert hms[0].startswith(b"* OK [HIGHESTMODSEQ %d]" % inbox_modseq)
    assert b"* STATUS Drafts (HIGHESTMODSEQ 1)" in r.untagged
    # Only the first time.
    r = c.ok("STATUS Drafts (HIGHESTMODSEQ)")
    assert r.untagged == [b"* STATUS Drafts (HIGHESTMODSEQ 1)"]
    # From now on FETCH responses carry MODSEQ.
    r = c.ok("STORE 1 +FLAGS (\\Flagged)")
    assert b"MODSEQ (" in r.untagged[0], r
    c.close()


def test_appendlimit_follows_config(make_server):
    srv = make_server(opts={"append_max_bytes": "1M"}, users={"alice": "{PLAIN}wonderland"})
    c = srv.login()
    r = c.ok("STATUS INBOX (APPENDLIMIT)")
    assert r.untagged == [b"* STATUS INBOX (APPENDLIMIT 1048576)"]
    c.close()
