"""SEARCH over real sockets: every search key of RFC 9051 / RFC 3501,
decoded text (RFC 2047 headers, base64 / quoted-printable bodies, charsets,
HTML), ESEARCH result options (RFC 4731), SEARCHRES (RFC 5182), CHARSET."""
import base64

import pytest

import rmtest

PLAIN = (b"From: Ann Example <ann@example.org>\r\n"
         b"To: Bob <bob@example.net>\r\n"
         b"Cc: Carol <carol@example.com>\r\n"
         b"Bcc: Dave <dave@example.com>\r\n"
         b"Subject: Quarterly report\r\n"
         b"Date: Tue, 24 Nov 2026 10:00:00 +0000\r\n"
         b"Message-ID: <m1@example.org>\r\n"
         b"X-Tracker: alpha-7\r\n"
         b"\r\n"
         b"The figures are attached.\r\n")
ENCODED = (b"From: =?utf-8?q?J=C3=B6rg_M=C3=BCller?= <jorg@example.de>\r\n"
           b"To: ann@example.org\r\n"
           b"Subject: =?iso-8859-1?q?Caf=E9_?= =?iso-8859-1?q?cr=E8me?=\r\n"
           b"Date: Wed, 02 Dec 2026 08:30:00 +0100\r\n"
           b"MIME-Version: 1.0\r\n"
           b"Content-Type: multipart/alternative; boundary=b1\r\n\r\n"
           b"--b1\r\nContent-Type: text/plain; charset=iso-8859-1\r\n"
           b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
           b"Gr=FC=DFe aus M=FCnchen, soft=\r\nbreak\r\n"
           b"--b1\r\nContent-Type: text/html; charset=utf-8\r\n"
           b"Content-Transfer-Encoding: base64\r\n\r\n" +
           base64.encodebytes("<p>Hello <b>W\u00f6rld</b> &amp; tags</p>".encode()).replace(b"\n", b"\r\n") +
           b"--b1--\r\n")
KOI8 = (b"From: ivan@example.ru\r\nSubject: privet\r\n"
        b"Date: Thu, 03 Dec 2026 09:00:00 +0000\r\n"
        b"Content-Type: text/plain; charset=koi8-r\r\n\r\n" +
        "\u041f\u0440\u0438\u0432\u0435\u0442 \u043c\u0438\u0440".encode("koi8-r") + b"\r\n")
ATTACH = (b"From: zed@example.org\r\nSubject: binary\r\n"
          b"Date: Fri, 04 Dec 2026 09:00:00 +0000\r\n"
          b"Content-Type: multipart/mixed; boundary=zz\r\n\r\n"
          b"--zz\r\nContent-Type: text/plain\r\n\r\nsee attachment\r\n"
          b"--zz\r\nContent-Type: application/octet-stream\r\n"
          b"Content-Transfer-Encoding: base64\r\n\r\n" +
          base64.encodebytes(b"needle-in-binary").replace(b"\n", b"\r\n") + b"--zz--\r\n")


@pytest.fixture
def box(server, user):
    msgs = [PLAIN, ENCODED, KOI8, ATTACH]
    rmtest.load_messages(server, user, "pw", "INBOX", msgs)
    c = server.login(user, "pw")
    c.ok("SELECT INBOX")
    c.ok("STORE 1 +FLAGS (\\Flagged \\Seen $Work)")
    c.ok("STORE 2 +FLAGS (\\Answered \\Deleted)")
    c.ok("STORE 3 +FLAGS (\\Draft)")
    yield c
    c.close()


def search(c, text):
    r = c.cmd(text)
    assert r.status == "OK", r
    lines = r.find("SEARCH") or r.find("ESEARCH")
    assert len(lines) == 1, r
    return lines[0].decode("latin1")


def nums(c, text):
    return [int(x) for x in search(c, text).split("(")[0].split()[2:]]


def literal(c, prefix, word, suffix=""):
    data = word.encode()
    tag = c.next_tag()
    c.send(("%s %s {%d+}\r\n" % (tag, prefix, len(data))).encode() + data + suffix.encode() + b"\r\n")
    r = c.read_response(tag)
    assert r.status == "OK", r
    return [int(x) for x in r.find("SEARCH")[0].split()[2:]]


@pytest.mark.parametrize("key,want", [
    ("ALL", [1, 2, 3, 4]), ("1:2", [1, 2]), ("UID 2:3", [2, 3]), ("*", [4]),
    ("ANSWERED", [2]), ("UNANSWERED", [1, 3, 4]), ("DELETED", [2]), ("UNDELETED", [1, 3, 4]),
    ("DRAFT", [3]), ("UNDRAFT", [1, 2, 4]), ("FLAGGED", [1]), ("UNFLAGGED", [2, 3, 4]),
    ("SEEN", [1]), ("UNSEEN", [2, 3, 4]), ("KEYWORD $Work", [1]), ("UNKEYWORD $work", [2, 3, 4]),
    ("KEYWORD nosuch", []), ("RECENT", [1, 2, 3, 4]), ("NEW", [2, 3, 4]), ("OLD", []),
    ("LARGER %d" % len(PLAIN), [2, 4]), ("SMALLER %d" % len(PLAIN), [3]),
    ("LARGER %d" % (len(PLAIN) - 1), [1, 2, 4]),
    ("SENTBEFORE 2-Dec-2026", [1]), ("SENTON 2-Dec-2026", [2]), ("SENTSINCE 3-Dec-2026", [3, 4]),
    ("FROM ann", [1]), ("FROM EXAMPLE.DE", [2]), ("TO bob", [1]), ("TO ann@", [2]),
    ("CC carol", [1]), ("BCC dave", [1]), ("SUBJECT quarterly", [1]), ("SUBJECT crème", None),
    ("HEADER X-Tracker alpha", [1]), ("HEADER x-tracker \"\"", [1]), ("HEADER Message-ID <m1@", [1]),
    ("BODY figures", [1]), ("BODY quarterly", []), ("TEXT quarterly", [1]), ("TEXT tracker", [1]),
    ("BODY \"soft break\"", []), ("BODY softbreak", [2]), ("BODY \"amp; tags\"", []),
    ("BODY \"& tags\"", [2]), ("BODY needle-in-binary", []), ("BODY attachment", [4]),
    ("NOT FROM ann", [2, 3, 4]), ("OR FLAGGED DRAFT", [1, 3]), ("(SEEN FLAGGED) FROM ann", [1]),
    ("NOT (OR SEEN DELETED)", [3, 4]), ("TEXT \"zz-absent\"", []), ("TEXT ivan", [3]),
])
def test_each_key(box, key, want):
    if want is None:
        pytest.skip("8-bit needles are tested with literals")
    assert nums(box, "SEARCH " + key) == want


def test_decoded_text_with_literals(box):
    assert literal(box, "SEARCH CHARSET UTF-8 FROM", "jörg müller") == [2]
    assert literal(box, "SEARCH CHARSET UTF-8 SUBJECT", "CAFÉ CRÈME") == [2]
    assert literal(box, "SEARCH CHARSET UTF-8 BODY", "grüße aus münchen") == [2]
    assert literal(box, "SEARCH CHARSET UTF-8 BODY", "wörld") == [2]
    assert literal(box, "SEARCH CHARSET UTF-8 TEXT", "ПРИВЕТ") == [3]
    assert literal(box, "SEARCH CHARSET UTF-8 TEXT", "ö") == [2]


def test_charset(box):
    r = box.cmd("SEARCH CHARSET KOI8-R TEXT x")
    assert r.status == "NO" and "[BADCHARSET" in r.text
    assert nums(box, "SEARCH CHARSET US-ASCII FROM ann") == [1]
    assert box.cmd("SEARCH FOO").status == "BAD"


def test_uid_search_and_modseq(box):
    assert nums(box, "UID SEARCH FROM ann") == [1]
    line = search(box, "SEARCH MODSEQ 1 FROM ann")
    assert line.startswith("* SEARCH 1 (MODSEQ ") and line.endswith(")")


def test_esearch(box):
    assert search(box, "SEARCH RETURN (MIN MAX COUNT) UNSEEN") == \
        '* ESEARCH (TAG "%s") MIN 2 MAX 4 COUNT 3' % ("t%d" % box.tagn)
    assert search(box, "UID SEARCH RETURN () NOT DELETED").endswith(" UID ALL 1,3:4")
    assert search(box, "SEARCH RETURN (COUNT) TEXT nothing-like-this").endswith(") COUNT 0")
    assert search(box, "SEARCH RETURN (ALL) TEXT nothing-like-this") == \
        '* ESEARCH (TAG "%s")' % ("t%d" % box.tagn)
    assert box.cmd("SEARCH RETURN (FOO) ALL").status == "BAD"


def test_searchres(box):
    r = box.cmd("SEARCH RETURN (SAVE) UNSEEN")
    assert r.status == "OK" and not r.find("ESEARCH") and not r.find("SEARCH")
    assert nums(box, "SEARCH $") == [2, 3, 4]
    assert nums(box, "SEARCH $ DRAFT") == [3]
    r = box.cmd("FETCH $ (UID)")
    assert len(r.find("")) == 3
    box.cmd("SEARCH RETURN (SAVE MIN) UNSEEN")
    assert nums(box, "UID SEARCH UID $") == [2]
    box.cmd("SEARCH RETURN (SAVE MIN MAX) UNSEEN")
    assert nums(box, "SEARCH $") == [2, 4]
    box.cmd("SEARCH RETURN (SAVE) TEXT absent-word-zz")
    assert nums(box, "SEARCH $") == []
    assert search(box, "SEARCH RETURN (SAVE ALL) FLAGGED").endswith("ALL 1")


def test_rev2_answers_esearch(server, user):
    rmtest.load_messages(server, user, "pw", "INBOX", [PLAIN])
    c = server.login(user, "pw")
    r = c.cmd("ENABLE IMAP4rev2")
    if "IMAP4REV2" not in b" ".join(r.untagged).decode().upper():
        pytest.skip("IMAP4rev2 not enabled by this server yet")
    c.ok("SELECT INBOX")
    assert search(c, "SEARCH FROM ann") == '* ESEARCH (TAG "%s") ALL 1' % ("t%d" % c.tagn)


def test_saved_result_reset_when_mailbox_left(server, user):
    """RFC 5182 §2.1: SELECT, EXAMINE, CLOSE and UNSELECT reset the saved
    search result; afterwards $ refers to no message."""
    rmtest.load_messages(server, user, "pw", "INBOX", [PLAIN, PLAIN])
    c = server.login(user, "pw")
    for leave in ("SELECT INBOX", "EXAMINE INBOX", "CLOSE", "UNSELECT"):
        c.ok("SELECT INBOX")
        c.ok("SEARCH RETURN (SAVE) ALL")
        assert nums(c, "SEARCH $") == [1, 2]
        c.ok(leave)
        if leave in ("CLOSE", "UNSELECT"):
            c.ok("EXAMINE INBOX")
        assert nums(c, "SEARCH $") == [], leave
    c.close()


def test_within_older_younger(server, user):
    """WITHIN (RFC 5032 §3): OLDER/YOUNGER compare INTERNALDATE with the
    server's time minus the interval, to the second, both ends inclusive."""
    import time as _t
    c = server.login(user, "pw")
    assert "WITHIN" in c.ok("CAPABILITY").find("CAPABILITY")[0].decode().split()
    old = _t.strftime("%d-%b-%Y %H:%M:%S +0000", _t.gmtime(_t.time() - 3 * 86400))
    for date in (old, None):
        tag = c.next_tag()
        d = ' "%s"' % old if date else ""
        c.send("%s APPEND INBOX%s {%d+}\r\n" % (tag, d, len(PLAIN)))
        c.send(PLAIN + b"\r\n")
        assert c.read_response(tag).status == "OK"
    c.ok("SELECT INBOX")
    assert nums(c, "SEARCH YOUNGER 3600") == [2]
    assert nums(c, "SEARCH OLDER 3600") == [1]
    assert nums(c, "SEARCH YOUNGER 345600") == [1, 2]   # four days
    assert nums(c, "SEARCH OLDER 345600") == []
    assert c.cmd("SEARCH OLDER 0").status == "BAD"        # nz-number
    c.close()


def test_sent_keys_use_the_date_as_written(server, user):
    """RFC 9051 §6.4.4: SENTON and friends compare the Date header's date
    "disregarding time and timezone": a message dated late on 1-Dec in
    New York (already 2-Dec in UTC) was sent on 1-Dec; one dated early
    2-Dec in Tokyo (still 1-Dec in UTC) was sent on 2-Dec.  SORT DATE
    still orders by the instant (RFC 5256 §2.2: normalized to UTC)."""
    ny = b"Date: Tue, 1 Dec 2026 22:30:00 -0500\r\nSubject: ny\r\n\r\nx\r\n"
    tokyo = b"Date: Wed, 2 Dec 2026 06:00:00 +0900\r\nSubject: tokyo\r\n\r\ny\r\n"
    rmtest.load_messages(server, user, "pw", "INBOX", [ny, tokyo])
    c = server.login(user, "pw")
    c.ok("SELECT INBOX")
    assert nums(c, "SEARCH SENTON 1-Dec-2026") == [1]
    assert nums(c, "SEARCH SENTON 2-Dec-2026") == [2]
    assert nums(c, "SEARCH SENTBEFORE 2-Dec-2026") == [1]
    assert nums(c, "SEARCH SENTSINCE 2-Dec-2026") == [2]
    # Instants: Tokyo's 06:00+0900 (21:00Z on 1-Dec) is before New York's
    # 22:30-0500 (03:30Z on 2-Dec).
    r = c.ok("SORT (DATE) UTF-8 ALL")
    assert r.find("SORT")[0] == b"* SORT 2 1"
    c.close()
