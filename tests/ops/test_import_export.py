"""ringmail import/export: a Maildir++ tree laid out as Dovecot writes it
(flags in file names, dovecot-keywords, dovecot-uidlist order, mtime as
internal date, modified UTF-7 folder names), mbox with From_ dates and
Status/X-Status/X-Keywords, and a round trip export -> import checked
message by message over IMAP."""
import os
import re
import subprocess

import rmtest


def ringmail(srv, *args):
    out = subprocess.run([rmtest.RINGMAIL, "-d", srv.data_dir] + list(args),
                         capture_output=True, text=True)
    assert out.returncode == 0, out
    return out.stdout


def snapshot(srv, user, password):
    """{mailbox: [(flags set, internaldate, body bytes)]} in UID order."""
    c = srv.login(user, password)
    names = []
    for u in c.ok('LIST "" "*"').untagged:
        m = re.match(rb'\* LIST \([^)]*\) "/" (.*)$', u)
        name = m.group(1).decode()
        names.append(name[1:-1] if name.startswith('"') else name)
    snap = {}
    for name in names:
        c.ok('EXAMINE "%s"' % name)
        r = c.cmd("FETCH 1:* (FLAGS INTERNALDATE BODY.PEEK[])")
        msgs = []
        for u in r.untagged:
            m = re.match(rb'\* \d+ FETCH \(FLAGS \(([^)]*)\) INTERNALDATE "([^"]+)" BODY\[\] \{(\d+)\}\r\n', u)
            if m:
                body = u[m.end():m.end() + int(m.group(3))]
                flags = set(m.group(1).split()) - {b"\\Recent"}
                msgs.append((flags, m.group(2), body))
        snap[name] = msgs
    c.ok("LOGOUT")
    return snap


def mutf7_decode(name):
    """Modified UTF-7 (RFC 3501 5.1.3) to str."""
    import base64
    def dec(m):
        b64 = m.group(1).replace(",", "/")
        if not b64:
            return "&"
        b64 += "=" * (-len(b64) % 4)
        return base64.b64decode(b64).decode("utf-16-be")
    return re.sub(r"&([^-]*)-", dec, name)


def write_maildir(root):
    """A small Dovecot-style Maildir++ tree."""
    def msg(folder, sub, name, subject, mtime):
        d = os.path.join(root, folder, sub)
        os.makedirs(d, exist_ok=True)
        p = os.path.join(d, name)
        with open(p, "wb") as f:
            f.write(b"From: a@example.org\nSubject: %s\n\nbody of %s\n.\n" % (subject, subject))
        os.utime(p, (mtime, mtime))
    for folder in ("", ".Sent", ".Lists.Debian", ".Caf&AOk-"):
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(root, folder, sub), exist_ok=True)
    # UID order (uidlist) differs from name order on purpose.
    msg("", "cur", "1700000002.M2.host:2,S", b"second", 1700000002)
    msg("", "cur", "1700000001.M1.host:2,FRSab", b"first", 1700000001)
    msg("", "new", "1700000003.M3.host", b"third-new", 1700000003)
    with open(os.path.join(root, "dovecot-uidlist"), "w") as f:
        f.write("3 V1700000000 N4 Gabc\n1 :1700000001.M1.host\n2 :1700000002.M2.host\n3 :1700000003.M3.host\n")
    with open(os.path.join(root, "dovecot-keywords"), "w") as f:
        f.write("0 $Forwarded\n1 Project-X\n")
    msg(".Sent", "cur", "1700000010.M4.host:2,ST", b"sent-deleted", 1700000010)
    msg(".Lists.Debian", "cur", "1700000020.M5.host:2,D", b"draft", 1700000020)
    msg(".Caf&AOk-", "cur", "1700000030.M6.host:2,", b"cafe", 1700000030)


def test_maildir_import(make_server, tmp_path):
    md = str(tmp_path / "Maildir")
    write_maildir(md)
    srv = make_server()
    out = ringmail(srv, "import", "alice", "maildir", md)
    assert out.startswith("import: 6 messages in ") and "0 failed" in out
    snap = snapshot(srv, "alice", "wonderland")
    inbox = snap["INBOX"]
    assert [m[2].split(b"Subject: ")[1].split(b"\r\n")[0] for m in inbox] == [
        b"first", b"second", b"third-new"]
    assert inbox[0][0] == {b"\\Flagged", b"\\Answered", b"\\Seen", b"$Forwarded", b"Project-X"}
    assert inbox[1][0] == {b"\\Seen"}
    assert inbox[2][0] == set()
    assert inbox[0][1] == b"14-Nov-2023 22:13:21 +0000"   # mtime 1700000001
    # LF became CRLF; the lone-dot line is content, unchanged.
    assert inbox[0][2] == b"From: a@example.org\r\nSubject: first\r\n\r\nbody of first\r\n.\r\n"
    assert snap["Sent"][0][0] == {b"\\Seen", b"\\Deleted"}
    assert snap["Lists/Debian"][0][0] == {b"\\Draft"}
    assert "Lists" in snap
    assert "Caf&AOk-" in snap and mutf7_decode("Caf&AOk-") == "Caf\u00e9"
    # No subscriptions file: every imported folder is subscribed.
    assert ", 4 subscribed, 0 failed" in out, out
    c = srv.login("alice", "wonderland")
    subs = {u.split(b'"/" ')[1].strip(b'"') for u in c.ok('LSUB "" "*"').untagged}
    assert {b"INBOX", b"Sent", b"Lists/Debian", b"Caf&AOk-"} <= subs, subs
    c.close()


def test_maildir_subscriptions_file(make_server, tmp_path):
    """Dovecot's subscriptions file decides, in both of its formats."""
    for content, want in ((b"V\t2\n\nLists\tDebian\nCaf&AOk-\n", {b"Lists/Debian", b"Caf&AOk-"}),
                          (b"Sent\nLists.Debian\n", {b"Lists/Debian"})):
        md = str(tmp_path / ("Maildir%d" % len(want) + content[:1].decode()))
        write_maildir(md)
        with open(os.path.join(md, "subscriptions"), "wb") as f:
            f.write(content)
        srv = make_server(users={"sub": "{PLAIN}pw"})
        out = ringmail(srv, "import", "sub", "maildir", md)
        assert ", 2 subscribed, 0 failed" in out, out
        c = srv.login("sub", "pw")
        subs = {u.split(b'"/" ')[1].strip(b'"') for u in c.ok('LSUB "" "*"').untagged}
        c.close()
        # The imported folders listed are subscribed, the others are not
        # (Sent, a default folder of every new user, is subscribed anyway).
        imported = {b"Lists/Debian", b"Caf&AOk-", b"Lists"}
        assert subs & imported == want, subs


def test_mbox_import(make_server, tmp_path):
    mbox = tmp_path / "in.mbox"
    mbox.write_bytes(
        b"From alice@example.org Tue Nov 14 22:13:20 2023\n"
        b"Subject: one\nStatus: RO\nX-Status: AF\nX-Keywords: Work $Label1\n\n"
        b"hello\n>From the past\n>>From deeper\n\n"
        b"From bob@example.org Wed Nov 15 10:00:00 2023\n"
        b"Subject: two\nStatus: O\nX-UID: 7\n\nsecond\n\n")
    srv = make_server()
    out = ringmail(srv, "import", "bob", "mbox", str(mbox), "Archive/2023")
    assert out.startswith("import: 2 messages") and "1 subscribed, 0 failed" in out, out
    snap = snapshot(srv, "bob", "builder")
    msgs = snap["Archive/2023"]
    assert msgs[0][0] == {b"\\Seen", b"\\Answered", b"\\Flagged", b"Work", b"$Label1"}
    assert msgs[0][1] == b"14-Nov-2023 22:13:20 +0000"
    assert msgs[0][2] == b"Subject: one\r\n\r\nhello\r\nFrom the past\r\n>From deeper\r\n"
    assert msgs[1][0] == set() and msgs[1][2] == b"Subject: two\r\n\r\nsecond\r\n"


def test_round_trip(make_server, tmp_path):
    md = str(tmp_path / "Maildir")
    write_maildir(md)
    srv = make_server(users={"alice": "{PLAIN}a", "copy": "{PLAIN}c", "mcopy": "{PLAIN}m"})
    ringmail(srv, "import", "alice", "maildir", md)
    c = srv.login("alice", "a")
    c.ok("SELECT INBOX")
    c.ok("STORE 2 +FLAGS (\\Answered Urgent)")
    c.ok("LOGOUT")
    original = snapshot(srv, "alice", "a")
    srv.stop()
    ringmail(srv, "export", "alice", "maildir", str(tmp_path / "out"))
    ringmail(srv, "export", "alice", "mbox", str(tmp_path / "outm"))
    ringmail(srv, "import", "copy", "maildir", str(tmp_path / "out"))
    for name in original:
        internal = mutf7_decode(name)
        path = str(tmp_path / "outm" / internal) + ".mbox"
        if original[name]:
            ringmail(srv, "import", "mcopy", "mbox", path, internal)
    srv.start()
    assert snapshot(srv, "copy", "c") == original
    mcopy = snapshot(srv, "mcopy", "m")
    for name, msgs in original.items():
        assert mcopy.get(name, []) == msgs, name


def test_progress_on_a_terminal(make_server, tmp_path):
    """On a terminal the line shows done/total, percent, rate and time
    left; without one, only the summary line is printed."""
    import shutil
    if not shutil.which("script"):
        import pytest
        pytest.skip("script(1) missing")
    md = str(tmp_path / "Maildir")
    write_maildir(md)
    srv = make_server(start=False)
    srv.prepare()
    cmd = "%s -d %s import alice maildir %s" % (rmtest.RINGMAIL, srv.data_dir, md)
    tty = subprocess.run(["script", "-qec", cmd, "/dev/null"], capture_output=True).stdout
    assert re.search(rb"\rimport: 6/6 messages \(100%\), \d+/s, 0s left", tty), tty
    assert b"\r\x1b[K" in tty
    plain = subprocess.run([rmtest.RINGMAIL, "-d", srv.data_dir, "verify"], capture_output=True)
    assert b"\r" not in plain.stdout + plain.stderr and plain.returncode == 0


def test_import_refuses_unknown_user_and_bad_files(make_server, tmp_path):
    srv = make_server(start=False)
    srv.prepare()
    mbox = tmp_path / "x.mbox"
    mbox.write_bytes(b"From a@b Tue Nov 14 22:13:20 2023\nSubject: x\n\nx\n")
    r = subprocess.run([rmtest.RINGMAIL, "-d", srv.data_dir, "import", "nobody", "mbox",
                        str(mbox)], capture_output=True, text=True)
    assert r.returncode == 1 and "notfound" in r.stderr
    bad = tmp_path / "not.mbox"
    bad.write_bytes(b"Subject: no From line\n\nx\n")
    r = subprocess.run([rmtest.RINGMAIL, "-d", srv.data_dir, "import", "alice", "mbox",
                        str(bad)], capture_output=True, text=True)
    assert r.returncode == 1 and "not an mbox file" in r.stderr
    r = subprocess.run([rmtest.RINGMAIL, "-d", srv.data_dir, "import", "alice", "tar", "x"],
                       capture_output=True, text=True)
    assert r.returncode == 1 and "usage: import" in r.stderr
