"""COMPRESS=DEFLATE (RFC 4978) with Python's zlib on the client side: plain
and under TLS, pipelined commands right behind COMPRESS, a large FETCH, and
IDLE notifications that must not wait inside the compressor."""
import zlib

import rmtest

MSG = b"Subject: compressed\r\n\r\n" + b"all work and no play makes jack a dull boy\r\n" * 2000


class Deflated:
    """Wraps a connected rmtest.Client: after COMPRESS its socket carries
    raw deflate both ways."""

    def __init__(self, client):
        self.c = client
        self.tx = zlib.compressobj(6, zlib.DEFLATED, -15)
        self.rx = zlib.decompressobj(-15)
        # Bytes read past the tagged OK were already deflated.
        client.buf = self.rx.decompress(client.buf)
        sock = client.sock
        orig_recv = sock.recv

        class Sock:
            def sendall(_, data):
                sock.sendall(self.tx.compress(data) + self.tx.flush(zlib.Z_SYNC_FLUSH))

            def recv(_, n):
                while True:
                    raw = orig_recv(n)
                    if not raw:
                        return b""
                    out = self.rx.decompress(raw)
                    if out:
                        return out

            def settimeout(_, t):
                sock.settimeout(t)

            def close(_):
                sock.close()
        client.sock = Sock()


def start_compress(c, pipelined=None):
    tag = c.next_tag()
    if pipelined is None:
        c.send("%s COMPRESS DEFLATE\r\n" % tag)
        r = c.read_response(tag)
        assert r.status == "OK", r
        Deflated(c)
        return
    # The command in plaintext, the next one already deflated, in one send.
    tx = zlib.compressobj(6, zlib.DEFLATED, -15)
    blob = tx.compress(pipelined) + tx.flush(zlib.Z_SYNC_FLUSH)
    c.sock.sendall(("%s COMPRESS DEFLATE\r\n" % tag).encode() + blob)
    r = c.read_response(tag)
    assert r.status == "OK", r
    d = Deflated(c)
    d.tx = tx


def test_compress_plain(server, user):
    c = server.connect()
    c.greeting()
    c.ok("LOGIN %s pw" % user)
    assert "COMPRESS=DEFLATE" in c.ok("CAPABILITY").untagged[0].decode()
    start_compress(c)
    r = c.ok("CAPABILITY")
    assert "COMPRESS=DEFLATE" not in r.untagged[0].decode()
    r = c.cmd("COMPRESS DEFLATE")
    assert r.status == "NO" and "[COMPRESSIONACTIVE]" in r.text
    tag = c.next_tag()
    c.send(("%s APPEND INBOX {%d+}\r\n" % (tag, len(MSG))).encode() + MSG + b"\r\n")
    assert c.read_response(tag).status == "OK"
    c.ok("SELECT INBOX")
    r = c.ok("FETCH 1 BODY.PEEK[]")
    assert r.untagged[0].endswith(MSG + b")")
    c.ok("LOGOUT")


def test_compress_under_tls_with_pipelined_command(server, user):
    c = server.connect(tls=True)
    c.greeting()
    c.ok("LOGIN %s pw" % user)
    start_compress(c, pipelined=b"p1 NOOP\r\n")
    assert c.read_response("p1").status == "OK"
    c.ok("SELECT INBOX")
    c.ok("LOGOUT")


def test_idle_notification_through_compression(server, user):
    a = server.connect()
    a.greeting()
    a.ok("LOGIN %s pw" % user)
    start_compress(a)
    a.ok("SELECT INBOX")
    a.send("i IDLE\r\n")
    assert a.read_line().startswith(b"+ ")
    b = server.connect(tls=True)
    b.greeting()
    b.ok("LOGIN %s pw" % user)
    tag = b.next_tag()
    b.send(("%s APPEND INBOX {%d+}\r\n" % (tag, len(MSG))).encode() + MSG + b"\r\n")
    assert b.read_response(tag).status == "OK"
    a.c = None
    a.sock.settimeout(5)
    line = a.read_line()       # arrives without any further client traffic
    assert line.endswith(b" EXISTS"), line
    a.send("DONE\r\n")
    assert a.read_response("i").status == "OK"
