"""The servers the scripts run against, each giving every script a fresh
account state (James runs each script on an empty account with INBOX).

ringmaild (the default): one server per script, started with the shared
harness (tests/rmtest.py) on a fresh data directory.  The scripts must
share one login ("imapuser": it appears inside base64 SASL data and in
mailbox names such as "#private.imapuser.test"), so users cannot be
substituted; a fresh server costs tens of milliseconds.

dovecot (JAMES_TARGET=dovecot): Debian's Dovecot on a loopback port with a
configuration written into a temporary directory, used to validate the
runner against a mature server.  One Dovecot serves the whole run; after
each script, once `doveadm who` shows no session left, the users' home
directories are replaced by empty ones.
"""
import os
import pwd
import shutil
import subprocess
import tempfile
import time

import rmtest
import mpt_setup


class RingmailTarget:
    name = "ringmaild"

    def __init__(self, base_dir, cert):
        self.base_dir = base_dir
        self.cert = cert
        self.count = 0
        self.server = None

    def start_script(self, users):
        """Starts a fresh server; returns (host, port)."""
        self.count += 1
        stored = {u: "{PLAIN}" + p for u, p in users.items()}
        self.server = rmtest.Server(os.path.join(self.base_dir, "s%03d" % self.count),
                                    users=stored, cert=self.cert)
        self.server.start()
        for user, password in users.items():
            self._james_account(user, password)
        return "127.0.0.1", self.server.imap_port

    # The mailboxes ringmail gives every new user besides INBOX.
    DEFAULT_MAILBOXES = ("Drafts", "Sent", "Trash", "Junk", "Archive")

    def _james_account(self, user, password):
        """James runs every script on an account holding only INBOX; a
        ringmail user starts with the special-use folders too, so they are
        deleted before the script (harness set-up, not a server rule)."""
        c = self.server.connect()
        c.greeting()
        c.ok("LOGIN %s %s" % (rmtest.quote(user), rmtest.quote(password)))
        for name in self.DEFAULT_MAILBOXES:
            c.ok("DELETE %s" % name)
            c.ok("UNSUBSCRIBE %s" % name)
        c.ok("LOGOUT")
        c.close()

    def end_script(self):
        """Stops the server; returns a problem to report, or None."""
        srv, self.server = self.server, None
        if srv is None:
            return None
        rc = srv.stop()
        try:
            srv.check_log_clean()
        except AssertionError as e:
            return str(e)
        if rc != 0:
            return "ringmaild exit status %s\n%s" % (rc, srv.log()[-3000:])
        shutil.rmtree(srv.workdir, ignore_errors=True)
        return None

    def close(self):
        if self.server is not None:
            self.server.kill()


DOVECOT_CONF = """# written by tests/james/targets.py: loopback only, no TLS
base_dir = {d}/run
state_dir = {d}/state
instance_name = rmjames{port}
log_path = {d}/dovecot.log
info_log_path = /dev/null
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {d}/passwd
}}
userdb {{
  driver = passwd-file
  args = {d}/passwd
}}
first_valid_uid = 1
mail_location = maildir:~/Maildir
namespace inbox {{
  inbox = yes
  separator = {sep}
}}
default_internal_user = dovecot
default_login_user = dovenull
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
  # one long-lived login process: a fresh one per connection may answer
  # "* OK Waiting for authentication process" before its greeting
  service_count = 0
  process_min_avail = 1
}}
"""


class DovecotTarget:
    name = "dovecot"

    def __init__(self, separator="."):
        """separator: the hierarchy delimiter Dovecot uses ('/' exercises
        the runner's rule delimiter)."""
        self.separator = separator
        self.dir = tempfile.mkdtemp(prefix="rm-james-dovecot-")
        os.chmod(self.dir, 0o755)
        self.port = rmtest.free_port()
        pw = pwd.getpwnam("dovecot")
        self.uid, self.gid = pw.pw_uid, pw.pw_gid
        self.users = users()
        os.makedirs(os.path.join(self.dir, "home"), mode=0o755)
        self._fresh_homes()
        self._write_passwd()
        self.conf = os.path.join(self.dir, "dovecot.conf")
        with open(self.conf, "w") as f:
            f.write(DOVECOT_CONF.format(d=self.dir, port=self.port, sep=self.separator))
        self.proc = subprocess.Popen(["/usr/sbin/dovecot", "-F", "-c", self.conf],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        self._wait_ready()

    def _wait_ready(self, timeout_s=15):
        deadline = time.time() + timeout_s
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("dovecot exited %s: %s" % (self.proc.returncode, self.log()))
            try:
                rmtest.Client(self.port, timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("dovecot not ready: " + self.log())

    def log(self):
        try:
            with open(os.path.join(self.dir, "dovecot.log"), errors="replace") as f:
                return f.read()[-3000:]
        except FileNotFoundError:
            return ""

    def _home(self, user):
        return os.path.join(self.dir, "home", user)

    def _fresh_homes(self):
        for user in self.users:
            shutil.rmtree(self._home(user), ignore_errors=True)
            os.makedirs(self._home(user))
            os.chown(self._home(user), self.uid, self.gid)

    def _write_passwd(self):
        path = os.path.join(self.dir, "passwd")
        with open(path, "w") as f:
            for user, password in self.users.items():
                f.write("%s:{PLAIN}%s:%d:%d::%s::\n"
                        % (user, password, self.uid, self.gid, self._home(user)))
        os.chmod(path, 0o644)

    def _wait_sessions_gone(self, timeout_s=5):
        """Homes are replaced only once no imap process uses them."""
        deadline = time.time() + timeout_s
        while time.time() < deadline:
            out = subprocess.run(["doveadm", "-c", self.conf, "who"], capture_output=True,
                                 text=True).stdout.splitlines()
            if len(out) <= 1:
                return True
            time.sleep(0.02)
        return False

    def start_script(self, users):
        assert set(users) <= set(self.users)
        return "127.0.0.1", self.port

    def end_script(self):
        if not self._wait_sessions_gone():
            return "dovecot sessions still open after the script"
        self._fresh_homes()
        return None

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def users():
    """The users every script may log in as."""
    return dict(mpt_setup.USERS)
