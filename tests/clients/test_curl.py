"""curl's imap:// client lists mailboxes, fetches and appends."""
import shutil
import subprocess

import pytest

from rmtest import load_messages, make_message

pytestmark = pytest.mark.skipif(shutil.which("curl") is None, reason="curl not installed")


def curl(*args, data=None):
    out = subprocess.run(["curl", "-sS", "--max-time", "30"] + list(args), input=data,
                         capture_output=True, timeout=60)
    assert out.returncode == 0, out.stderr.decode()
    return out.stdout


def test_curl_list_fetch_append(make_server, cert, tmp_path):
    srv = make_server()
    msgs = [make_message(i) for i in range(3)]
    load_messages(srv, "alice", "wonderland", "INBOX", msgs)
    base = "imap://127.0.0.1:%d" % srv.imap_port
    auth = ["-u", "alice:wonderland"]
    listing = curl(*auth, base + "/").decode()
    for name in ("INBOX", "Sent", "Drafts", "Trash", "Junk", "Archive"):
        assert name in listing, listing
    # Fetch message UID 2 of INBOX (curl uses SELECT + FETCH BODY[]).
    body = curl(*auth, base + "/INBOX;UID=2")
    assert body == msgs[1]
    # Append through curl's upload (APPEND), over implicit TLS this time.
    new = make_message(99)
    path = tmp_path / "new.eml"
    path.write_bytes(new)
    curl(*auth, "--cacert", cert[0], "-T", str(path),
         "imaps://127.0.0.1:%d/Drafts" % srv.imaps_port)
    body = curl(*auth, base + "/Drafts;UID=1")
    assert body == new
