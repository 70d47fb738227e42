"""A raw LMTP client for tests: exact reply lines, pipelining, and the one
reply per recipient after DATA that smtplib does not read (RFC 2033 §4.2)."""
import socket


class Lmtp:
    def __init__(self, port=None, path=None, timeout=10):
        if path:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.settimeout(timeout)
            self.sock.connect(path)
        else:
            self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""

    def close(self):
        self.sock.close()

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def line(self):
        while b"\r\n" not in self.buf:
            d = self.sock.recv(65536)
            if not d:
                raise EOFError("closed; buffered %r" % self.buf)
            self.buf += d
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line.decode()

    def reply(self):
        """One reply: its lines (a multi-line reply has '-' after the code)."""
        lines = [self.line()]
        while len(lines[-1]) > 3 and lines[-1][3] == "-":
            lines.append(self.line())
        return lines

    def cmd(self, text):
        self.send(text + "\r\n")
        return self.reply()

    def code(self, text):
        return int(self.cmd(text)[-1][:3])

    def greet_lhlo(self):
        assert self.line().startswith("220 ")
        return self.cmd("LHLO tester.example")

    def deliver(self, sender, rcpts, body):
        """MAIL, RCPT each, DATA; returns (rcpt replies, data replies), one
        data reply per accepted recipient."""
        assert self.code("MAIL FROM:<%s>" % sender) == 250
        rr = [self.cmd("RCPT TO:<%s>" % r)[-1] for r in rcpts]
        ok = sum(1 for r in rr if r.startswith("250"))
        if ok == 0:
            assert self.code("RSET") == 250
            return rr, []
        assert self.code("DATA") == 354
        self.send(stuff(body) + b".\r\n")
        return rr, [self.reply()[-1] for _ in range(ok)]


def stuff(body):
    """Dot-stuffs a message (RFC 5321 §4.5.2) and ends it with CRLF."""
    if not body.endswith(b"\r\n"):
        body += b"\r\n"
    lines = body.split(b"\r\n")
    return b"\r\n".join((b"." + l if l.startswith(b".") else l) for l in lines[:-1]) + b"\r\n"
