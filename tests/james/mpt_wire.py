"""One IMAP connection as the script runner sees it: lines go out as they are
written in the script, responses come back whole.

A response is read by IMAP's own framing: a line ending in a literal marker
{n} (or ~{n}) is followed by exactly n bytes, then the rest of the response
line.  The runner matches scripts line by line, so a response is handed over
as its logical lines (the bytes split at CRLF); because the literal is read by
its count first, a server whose count disagrees with what it sends shows up
as lines that no longer match, not as a silently re-synchronised stream.
"""
import re
import socket

LITERAL_RE = re.compile(rb"~?\{(\d+)\}$")


class WireError(Exception):
    """The connection failed: closed, timed out, or sent garbage."""


class Response:
    """One server response: raw bytes (without the final CRLF) and the
    decoded logical lines the scripts match against."""

    def __init__(self, raw):
        self.raw = raw
        self.lines = [decode(p) for p in raw.split(b"\r\n")]

    def __repr__(self):
        return "Response(%r)" % self.raw[:200]


def decode(data):
    """Bytes to str for regular-expression matching; bytes that are not
    UTF-8 survive as surrogates and compare unequal to any script text."""
    return data.decode("utf-8", "surrogateescape")


def encode(text):
    return text.encode("utf-8", "surrogateescape")


class Connection:
    """A plain TCP connection to the server under test."""

    def __init__(self, host, port, timeout_s):
        try:
            self.sock = socket.create_connection((host, port), timeout=timeout_s)
        except OSError as e:
            raise WireError("connect %s:%d: %s" % (host, port, e))
        self.buf = b""
        self.closed = False
        self.timeout_s = timeout_s

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
        self.closed = True

    def send_line(self, text):
        try:
            self.sock.sendall(encode(text) + b"\r\n")
        except OSError as e:
            raise WireError("send failed: %s" % e)

    def _fill(self):
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            raise WireError("no data from the server within %ss (buffered: %r)"
                            % (self.timeout_s, self.buf[:200]))
        except OSError as e:
            raise WireError("receive failed: %s" % e)
        if not data:
            raise WireError("connection closed by the server (buffered: %r)" % self.buf[:200])
        self.buf += data

    def _line(self):
        while True:
            end = self.buf.find(b"\r\n")
            if end >= 0:
                line, self.buf = self.buf[:end], self.buf[end + 2:]
                return line
            self._fill()

    def _bytes(self, n):
        while len(self.buf) < n:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def read_response(self):
        """Reads one complete response; raises WireError on EOF/timeout."""
        parts = []
        line = self._line()
        while True:
            parts.append(line)
            m = LITERAL_RE.search(line)
            if not m:
                break
            parts.append(b"\r\n" + self._bytes(int(m.group(1))))
            line = self._line()
        return Response(b"".join(parts))

    def at_eof(self, wait_s=0.5):
        """True when the server has closed the connection and nothing
        unread is left."""
        if self.buf:
            return False
        self.sock.settimeout(wait_s)
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return False
        except OSError:
            return True
        finally:
            self.sock.settimeout(self.timeout_s)
        if data:
            self.buf += data
            return False
        return True
