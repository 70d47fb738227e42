"""A private Dovecot (Debian's dovecot-imapd and dovecot-lmtpd) for tests
and the LMTP benchmark: Maildir storage, IMAP and LMTP on loopback ports,
a passwd-file, everything under one temporary directory.  Started and
stopped by its user; the system's /etc/dovecot is never read."""
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

CONF = """\
base_dir = {d}/run
state_dir = {d}/state
instance_name = rmtest{imap_port}
log_path = {d}/dovecot.log
info_log_path = /dev/null
protocols = imap lmtp
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
auth_username_format = %Ln
passdb {{
  driver = passwd-file
  args = {d}/passwd
}}
userdb {{
  driver = static
  args = uid=dovecot gid=dovecot home={d}/home/%u
}}
first_valid_uid = 1
mail_location = maildir:~/Maildir
mail_fsync = {fsync}
lmtp_save_to_detail_mailbox = yes
recipient_delimiter = +
default_internal_user = dovecot
default_login_user = dovenull
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap_port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {lmtp_port}
  }}
  unix_listener lmtp {{
    mode = 0600
  }}
  process_min_avail = {lmtp_procs}
}}
"""


def available():
    return shutil.which("dovecot") is not None and os.path.exists("/usr/lib/dovecot/lmtp")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Dovecot:
    def __init__(self, users, fsync="optimized", lmtp_procs=2):
        """users: {login: password} (stored {PLAIN})."""
        self.dir = tempfile.mkdtemp(prefix="rm-dovecot-")
        os.chmod(self.dir, 0o755)
        self.imap_port = free_port()
        self.lmtp_port = free_port()
        os.makedirs(os.path.join(self.dir, "home"))
        shutil.chown(os.path.join(self.dir, "home"), "dovecot", "dovecot")
        with open(os.path.join(self.dir, "passwd"), "w") as f:
            for u, p in users.items():
                f.write("%s:{PLAIN}%s\n" % (u, p))
        self.conf = os.path.join(self.dir, "dovecot.conf")
        with open(self.conf, "w") as f:
            f.write(CONF.format(d=self.dir, imap_port=self.imap_port, lmtp_port=self.lmtp_port,
                                fsync=fsync, lmtp_procs=lmtp_procs))
        self.proc = None

    def maildir(self, user):
        return os.path.join(self.dir, "home", user, "Maildir")

    def start(self):
        self.proc = subprocess.Popen(["dovecot", "-F", "-c", self.conf],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.time() + 20
        while time.time() < deadline:
            for port in (self.imap_port, self.lmtp_port):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                except OSError:
                    break
            else:
                return self
            if self.proc.poll() is not None:
                raise RuntimeError("dovecot exited: %s" % self.proc.stderr.read())
            time.sleep(0.05)
        raise RuntimeError("dovecot did not start")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
