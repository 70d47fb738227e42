"""Perl's Mail::IMAPClient: select, fetch (no SEARCH), store, move."""
import os
import shutil
import subprocess

import pytest

from rmtest import load_messages, make_message

HERE = os.path.dirname(os.path.abspath(__file__))


def have_module():
    return subprocess.run(["perl", "-MMail::IMAPClient", "-e", "1"],
                          capture_output=True).returncode == 0


pytestmark = pytest.mark.skipif(shutil.which("perl") is None or not have_module(),
                                reason="Mail::IMAPClient not installed")


def test_mail_imapclient(make_server):
    srv = make_server()
    msgs = [make_message(i) for i in range(4)]
    load_messages(srv, "alice", "wonderland", "INBOX", msgs)
    out = subprocess.run(["perl", os.path.join(HERE, "imapclient.pl"), str(srv.imap_port),
                          "alice", "wonderland"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
    lines = dict(l.split(" ", 1) for l in out.stdout.splitlines() if " " in l)
    assert lines["count"] == "4"
    assert lines["uids"] == "1 2 3 4"
    assert lines["size"] == str(len(msgs[0]))
    assert lines["subject"] == "Message number 1"
    assert "\\Flagged" in lines["flags"]
    assert lines["after_move"] == "3"
    assert lines["archive"] == "1"
    assert out.stdout.rstrip().endswith("ok")
