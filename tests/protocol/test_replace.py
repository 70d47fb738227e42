"""REPLACE and UID REPLACE (RFC 8508): the new message is appended, then
the old one is removed from the selected mailbox; errors leave both
mailboxes as they were."""
import re

import pytest

DRAFT1 = b"Subject: draft 1\r\nMessage-ID: <d1@example.org>\r\n\r\nfirst words\r\n"
DRAFT2 = b"Subject: draft 2\r\nMessage-ID: <d2@example.org>\r\n\r\nfirst words, more words\r\n"
FINAL = b"Subject: sent\r\nMessage-ID: <d3@example.org>\r\n\r\nthe final text\r\n"


def login(srv, user, password="pw"):
    c = srv.connect()
    c.greeting()
    c.ok("LOGIN %s %s" % (user, password))
    return c


def send_with_literal(c, head, body):
    tag = c.next_tag()
    c.send(("%s %s {%d+}\r\n" % (tag, head, len(body))).encode() + body + b"\r\n")
    return c.read_response(tag)


def bodies(c, mailbox):
    c.ok("EXAMINE %s" % mailbox)
    r = c.ok("UID FETCH 1:* (BODY.PEEK[])")
    out = {}
    for line in r.untagged:
        m = re.match(rb"\* \d+ FETCH \(UID (\d+) BODY\[\] \{(\d+)\}\r\n", line)
        assert m, line
        out[int(m.group(1))] = line[m.end():m.end() + int(m.group(2))]
    return out


def test_replace_draft_in_place(server, user):
    c = login(server, user)
    assert "REPLACE" in c.ok("CAPABILITY").untagged[0].decode().split()
    assert send_with_literal(c, "APPEND Drafts (\\Draft)", DRAFT1).status == "OK"
    c.ok("SELECT Drafts")
    r = send_with_literal(c, "REPLACE 1 Drafts (\\Draft \\Seen)", DRAFT2)
    assert r.status == "OK", r
    # RFC 8508 §3.2: APPENDUID for the new message, the removal as EXPUNGE,
    # the arrival as EXISTS, all before the tagged OK.
    m = re.match(rb"\* OK \[APPENDUID (\d+) (\d+)\] ", r.untagged[0])
    assert m and int(m.group(2)) == 2, r
    assert b"* 1 EXPUNGE" in r.untagged and b"* 1 EXISTS" in r.untagged
    # One RECENT, after the EXISTS (RFC 3501 §7.3.2), not one per change.
    recent = [u for u in r.untagged if u.endswith(b" RECENT")]
    assert recent == [b"* 1 RECENT"], r
    assert r.untagged.index(recent[0]) > r.untagged.index(b"* 1 EXISTS"), r
    r = c.ok("UID FETCH 1:* (FLAGS)")
    m = re.match(rb"\* 1 FETCH \(UID 2 FLAGS \(([^)]*)\)\)$", r.untagged[0])
    assert m and set(m.group(1).split()) == {b"\\Seen", b"\\Draft", b"\\Recent"}, r
    assert bodies(c, "Drafts") == {2: DRAFT2}
    c.close()


def test_uid_replace_into_another_mailbox(server, user):
    c = login(server, user)
    send_with_literal(c, "APPEND Drafts", DRAFT1)
    send_with_literal(c, "APPEND Drafts", DRAFT2)
    c.ok("SELECT Drafts")
    r = send_with_literal(c, "UID REPLACE 2 Sent (\\Seen)", FINAL)
    assert r.status == "OK", r
    assert r.untagged[0].startswith(b"* OK [APPENDUID ")
    assert b"* 2 EXPUNGE" in r.untagged and not any(u.endswith(b"EXISTS") for u in r.untagged)
    assert bodies(c, "Drafts") == {1: DRAFT1}
    assert list(bodies(c, "Sent").values()) == [FINAL]
    c.close()


def test_errors_change_nothing(server, user):
    c = login(server, user)
    # Selected state only (RFC 8508 §3.5).
    assert send_with_literal(c, "REPLACE 1 Drafts", FINAL).status == "BAD"
    send_with_literal(c, "APPEND Drafts", DRAFT1)
    c.ok("SELECT Drafts")
    # No such UID: NO, nothing appended.
    r = send_with_literal(c, "UID REPLACE 99 Drafts", FINAL)
    assert r.status == "NO" and "[NONEXISTENT]" in r.text
    # A sequence number past the end is a syntax error (RFC 9051 §9).
    assert send_with_literal(c, "REPLACE 5 Drafts", FINAL).status == "BAD"
    # One message only.
    assert send_with_literal(c, "REPLACE 1:2 Drafts", FINAL).status == "BAD"
    # The target must exist; the old message stays.
    r = send_with_literal(c, "REPLACE 1 NoSuchBox", FINAL)
    assert r.status == "NO" and "[TRYCREATE]" in r.text
    # Read-only selection: nothing can be removed.
    c.ok("EXAMINE Drafts")
    r = send_with_literal(c, "REPLACE 1 Drafts", FINAL)
    assert r.status == "NO" and "[CANNOT]" in r.text
    assert bodies(c, "Drafts") == {1: DRAFT1}
    c.close()


@pytest.fixture
def qserver(make_server):
    return make_server(users={"q": "{PLAIN}pw::::::userdb_quota_rule=*:messages=2"})


def test_quota_counts_the_net_change(qserver):
    """RFC 8508 §3.4: quota is judged with the pending expunge, so a full
    mailbox can still have a message replaced."""
    c = login(qserver, "q")
    assert send_with_literal(c, "APPEND INBOX", DRAFT1).status == "OK"
    assert send_with_literal(c, "APPEND INBOX", DRAFT2).status == "OK"
    r = send_with_literal(c, "APPEND INBOX", FINAL)
    assert r.status == "NO" and "[OVERQUOTA]" in r.text
    c.ok("SELECT INBOX")
    assert send_with_literal(c, "REPLACE 2 INBOX", FINAL).status == "OK"
    assert sorted(bodies(c, "INBOX").values()) == sorted([DRAFT1, FINAL])
    c.close()
