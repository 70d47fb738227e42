"""SORT and THREAD (RFC 5256, RFC 5957 DISPLAYFROM/DISPLAYTO) over real
sockets, including the base-subject rules of RFC 5256 §2.1."""
import pytest

import rmtest


def msg(subject, frm, to, date, size_pad=0, mid=None, refs=None, irt=None, cc=None):
    h = "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\n" % (frm, to, subject, date)
    if cc:
        h += "Cc: %s\r\n" % cc
    if mid:
        h += "Message-ID: %s\r\n" % mid
    if refs:
        h += "References: %s\r\n" % refs
    if irt:
        h += "In-Reply-To: %s\r\n" % irt
    return (h + "\r\n" + "x" * (10 + size_pad) + "\r\n").encode()


def answer(c, text, word):
    r = c.cmd(text)
    assert r.status == "OK", r
    line = r.find(word)
    assert len(line) == 1, r
    return line[0].decode()[len("* " + word):].strip()


@pytest.fixture
def sortbox(server, user):
    msgs = [
        msg("Re: apples", "\"Zed\" <zed@b.example>", "amy@x.example", "Mon, 02 Nov 2026 10:00:00 +0000", 50),
        msg("bananas", "Bob <bob@a.example>", "=?utf-8?q?=C3=89mile?= <emile@x.example>", "Sun, 01 Nov 2026 10:00:00 +0000", 5, cc="cc2@x"),
        msg("[list] Fwd: apples", "amy@c.example", "Yann <yann@x.example>", "Tue, 03 Nov 2026 10:00:00 +0000", 100, cc="cc1@x"),
        msg("cherries (fwd)", "Carl <carl@a.example>", "bea@x.example", "Sat, 31 Oct 2026 10:00:00 -0500", 0),
    ]
    rmtest.load_messages(server, user, "pw", "INBOX", msgs)
    c = server.login(user, "pw")
    c.ok("SELECT INBOX")
    yield c
    c.close()


@pytest.mark.parametrize("crit,want", [
    ("(SUBJECT)", "1 3 2 4"),          # apples apples bananas cherries
    ("(REVERSE SUBJECT)", "4 2 1 3"),  # REVERSE does not reverse the seq tie-break
    ("(DATE)", "4 2 1 3"),
    ("(REVERSE DATE)", "3 1 2 4"),
    ("(ARRIVAL)", "1 2 3 4"),
    ("(SIZE)", "4 2 1 3"),
    ("(FROM)", "3 2 4 1"),             # amy bob carl zed
    ("(TO)", "1 4 2 3"),               # amy bea emile yann
    ("(CC)", "1 4 3 2"),               # "" "" cc1 cc2
    ("(DISPLAYFROM)", "3 2 4 1"),      # amy@c.example bob carl zed
    ("(DISPLAYTO)", "1 4 3 2"),        # amy bea yann émile (U+00C9 folds to é, after ASCII)
    ("(SUBJECT REVERSE DATE)", "3 1 2 4"),
])
def test_sort_criteria(sortbox, crit, want):
    assert answer(sortbox, "SORT %s UTF-8 ALL" % crit, "SORT") == want


def test_sort_search_and_uid(sortbox):
    assert answer(sortbox, "SORT (SIZE) US-ASCII NOT FROM bob", "SORT") == "4 1 3"
    assert answer(sortbox, "UID SORT (DATE) UTF-8 2:3", "SORT") == "2 3"
    assert answer(sortbox, "SORT (SUBJECT) UTF-8 TEXT \"not in mailbox\"", "SORT") == ""
    assert sortbox.cmd("SORT (SUBJECT) KOI8-R ALL").status == "NO"
    assert sortbox.cmd("SORT (BOGUS) UTF-8 ALL").status == "BAD"
    assert sortbox.cmd("SORT SUBJECT UTF-8 ALL").status == "BAD"


# RFC 5256 §2.1 base subjects, checked through SORT's grouping: a message
# with the plain subject "x" comes first (lower seq) and every variant must
# sort equal to it, i.e. stay in sequence order after it.
@pytest.mark.parametrize("variant", [
    "Re: x", "RE:x", "Fwd: x", "fw: x", "Re[2]: x", "[list] Re: x", "Re: [list] x",
    "x (fwd)", "x (FWD)  ", "[Fwd: x]", "[fwd: Re: x (fwd)]", "re: re: RE: x", "  x  ",
    "=?utf-8?q?Re=3A_x?=", "Re: [blob] [blob2] x",
])
def test_base_subject(server, user, variant):
    msgs = [msg("x", "a@b", "c@d", "Mon, 02 Nov 2026 10:00:00 +0000"),
            msg("w", "a@b", "c@d", "Mon, 02 Nov 2026 10:00:00 +0000"),
            msg(variant, "a@b", "c@d", "Mon, 02 Nov 2026 10:00:00 +0000"),
            msg("y", "a@b", "c@d", "Mon, 02 Nov 2026 10:00:00 +0000")]
    rmtest.load_messages(server, user, "pw", "INBOX", msgs)
    c = server.login(user, "pw")
    c.ok("SELECT INBOX")
    assert answer(c, "SORT (SUBJECT) UTF-8 ALL", "SORT") == "2 1 3 4"
    c.close()


def test_base_subject_blob_kept_when_alone(server, user):
    # "[blob]" is removed only when a non-empty subject remains (step 4).
    msgs = [msg("[b]", "a@b", "c@d", "Mon, 02 Nov 2026 10:00:00 +0000"),
            msg("b", "a@b", "c@d", "Mon, 02 Nov 2026 10:00:00 +0000")]
    rmtest.load_messages(server, user, "pw", "INBOX", msgs)
    c = server.login(user, "pw")
    c.ok("SELECT INBOX")
    assert answer(c, "SORT (SUBJECT) UTF-8 ALL", "SORT") == "1 2"   # "[b]" < "b"
    c.close()


def test_thread_orderedsubject(server, user):
    d = "Mon, 0%d Nov 2026 10:00:00 +0000"
    msgs = [msg("alpha", "a@b", "c@d", d % 3), msg("Re: alpha", "a@b", "c@d", d % 4),
            msg("beta", "a@b", "c@d", d % 1), msg("Re: alpha", "a@b", "c@d", d % 5),
            msg("gamma", "a@b", "c@d", d % 2), msg("Re: gamma", "a@b", "c@d", d % 6)]
    rmtest.load_messages(server, user, "pw", "INBOX", msgs)
    c = server.login(user, "pw")
    c.ok("SELECT INBOX")
    assert answer(c, "THREAD ORDEREDSUBJECT UTF-8 ALL", "THREAD") == "(3)(5 6)(1 (2)(4))"
    assert answer(c, "UID THREAD ORDEREDSUBJECT UTF-8 TEXT nomatch", "THREAD") == ""
    assert c.cmd("THREAD NOSUCH UTF-8 ALL").status == "BAD"
    c.close()


def test_thread_references(server, user):
    d = "Mon, 0%d Nov 2026 10:00:00 +0000"
    msgs = [
        msg("topic", "a@b", "c@d", d % 1, mid="<1@x>"),
        msg("Re: topic", "a@b", "c@d", d % 2, mid="<2@x>", refs="<1@x>"),
        msg("Re: topic", "a@b", "c@d", d % 3, mid="<3@x>", refs="<1@x> <2@x>"),
        msg("Re: topic", "a@b", "c@d", d % 4, mid="<4@x>", irt="<1@x>"),
        msg("other", "a@b", "c@d", d % 5, mid="<5@x>"),
        # Parent missing from the mailbox: two siblings under a dummy.
        msg("Re: lost", "a@b", "c@d", d % 6, mid="<6@x>", refs="<gone@x>"),
        msg("Re: lost", "a@b", "c@d", d % 7, mid="<7@x>", refs="<gone@x>"),
        # Same subject, no references: grouped by subject under "other".
        msg("Re: other", "a@b", "c@d", d % 8, mid="<8@x>"),
        # Quoting differences in msg-ids are normalized.
        msg("Re: topic", "a@b", "c@d", d % 9, mid="<9@x>", refs="<\"4\"@x>"),
    ]
    rmtest.load_messages(server, user, "pw", "INBOX", msgs)
    c = server.login(user, "pw")
    c.ok("SELECT INBOX")
    assert answer(c, "THREAD REFERENCES UTF-8 ALL", "THREAD") == \
        "(1 (2 3)(4 9))(5 8)((6)(7))"
    assert answer(c, "UID THREAD REFERENCES UTF-8 1:3", "THREAD") == "(1 2 3)"
    c.close()
