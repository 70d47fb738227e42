"""A private Postfix instance (Debian's postfix package) for tests: its own
config_directory, queue and log under a temporary directory, no SMTP
listener, local mail handed to ringmail over LMTP.  Started and stopped by
the test; the system's /etc/postfix is never used."""
import os
import shutil
import subprocess
import tempfile
import time

MASTER_CF = """\
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""


def available():
    return shutil.which("postfix") is not None and shutil.which("sendmail") is not None


class Postfix:
    def __init__(self, lmtp_target, domain="ringmail.test"):
        # Under /tmp with 0755 so that the postfix user can reach the queue.
        self.dir = tempfile.mkdtemp(prefix="rm-postfix-")
        os.chmod(self.dir, 0o755)
        self.etc = os.path.join(self.dir, "etc")
        self.domain = domain
        self.log = os.path.join(self.dir, "maillog")
        os.makedirs(self.etc)
        # Postfix creates the queue's subdirectories itself at start.
        os.makedirs(os.path.join(self.dir, "spool"), mode=0o755)
        data = os.path.join(self.dir, "data")
        os.makedirs(data, mode=0o700)
        shutil.chown(data, "postfix", "postfix")
        main = {
            "compatibility_level": "3.6",
            "queue_directory": os.path.join(self.dir, "spool"),
            "data_directory": os.path.join(self.dir, "data"),
            "mail_owner": "postfix",
            "setgid_group": "postdrop",
            "myhostname": "mx." + domain,
            "mydomain": domain,
            "myorigin": domain,
            "mydestination": domain,
            "inet_interfaces": "loopback-only",
            "inet_protocols": "ipv4",
            "mynetworks": "127.0.0.0/8",
            "local_transport": "lmtp:" + lmtp_target,
            "local_recipient_maps": "",
            "alias_maps": "",
            "alias_database": "",
            "maillog_file": self.log,
            "maillog_file_prefixes": self.dir,
            "recipient_delimiter": "+",
            "lmtp_connection_cache_on_demand": "no",
        }
        with open(os.path.join(self.etc, "main.cf"), "w") as f:
            f.writelines("%s = %s\n" % kv for kv in main.items())
        with open(os.path.join(self.etc, "master.cf"), "w") as f:
            f.write(MASTER_CF)

    def run(self, *args):
        return subprocess.run(["postfix", "-c", self.etc] + list(args), capture_output=True,
                              text=True, timeout=60)

    def start(self):
        r = self.run("start")
        assert r.returncode == 0, r.stderr + r.stdout
        return self

    def sendmail(self, sender, rcpts, message):
        r = subprocess.run(["sendmail", "-C", self.etc, "-f", sender, "-i"] + rcpts,
                           input=message, capture_output=True, timeout=60)
        assert r.returncode == 0, r

    def maillog(self):
        try:
            with open(self.log, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def wait_log(self, text, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if text in self.maillog():
                return True
            time.sleep(0.05)
        return False

    def stop(self):
        self.run("stop")
        shutil.rmtree(self.dir, ignore_errors=True)
