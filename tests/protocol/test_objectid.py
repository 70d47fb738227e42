"""OBJECTID (RFC 8474) and SAVEDATE (RFC 8514): MAILBOXID from CREATE,
SELECT and STATUS, stable across RENAME; EMAILID shared by copies; THREADID
by conversation root; SAVEDATE of the copy; SEARCH EMAILID and THREADID."""
import re
import time

import rmtest

MSG = b"Subject: x\r\n\r\nbody\r\n"


def login(server, user):
    c = server.connect()
    c.greeting()
    c.ok("LOGIN %s pw" % user)
    return c


def mailboxid(text):
    return re.search(rb"MAILBOXID \(([A-Za-z0-9_-]+)\)", text).group(1)


def test_mailboxid(server, user):
    c = login(server, user)
    assert "OBJECTID" in c.ok("CAPABILITY").untagged[0].decode()
    r = c.ok("CREATE Projects")
    created = mailboxid(r.tagged)
    r = c.ok("SELECT Projects")
    assert mailboxid(b"\n".join(r.untagged)) == created
    c.ok("UNSELECT")
    r = c.ok("STATUS Projects (MAILBOXID MESSAGES)")
    assert mailboxid(r.untagged[0]) == created
    c.ok("RENAME Projects Archive2026")
    r = c.ok("STATUS Archive2026 (MAILBOXID)")
    assert mailboxid(r.untagged[0]) == created      # stable across RENAME
    r = c.ok("STATUS INBOX (MAILBOXID)")
    assert mailboxid(r.untagged[0]) != created
    c.ok("DELETE Archive2026")
    r = c.ok("CREATE Projects")
    assert mailboxid(r.tagged) != created            # never reused
    c.close()


def test_emailid_threadid_savedate(server, user):
    c = login(server, user)
    for body in (MSG, MSG + b"other\r\n"):
        tag = c.next_tag()
        c.send(("%s APPEND INBOX {%d+}\r\n" % (tag, len(body))).encode() + body + b"\r\n")
        assert c.read_response(tag).status == "OK"
    c.ok("SELECT INBOX")
    time.sleep(1.1)
    c.ok("COPY 1 Trash")
    r = c.ok("FETCH 1:2 (EMAILID THREADID SAVEDATE)")
    ids = [re.search(rb"EMAILID \(([A-Za-z0-9_-]+)\)", u).group(1) for u in r.untagged]
    assert ids[0] != ids[1]
    threads = [re.search(rb"THREADID \(([A-Za-z0-9_-]+)\)", u).group(1) for u in r.untagged]
    assert threads[0] != threads[1]
    assert all(re.search(rb'SAVEDATE "\d\d-\w\w\w-\d{4} ', u) for u in r.untagged)
    c.ok("SELECT Trash")
    r = c.ok("FETCH 1 (EMAILID)")
    assert re.search(rb"EMAILID \(([A-Za-z0-9_-]+)\)", r.untagged[0]).group(1) == ids[0]
    c.close()


def test_threadid_follows_references(server, user):
    c = login(server, user)
    msgs = [b"Message-ID: <root@x>\r\nSubject: a\r\n\r\n1\r\n",
            b"Message-ID: <r1@x>\r\nIn-Reply-To: <root@x>\r\nSubject: Re: a\r\n\r\n2\r\n",
            b"Message-ID: <r2@x>\r\nReferences: <root@x> <r1@x>\r\nSubject: Re: a\r\n\r\n3\r\n",
            b"Message-ID: <other@x>\r\nSubject: b\r\n\r\n4\r\n"]
    for body in msgs:
        tag = c.next_tag()
        c.send(("%s APPEND INBOX {%d+}\r\n" % (tag, len(body))).encode() + body + b"\r\n")
        assert c.read_response(tag).status == "OK"
    c.ok("SELECT INBOX")
    r = c.ok("FETCH 1:4 THREADID")
    t = [re.search(rb"THREADID \(([A-Za-z0-9_-]+)\)", u).group(1) for u in r.untagged]
    assert t[0] == t[1] == t[2] != t[3]
    c.close()


def test_search_emailid_threadid(server, user):
    """RFC 8474 §6: SEARCH EMAILID and THREADID find the messages FETCH
    gave those ids to; unknown or malformed ids match nothing."""
    c = login(server, user)
    msgs = [b"Message-ID: <root@y>\r\nSubject: a\r\n\r\n1\r\n",
            b"Message-ID: <r1@y>\r\nIn-Reply-To: <root@y>\r\nSubject: Re: a\r\n\r\n2\r\n",
            b"Message-ID: <solo@y>\r\nSubject: b\r\n\r\n3\r\n",
            b"Subject: no ids at all\r\n\r\n4\r\n"]
    for body in msgs:
        tag = c.next_tag()
        c.send(("%s APPEND INBOX {%d+}\r\n" % (tag, len(body))).encode() + body + b"\r\n")
        assert c.read_response(tag).status == "OK"
    c.ok("SELECT INBOX")
    c.ok("COPY 3 INBOX")       # a copy shares its EMAILID (RFC 8474 §5.1)
    r = c.ok("FETCH 1:5 (EMAILID THREADID)")
    e = [re.search(rb"EMAILID \(([A-Za-z0-9_-]+)\)", u).group(1).decode() for u in r.untagged]
    t = [re.search(rb"THREADID \(([A-Za-z0-9_-]+)\)", u).group(1).decode() for u in r.untagged]

    def found(key):
        r = c.ok("SEARCH " + key)
        return [int(x) for x in r.untagged[0].split()[2:]]

    assert found("EMAILID " + e[0]) == [1]
    assert found("EMAILID " + e[2]) == [3, 5]
    assert found("THREADID " + t[0]) == [1, 2]
    assert found("THREADID " + t[3]) == [4]          # a thread of its own
    assert found("OR EMAILID %s THREADID %s" % (e[3], t[2])) == [3, 4, 5]
    assert found("EMAILID M0000ffffffffffffffff") == []
    assert found("EMAILID m" + e[0][1:]) == []
    assert found("THREADID Tnope") == []
    assert found("NOT THREADID " + t[0]) == [3, 4, 5]
