"""Test harness shared by every pytest suite: starts a real ringmaild on free
loopback ports with a fresh data directory, and speaks raw IMAP to it.

Nothing here imitates the server: tests talk to the real binary over real
sockets (plain and TLS).  The binary comes from $RINGMAIL_BUILD (default
build/); scripts/test runs the suites once against the release build and
once against the ASan+UBSan build, where a sanitizer report in the server's
log fails the test that caused it.
"""
import os
import resource
import re
import signal
import socket
import ssl
import subprocess
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.abspath(os.environ.get("RINGMAIL_BUILD", os.path.join(REPO, "build")))
RINGMAILD = os.path.join(BUILD, "server", "ringmaild")
RINGMAIL = os.path.join(BUILD, "cli", "ringmail")

SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                   "level=crit")

_port_next = [20000 + (os.getpid() * 37) % 30000]


def free_port():
    """A loopback TCP port nobody listens on right now."""
    for _ in range(1000):
        _port_next[0] += 1
        if _port_next[0] > 60000:
            _port_next[0] = 20000
        port = _port_next[0]
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
        finally:
            s.close()
    raise RuntimeError("no free port")


def make_cert(directory):
    """Self-signed P-256 certificate for localhost/127.0.0.1."""
    os.makedirs(directory, exist_ok=True)
    cert = os.path.join(directory, "cert.pem")
    key = os.path.join(directory, "key.pem")
    if not os.path.exists(cert):
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert,
                        "-days", "30", "-subj", "/CN=localhost",
                        "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                       check=True, capture_output=True)
    return cert, key


def sha512_crypt(password):
    out = subprocess.run(["openssl", "passwd", "-6", password], check=True,
                         capture_output=True, text=True)
    return "{SHA512-CRYPT}" + out.stdout.strip()


class Server:
    """One ringmaild process with its own data directory and ports."""

    def __init__(self, workdir, users=None, opts=None, cert=None):
        self.workdir = workdir
        self.data_dir = os.path.join(workdir, "data")
        self.users = users if users is not None else {"alice": "{PLAIN}wonderland"}
        self.opts = dict(opts or {})
        self.cert = cert
        self.proc = None
        self.log_path = os.path.join(workdir, "ringmaild.log")
        self.imap_port = None
        self.imaps_port = None
        self.lmtp_port = None       # LMTP (RFC 2033) on loopback
        self.metrics_port = None    # Prometheus /metrics
        self.nofile = None          # RLIMIT_NOFILE for ringmaild, if set

    # -- lifecycle ---------------------------------------------------------
    def prepare(self):
        os.makedirs(self.workdir, exist_ok=True)
        if not os.path.isdir(os.path.join(self.data_dir, "parts")) and os.path.exists(RINGMAIL):
            out = subprocess.run([RINGMAIL, "init", "-d", self.data_dir, "-p", "8"],
                                 capture_output=True, text=True)
            assert out.returncode == 0, out.stderr
        os.makedirs(self.data_dir, exist_ok=True)
        self.write_passwd()

    def write_passwd(self):
        with open(os.path.join(self.data_dir, "passwd"), "w") as f:
            for user, stored in self.users.items():
                f.write("%s:%s\n" % (user, stored))

    def start(self, wait=True):
        self.prepare()
        if self.imap_port is None:
            self.imap_port = free_port()
            self.imaps_port = free_port()
            self.lmtp_port = free_port()
            self.metrics_port = free_port()
        cert, key = self.cert or make_cert(os.path.join(self.workdir, "tls"))
        args = [RINGMAILD,
                "-o", "data_dir=" + self.data_dir,
                "-o", "imap_listen=127.0.0.1:%d" % self.imap_port,
                "-o", "imaps_listen=127.0.0.1:%d" % self.imaps_port,
                "-o", "lmtp_listen=127.0.0.1:%d" % self.lmtp_port,
                "-o", "metrics_listen=127.0.0.1:%d" % self.metrics_port,
                "-o", "tls_cert=" + cert, "-o", "tls_key=" + key,
                "-o", "log_level=" + self.opts.pop("log_level", "info")]
        for k, v in self.opts.items():
            args += ["-o", "%s=%s" % (k, v)]
        self.opts_applied = args
        env = dict(os.environ)
        env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
        env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1")
        self.log_file = open(self.log_path, "ab")
        self.log_start = self.log_file.tell()
        preexec = None
        if self.nofile:
            n = self.nofile
            preexec = lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (n, n))
        self.proc = subprocess.Popen(args, stdout=self.log_file, stderr=self.log_file,
                                     cwd=self.workdir, env=env, preexec_fn=preexec)
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("ringmaild exited %s:\n%s" % (self.proc.returncode, self.log()))
            if "event=ready" in self.log()[self.log_start:]:
                return
            time.sleep(0.02)
        raise RuntimeError("ringmaild not ready:\n" + self.log())

    def log(self):
        try:
            with open(self.log_path, "r", errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def stop(self, sig=signal.SIGTERM, timeout=30):
        """Stops the server; returns its exit status."""
        if not self.proc or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
            raise AssertionError("ringmaild did not stop within %ss" % timeout)
        finally:
            self.log_file.close()
        return rc

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
            self.log_file.close()

    def check_log_clean(self):
        text = self.log()
        for mark in SANITIZER_MARKS:
            assert mark not in text, "server log has %r:\n%s" % (mark, text[-6000:])

    def add_user(self, prefix="u", password="pw"):
        """Adds a fresh user to the running server (passwd-file rewritten,
        SIGHUP, waits for the reload) and returns its login."""
        import uuid
        name = prefix + uuid.uuid4().hex[:10]
        self.users[name] = "{PLAIN}" + password
        self.write_passwd()
        n = self.log().count("event=passwd_loaded")
        self.proc.send_signal(signal.SIGHUP)
        deadline = time.time() + 10
        while self.log().count("event=passwd_loaded") <= n and time.time() < deadline:
            time.sleep(0.02)
        return name

    # -- clients -----------------------------------------------------------
    def connect(self, tls=False, starttls=False, timeout=10):
        c = Client(self.imaps_port if tls else self.imap_port, tls=tls, timeout=timeout)
        return c

    def login(self, user="alice", password="wonderland", tls=False):
        c = self.connect(tls=tls)
        c.greeting()
        c.ok("LOGIN %s %s" % (quote(user), quote(password)))
        return c


def quote(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def client_tls_context():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


class Response:
    def __init__(self, untagged, tagged):
        self.untagged = untagged   # list of bytes lines (literals inlined)
        self.tagged = tagged       # bytes line
        parts = tagged.split(b" ", 2)
        self.status = parts[1].decode() if len(parts) > 1 else ""
        self.text = parts[2].decode("latin1") if len(parts) > 2 else ""

    def __repr__(self):
        return "Response(%r, %r)" % (self.untagged, self.tagged)

    def find(self, prefix):
        """Untagged lines starting with '* ' + prefix."""
        p = b"* " + prefix.encode()
        return [u for u in self.untagged if u.startswith(p)]


class Client:
    """A raw IMAP client: sends bytes, reads lines and literals."""

    def __init__(self, port, tls=False, timeout=10, host="127.0.0.1"):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        if tls:
            self.sock = client_tls_context().wrap_socket(self.sock)
        self.buf = b""
        self.tagn = 0

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def starttls(self):
        self.sock = client_tls_context().wrap_socket(self.sock)
        self.buf = b""

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def _fill(self):
        d = self.sock.recv(65536)
        if not d:
            raise EOFError("connection closed; buffered: %r" % self.buf)
        self.buf += d

    def read_line(self):
        """One protocol line without CRLF; literals {n} are read and
        inlined so a response is one bytes object."""
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        m = re.search(rb"\{(\d+)\}$", line)
        while m:
            n = int(m.group(1))
            while len(self.buf) < n:
                self._fill()
            line += b"\r\n" + self.buf[:n]
            self.buf = self.buf[n:]
            while b"\r\n" not in self.buf:
                self._fill()
            more, self.buf = self.buf.split(b"\r\n", 1)
            line += more
            m = re.search(rb"\{(\d+)\}$", more)
        return line

    def greeting(self):
        line = self.read_line()
        assert line.startswith(b"* OK") or line.startswith(b"* PREAUTH"), line
        return line

    def next_tag(self):
        self.tagn += 1
        return "t%d" % self.tagn

    def read_response(self, tag):
        untagged = []
        tagb = tag.encode()
        while True:
            line = self.read_line()
            if line.startswith(tagb + b" "):
                return Response(untagged, line)
            untagged.append(line)

    def cmd(self, text, tag=None):
        tag = tag or self.next_tag()
        self.send("%s %s\r\n" % (tag, text))
        return self.read_response(tag)

    def ok(self, text):
        r = self.cmd(text)
        assert r.status == "OK", "%s -> %r" % (text, r)
        return r

    def expect_closed(self, timeout=5):
        """True when the server closes the connection (after any data)."""
        self.sock.settimeout(timeout)
        try:
            while True:
                d = self.sock.recv(65536)
                if not d:
                    return True
                self.buf += d
        except (ConnectionResetError, ssl.SSLError):
            return True
        except socket.timeout:
            return False


def make_message(i, size=600):
    """A plain test message numbered i, about size bytes, CRLF line ends."""
    body = ("Line %d of a test message.\r\n" % i) * max(1, size // 30)
    return ("From: Sender %d <sender%d@example.org>\r\n"
            "To: alice@example.net\r\n"
            "Subject: Message number %d\r\n"
            "Date: Mon, 23 Nov 2026 12:%02d:00 +0000\r\n"
            "Message-ID: <msg%d@example.org>\r\n"
            "\r\n%s" % (i, i, i, i % 60, i, body)).encode()


def load_messages(srv, user, password, mailbox, msgs, batch=100):
    """APPENDs msgs to mailbox with MULTIAPPEND, batch messages a command."""
    c = srv.connect()
    c.greeting()
    c.ok("LOGIN %s %s" % (user, password))
    for start in range(0, len(msgs), batch):
        tag = c.next_tag()
        parts = [b" {%d+}\r\n" % len(m) + m for m in msgs[start:start + batch]]
        c.send(("%s APPEND %s" % (tag, mailbox)).encode() + b"".join(parts) + b"\r\n")
        r = c.read_response(tag)
        assert r.status == "OK", r
    c.ok("LOGOUT")
    c.close()
