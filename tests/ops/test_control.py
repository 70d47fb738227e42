"""The admin CLI against a running server (control socket) and against a
stopped one (data directory): mailbox list/create/delete, user show, kick,
import while running, export refused while running."""
import os
import socket
import subprocess

import sys

import pytest

import rmtest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lmtp"))


def ringmail(srv, *args, check=True):
    out = subprocess.run([rmtest.RINGMAIL, "-d", srv.data_dir] + list(args),
                         capture_output=True, text=True)
    if check:
        assert out.returncode == 0, out
    return out


def mailbox_names(srv, user):
    return [l.split("\t")[0] for l in ringmail(srv, "mailbox", "list", user).stdout.splitlines()]


def test_offline_then_online(make_server):
    srv = make_server(start=False)
    srv.prepare()
    # Stopped: straight to the data directory (the user is created from
    # the passwd-file on first use, with the default mailboxes).
    ringmail(srv, "mailbox", "create", "alice", "Projects/2026")
    names = mailbox_names(srv, "alice")
    assert "Projects" in names and "Projects/2026" in names and "INBOX" in names
    assert "ringmaild is not running" in ringmail(srv, "kick", "alice").stdout
    r = ringmail(srv, "mailbox", "create", "nobody", "X", check=False)
    assert r.returncode == 1 and "notfound" in r.stderr
    srv.start()
    # Running: the same commands through the control socket.
    ringmail(srv, "mailbox", "create", "alice", "Live Folder")
    c = srv.login("alice", "wonderland")
    r = c.ok('LIST "" "*"')
    listed = b"\n".join(r.untagged)
    assert b'"Live Folder"' in listed and b"Projects/2026" in listed
    ringmail(srv, "mailbox", "delete", "alice", "Projects/2026")
    assert "Projects/2026" not in mailbox_names(srv, "alice")
    r = ringmail(srv, "mailbox", "delete", "alice", "No Such", check=False)
    assert r.returncode == 1 and "notfound" in r.stderr
    show = ringmail(srv, "user", "show", "alice").stdout
    assert show.startswith("user alice partition=") and "in_store=1 messages=0" in show
    assert "  mailbox Live Folder\t" in show
    # Import and export through the running server.
    mbox = os.path.join(srv.workdir, "in.mbox")
    with open(mbox, "wb") as f:
        f.write(b"From a@b Tue Nov 14 22:13:20 2023\nSubject: live\nX-Keywords: Live\n\nhello\n")
    assert "import: 1 messages" in ringmail(srv, "import", "alice", "mbox", mbox, "Live Folder").stdout
    out = os.path.join(srv.workdir, "x")
    assert "export: 1 messages" in ringmail(srv, "export", "alice", "mbox", out).stdout
    with open(os.path.join(out, "Live Folder.mbox"), "rb") as f:
        assert f.read() == (b"From MAILER-DAEMON Tue Nov 14 22:13:20 2023\nSubject: live\n"
                            b"Status: O\nX-Keywords: Live\n\nhello\n\n")
    c.ok("LOGOUT")


def test_kick_ends_sessions(server):
    a1 = server.login("alice", "wonderland")
    a2 = server.login("alice", "wonderland")
    a2.ok("SELECT INBOX")
    a2.send("i IDLE\r\n")
    assert a2.read_line().startswith(b"+ ")
    b = server.login("bob", "builder")
    out = ringmail(server, "kick", "alice").stdout
    assert out.strip() == "sessions ended: 2"
    for c in (a1, a2):
        assert c.read_line() == b"* BYE [UNAVAILABLE] Disconnected by the administrator"
        assert c.expect_closed()
    # Other users keep their sessions.
    b.ok("NOOP")
    assert server.log().count("event=kick user=alice sessions=2") == 1
    # The worker remembers the kick for sessions that were being handed to
    # it at that moment (they authenticated before it); one that logs in
    # after the kick is not one of them, on either worker.
    for _ in range(4):
        c = server.login("alice", "wonderland")
        c.ok("SELECT INBOX")
        c.ok("LOGOUT")


def test_user_show_counts_delivered_mail(server):
    from lmtp_client import Lmtp
    l = Lmtp(server.lmtp_port)
    l.greet_lhlo()
    l.deliver("s@x", ["carol@x"], b"Subject: count me\r\n\r\nbody\r\n")
    l.close()
    show = ringmail(server, "user", "show", "carol").stdout
    first = show.splitlines()[0]
    assert "messages=1" in first and "in_passwd=1" in first
    inbox = [l for l in show.splitlines() if l.startswith("  mailbox INBOX\t")][0]
    assert "messages=1 unseen=1" in inbox


def test_user_del_online_ends_sessions_and_deletes_mail(make_server):
    """`user del` on a running server: the passwd entry goes, the server
    reads the file again (a new login is refused), the open session is
    ended, and the user's mailboxes and messages are gone from the store
    (user show: in_store=0)."""
    srv = make_server(users={"alice": "{PLAIN}wonderland", "bob": "{PLAIN}builder"})
    rmtest.load_messages(srv, "alice", "wonderland", "INBOX", [b"Subject: a\r\n\r\nx\r\n"] * 3)
    rmtest.load_messages(srv, "bob", "builder", "INBOX", [b"Subject: b\r\n\r\ny\r\n"])
    c = srv.login("alice", "wonderland")
    c.ok("SELECT INBOX")
    out = ringmail(srv, "user", "del", "alice").stdout
    assert "removed alice from the passwd-file" in out
    assert "mail of alice deleted: sessions=1 messages=3" in out, out
    assert c.read_line().startswith(b"* BYE")
    gone = ringmail(srv, "user", "show", "alice", check=False)
    assert gone.returncode == 1 and "no such user" in gone.stderr, gone
    f = srv.connect()
    f.greeting()
    assert f.cmd("LOGIN alice wonderland").status == "NO"
    # Bob is untouched.
    b = srv.login("bob", "builder")
    assert b.ok("STATUS INBOX (MESSAGES)").untagged == [b"* STATUS INBOX (MESSAGES 1)"]
    # A login still in the passwd-file is refused by USER-DELETE itself.
    srv.users["carol"] = "{PLAIN}pw"
    srv.write_passwd()
    import socket
    s = socket.socket(socket.AF_UNIX)
    s.connect(os.path.join(srv.data_dir, "control.sock"))
    s.sendall(b"USER-DELETE carol\n")
    assert s.makefile("rb").readline() == b"NO exists the login is still in the passwd-file\n"
    s.close()


def test_user_del_offline_and_keep(make_server):
    srv = make_server(users={"alice": "{PLAIN}wonderland", "dave": "{PLAIN}pw"})
    rmtest.load_messages(srv, "alice", "wonderland", "INBOX", [b"Subject: a\r\n\r\nx\r\n"] * 2)
    rmtest.load_messages(srv, "dave", "pw", "INBOX", [b"Subject: d\r\n\r\nz\r\n"])
    srv.stop()
    out = ringmail(srv, "user", "del", "alice").stdout
    assert "mail of alice deleted: sessions=0 messages=2" in out, out
    gone = ringmail(srv, "user", "show", "alice", check=False)
    assert gone.returncode == 1 and "no such user" in gone.stderr, gone
    # -k keeps the mail: only the passwd entry goes.
    ringmail(srv, "user", "del", "-k", "dave")
    assert "in_passwd=0 in_store=1 messages=1" in ringmail(srv, "user", "show", "dave").stdout
    r = ringmail(srv, "user", "del", "-k", "nobody", check=False)
    assert r.returncode == 1 and "no user nobody" in r.stderr
    # Later, the mail of a user already out of the passwd-file is deleted.
    assert "messages=1" in ringmail(srv, "user", "del", "dave").stdout
    assert "no such user" in ringmail(srv, "user", "show", "dave", check=False).stderr


def test_unix_sockets_of_a_stopped_or_killed_server(make_server):
    """The LMTP and control socket files go away at a clean stop; after a
    kill -9 they stay, and a server started at once replaces them (the dead
    one's io_uring may still accept for a moment); a second live server on
    the same paths is refused."""
    srv = make_server()
    socks = [os.path.join(srv.data_dir, n) for n in ("lmtp.sock", "control.sock")]
    assert all(os.path.exists(p) for p in socks)
    assert srv.stop() == 0
    assert not any(os.path.exists(p) for p in socks)
    # Nothing accepts once a stopped server has exited: the listeners'
    # accepts were cancelled before the rings closed (before, 14 of 20
    # stops left the IMAP port accepting connections nobody would serve).
    for _ in range(5):
        srv.start()
        assert srv.stop() == 0
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", srv.imap_port), timeout=2).close()
    for _ in range(3):
        srv.start()
        assert ringmail(srv, "user", "show", "alice").returncode == 0
        srv.kill()
        assert all(os.path.exists(p) for p in socks)
    srv.start()
    other = make_server(start=False)
    other.opts.update({"lmtp_socket": socks[0], "control_socket": socks[1]})
    other.start(wait=False)
    assert other.proc.wait(30) == 1
    assert "another server answers on it" in other.log()
    assert ringmail(srv, "user", "show", "alice").returncode == 0
