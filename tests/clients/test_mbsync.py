"""mbsync (isync, from Debian) syncs a 500-message account down to a local
Maildir and back: new mail, flag changes and deletions in both directions;
a second run changes nothing."""
import os
import re
import shutil
import subprocess

import pytest

import rmtest
from rmtest import load_messages, make_message

pytestmark = pytest.mark.skipif(shutil.which("mbsync") is None, reason="mbsync not installed")


def mbsync_conf(tmp, srv, cert):
    mail = os.path.join(tmp, "mail")
    os.makedirs(mail, exist_ok=True)
    conf = os.path.join(tmp, "mbsyncrc")
    with open(conf, "w") as f:
        f.write("""IMAPAccount rm
Host localhost
Port %d
User alice
Pass wonderland
SSLType IMAPS
CertificateFile %s
AuthMechs PLAIN

IMAPStore rm-remote
Account rm

MaildirStore local
Path %s/
Inbox %s/INBOX
SubFolders Verbatim

Channel ch
Far :rm-remote:
Near :local:
Patterns INBOX
Create Both
Expunge Both
SyncState *
Sync All
""" % (srv.imaps_port, cert, mail, mail))
    return conf, os.path.join(mail, "INBOX")


def run_mbsync(conf):
    out = subprocess.run(["mbsync", "-V", "-c", conf, "-a"], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    return out.stdout + out.stderr


def maildir_files(inbox):
    files = {}
    for sub in ("cur", "new"):
        d = os.path.join(inbox, sub)
        if not os.path.isdir(d):
            continue
        for name in os.listdir(d):
            with open(os.path.join(d, name), "rb") as f:
                files[os.path.join(sub, name)] = f.read()
    return files


def local_form(data):
    """A Maildir file without mbsync's X-TUID header line."""
    return re.sub(rb"(?m)^X-TUID: [^\n]*\n", b"", data)


def maildir_flags(name):
    m = re.search(r":2,([A-Za-z]*)$", name)
    return m.group(1) if m else ""


def server_state(srv):
    c = srv.connect()
    c.greeting()
    c.ok("LOGIN alice wonderland")
    c.ok("EXAMINE INBOX")
    r = c.ok("FETCH 1:* (UID FLAGS BODY.PEEK[HEADER.FIELDS (Subject)])")
    c.ok("LOGOUT")
    c.close()
    state = {}
    for line in r.untagged:
        uid = int(re.search(rb"UID (\d+)", line).group(1))
        flags = re.search(rb"FLAGS \(([^)]*)\)", line).group(1).decode()
        subj = re.search(rb"Subject: ([^\r\n]*)", line).group(1).decode()
        state[uid] = (subj, set(flags.split()) - {"\\Recent"})
    return state


def test_mbsync_two_way(make_server, tmp_path, cert):
    srv = make_server()
    msgs = [make_message(i) for i in range(500)]
    load_messages(srv, "alice", "wonderland", "INBOX", msgs)
    conf, inbox = mbsync_conf(str(tmp_path), srv, cert[0])

    # 1. First sync: everything comes down.  mbsync stores Maildir files
    # with LF line ends and may add its X-TUID tracking header; apart from
    # that the bytes are the server's.
    run_mbsync(conf)
    files = maildir_files(inbox)
    assert len(files) == 500
    assert sorted(local_form(b) for b in files.values()) == sorted(m.replace(b"\r\n", b"\n")
                                                                  for m in msgs)

    # 2. Changes on both sides.
    c = srv.connect()
    c.greeting()
    c.ok("LOGIN alice wonderland")
    c.ok("SELECT INBOX")
    c.ok("UID STORE 1 +FLAGS (\\Flagged)")
    c.ok("UID STORE 2 +FLAGS (\\Deleted)")
    c.ok("UID EXPUNGE 2")
    new_remote = make_message(1000)
    tag = c.next_tag()
    c.send(("%s APPEND INBOX {%d+}\r\n" % (tag, len(new_remote))).encode() + new_remote + b"\r\n")
    assert c.read_response(tag).status == "OK"
    c.ok("LOGOUT")
    c.close()
    by_body = {local_form(v): k for k, v in maildir_files(inbox).items()}
    msgs = [m.replace(b"\r\n", b"\n") for m in msgs]
    # Locally: mark message 3 seen, delete message 4, add a new message.
    name3 = by_body[msgs[3]]
    src = os.path.join(inbox, name3)
    base = os.path.basename(name3).split(":2,")[0]
    os.rename(src, os.path.join(inbox, "cur", base + ":2," + "".join(sorted(maildir_flags(name3) + "S"))))
    os.unlink(os.path.join(inbox, by_body[msgs[4]]))
    new_local = make_message(2000)
    with open(os.path.join(inbox, "new", "1700000000.local.host"), "wb") as f:
        f.write(new_local)

    run_mbsync(conf)

    files = maildir_files(inbox)
    by_body = {local_form(v): k for k, v in files.items()}
    new_remote = new_remote.replace(b"\r\n", b"\n")
    assert msgs[1] not in by_body                       # UID 2, expunged on the server
    assert "F" in maildir_flags(by_body[msgs[0]])       # UID 1, flagged on the server
    assert new_remote in by_body                        # new on the server
    state = server_state(srv)
    subjects = {s: f for s, f in state.values()}
    assert "Message number 4" not in subjects           # deleted locally
    assert "\\Seen" in subjects["Message number 3"]     # seen locally
    assert "Message number 2000" in subjects            # new locally
    assert len(state) == 500 - 2 + 2
    assert len(files) == 500

    # 3. A second run changes nothing on either side.
    before_local = sorted(maildir_files(inbox).items())
    before_server = server_state(srv)
    run_mbsync(conf)
    assert sorted(maildir_files(inbox).items()) == before_local
    assert server_state(srv) == before_server
