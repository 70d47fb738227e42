"""Packaging: `meson install` puts the binaries, the three man pages, the
example configuration and the systemd unit where they belong; the pages
render without warnings and name every configuration key with its
default; started as root with `user` set, ringmaild binds a privileged
port and then runs as that user."""
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile

import pytest

import rmtest


def installed(tmp_path):
    dest = str(tmp_path / "dest")
    r = subprocess.run(["meson", "install", "-C", rmtest.BUILD, "--no-rebuild", "--quiet",
                        "--destdir", dest], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    intro = subprocess.run(["meson", "introspect", rmtest.BUILD, "--buildoptions"],
                           capture_output=True, text=True, check=True).stdout
    prefix = re.search(r'"name": "prefix", "value": "([^"]+)"', intro).group(1)
    return dest + prefix


def test_meson_install_layout(tmp_path):
    root = installed(tmp_path)
    for rel in ("bin/ringmaild", "bin/ringmail", "share/man/man8/ringmaild.8",
                "share/man/man8/ringmail.8", "share/man/man5/ringmail.conf.5",
                "etc/ringmail/ringmail.conf.example", "lib/systemd/system/ringmaild.service"):
        assert os.path.exists(os.path.join(root, rel)), rel
    assert os.access(os.path.join(root, "bin/ringmaild"), os.X_OK)
    unit = open(os.path.join(root, "lib/systemd/system/ringmaild.service")).read()
    assert re.search(r"^ExecStart=/\S+/bin/ringmaild -c /\S+/ringmail/ringmail\.conf$", unit, re.M)
    assert "ExecReload=/bin/kill -HUP $MAINPID" in unit and "@" not in unit.replace("$MAINPID", "")


@pytest.mark.skipif(shutil.which("groff") is None, reason="groff missing")
def test_man_pages_render_and_cover_every_key():
    man = os.path.join(rmtest.REPO, "man")
    for page in ("ringmaild.8", "ringmail.8", "ringmail.conf.5"):
        r = subprocess.run(["groff", "-man", "-ww", "-z", "-Tutf8", os.path.join(man, page)],
                           capture_output=True, text=True)
        assert r.returncode == 0 and r.stderr == "", (page, r.stderr)
    text = subprocess.run(["groff", "-man", "-Tutf8", "-P", "-cbou",
                           os.path.join(man, "ringmail.conf.5")], capture_output=True,
                          text=True).stdout
    doc = subprocess.run([rmtest.RINGMAILD, "--help-config"], capture_output=True, text=True).stdout
    for key, default in re.findall(r"^(\w+) = (.*)$", doc, re.M):
        # Each key appears with its default in parentheses (empty shown so).
        shown = default if default else "empty"
        assert re.search(r"\b%s\b[^\n]*\(%s\)" % (key, re.escape(shown)), text), (key, shown)
    usage = subprocess.run([rmtest.RINGMAIL, "-h"], capture_output=True, text=True).stderr
    page = subprocess.run(["groff", "-man", "-Tutf8", "-P", "-cbou",
                           os.path.join(man, "ringmail.8")], capture_output=True, text=True).stdout
    page = " ".join(page.split())
    for cmd in re.findall(r"^  ((?:user|mailbox) \w+|\w+) ", usage, re.M):
        assert cmd in page, cmd


def low_port():
    for port in range(700, 1000):
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
        finally:
            s.close()
    pytest.skip("no free privileged port")


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root")
def test_privilege_drop_after_bind(cert):
    nobody = pwd.getpwnam("nobody")
    # Under /tmp with 0755: pytest's own directories are 0700.
    work = tempfile.mkdtemp(prefix="rm-privs-")
    os.chmod(work, 0o755)
    srv = rmtest.Server(work, users={"alice": "{PLAIN}wonderland"}, cert=cert,
                        opts={"user": "nobody"})
    try:
        srv.prepare()
        for d, _, files in os.walk(work):
            os.chown(d, nobody.pw_uid, nobody.pw_gid)
            for f in files:
                os.chown(os.path.join(d, f), nobody.pw_uid, nobody.pw_gid)
        srv.imap_port = low_port()
        srv.imaps_port = rmtest.free_port()
        srv.lmtp_port = rmtest.free_port()
        srv.metrics_port = rmtest.free_port()
        srv.start()
        status = open("/proc/%d/status" % srv.proc.pid).read()
        uids = re.search(r"^Uid:\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)", status, re.M).groups()
        assert set(uids) == {str(nobody.pw_uid)}, uids
        gids = re.search(r"^Gid:\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)", status, re.M).groups()
        assert set(gids) == {str(nobody.pw_gid)}, gids
        assert os.stat(os.path.join(srv.data_dir, "control.sock")).st_uid == nobody.pw_uid
        c = srv.login("alice", "wonderland")   # on the privileged port
        c.ok("SELECT INBOX")
        c.ok("LOGOUT")
        assert srv.stop() == 0
        srv.check_log_clean()
    finally:
        srv.kill()
        shutil.rmtree(work, ignore_errors=True)
