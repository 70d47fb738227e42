"""Migration: a Maildir written by Dovecot itself (mail delivered through its
LMTP, folders, flags, keywords and internal dates set over its IMAP) is
imported with `ringmail import`, and an IMAP client sees the same folders
and, message by message, the same bytes, size, flags and internal date on
ringmail as on Dovecot."""
import os
import re
import smtplib
import subprocess

import pytest

import dovecot
import rmtest

pytestmark = pytest.mark.skipif(not dovecot.available(), reason="dovecot-imapd/lmtpd missing")

CORPUS = os.path.join(rmtest.REPO, "..", "shared", "corpus", "spamassassin-public-corpus-sample")
FOLDERS = ["Work", "Archive.2002", "Caf&AOk-"]   # Dovecot Maildir++: "." between levels


def corpus_messages(n):
    """n real messages, mbox From_ line dropped, CRLF line ends."""
    out = []
    root = os.environ.get("RINGMAIL_CORPUS", CORPUS)
    for sub in ("easy-ham-1", "mime-rich", "spam-2"):
        d = os.path.join(root, sub)
        if not os.path.isdir(d):
            continue
        for name in sorted(os.listdir(d)):
            with open(os.path.join(d, name), "rb") as f:
                data = f.read()
            if data.startswith(b"From "):
                data = data.split(b"\n", 1)[1]
            data = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
            out.append(data)
            if len(out) % 20 == 0:
                break
        if len(out) == n:
            return out
    return out


def login(port, user, password):
    c = rmtest.Client(port)
    c.greeting()
    c.ok("LOGIN %s %s" % (user, password))
    return c


def populate(dc, msgs):
    """Half over Dovecot's LMTP, half APPENDed to folders with dates and
    flags; then flag changes and keywords over IMAP."""
    lmtp_n = len(msgs) // 2
    with smtplib.LMTP("127.0.0.1", dc.lmtp_port) as l:
        for m in msgs[:lmtp_n]:
            l.sendmail("sender@example.org", ["mig@example.net"], m)
    c = login(dc.imap_port, "mig", "pw")
    for f in FOLDERS:
        c.ok('CREATE "%s"' % f)
    for i, m in enumerate(msgs[lmtp_n:]):
        folder = FOLDERS[i % len(FOLDERS)]
        flags = ["", "\\Seen", "\\Seen \\Flagged", "\\Answered $Label1", "\\Draft Project"][i % 5]
        date = "%02d-Mar-2002 10:%02d:00 +0000" % (1 + i % 28, i % 60)
        tag = c.next_tag()
        c.send(('%s APPEND "%s" (%s) "%s" {%d+}\r\n' % (tag, folder, flags, date, len(m))).encode()
               + m + b"\r\n")
        assert c.read_response(tag).status == "OK"
    # Dovecot keeps these in its "subscriptions" file (modified UTF-7,
    # TAB between levels); Archive.2002 stays unsubscribed.
    c.ok('SUBSCRIBE "Work"')
    c.ok('SUBSCRIBE "Caf&AOk-"')
    c.ok("SELECT INBOX")
    c.ok("STORE 1:5 +FLAGS (\\Seen)")
    c.ok("STORE 2 +FLAGS (\\Flagged Urgent $Forwarded)")
    c.ok("STORE 3 +FLAGS (\\Deleted)")
    c.ok("LOGOUT")


def snapshot(port, user, password, delim):
    """{folder: [(flags, internaldate, size, bytes)]} in UID order; folder
    names with "/" between levels whatever the server's delimiter."""
    c = login(port, user, password)
    folders = []
    for u in c.ok('LIST "" "*"').untagged:
        m = re.match(rb'\* LIST \(([^)]*)\) "[./]" (.*)$', u)
        if b"\\Noselect" in m.group(1) or b"\\NonExistent" in m.group(1):
            continue  # Dovecot's placeholder for a superior that has no folder
        folders.append(m.group(2).decode().strip('"').replace(".", "/"))
    snap = {}
    for name in folders:
        c.ok('EXAMINE "%s"' % name.replace("/", delim))
        r = c.cmd("FETCH 1:* (FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[])")
        rows = []
        for u in r.untagged:
            m = re.match(rb'\* \d+ FETCH \((.*?)BODY\[\] \{(\d+)\}\r\n', u, re.S)
            if not m:
                continue
            meta = m.group(1)
            flags = set(re.search(rb"FLAGS \(([^)]*)\)", meta).group(1).split()) - {b"\\Recent"}
            date = re.search(rb'INTERNALDATE "([^"]+)"', meta).group(1)
            size = int(re.search(rb"RFC822\.SIZE (\d+)", meta).group(1))
            rows.append((flags, date, size, u[m.end():m.end() + int(m.group(2))]))
        snap[name] = rows
    c.ok("LOGOUT")
    c.close()
    return snap


def test_dovecot_maildir_migrates(make_server):
    msgs = corpus_messages(60)
    assert len(msgs) == 60
    dc = dovecot.Dovecot({"mig": "pw"}).start()
    try:
        populate(dc, msgs)
        before = snapshot(dc.imap_port, "mig", "pw", ".")
        dc.stop()
        srv = make_server(users={"mig": "{PLAIN}pw"}, start=False)
        srv.prepare()
        out = subprocess.run([rmtest.RINGMAIL, "-d", srv.data_dir, "import", "mig", "maildir",
                              dc.maildir("mig")], capture_output=True, text=True)
        assert out.returncode == 0, out
        assert out.stdout.startswith("import: 60 messages in ")
        assert ", 2 subscribed, 0 failed" in out.stdout, out.stdout
        srv.start()
        after = snapshot(srv.imap_port, "mig", "pw", "/")
        c = login(srv.imap_port, "mig", "pw")
        subs = {u.split(b'"/" ')[1].strip(b'"') for u in c.ok('LSUB "" "*"').untagged}
        assert {b"Work", b"Caf&AOk-"} <= subs and b"Archive/2002" not in subs, subs
        c.close()
    finally:
        dc.cleanup()
    # ringmail adds its default special-use folders; everything Dovecot
    # had is there, message by message.
    assert sum(len(v) for v in before.values()) == 60
    for folder, rows in before.items():
        assert folder in after, folder
        assert len(after[folder]) == len(rows), folder
        for i, (b, a) in enumerate(zip(rows, after[folder])):
            assert a[0] == b[0], (folder, i, "flags", a[0], b[0])
            assert a[1] == b[1], (folder, i, "internaldate")
            assert a[2] == b[2], (folder, i, "size")
            assert a[3] == b[3], (folder, i, "bytes")
