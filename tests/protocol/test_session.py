"""The session core over real sockets: greeting, CAPABILITY, framing,
literals, limits, TLS (implicit and STARTTLS), connection limits, slow
readers, autologout, SIGTERM."""
import re
import signal
import socket
import ssl
import threading
import time

import pytest

import rmtest


def caps(line):
    m = re.search(rb"CAPABILITY ([^\]\r\n]*)", line)
    assert m, line
    return set(m.group(1).decode().split())


def test_greeting_has_capabilities(server):
    c = server.connect()
    line = c.greeting()
    assert line.startswith(b"* OK [CAPABILITY ")
    cs = caps(line)
    assert "IMAP4rev1" in cs and "STARTTLS" in cs and "AUTH=PLAIN" in cs
    assert "SASL-IR" in cs and "AUTH=SCRAM-SHA-256" in cs
    c.close()


def test_capability_command(server):
    c = server.connect()
    c.greeting()
    r = c.ok("CAPABILITY")
    assert len(r.find("CAPABILITY")) == 1
    cs = caps(r.find("CAPABILITY")[0])
    assert "LITERAL+" in cs and "ID" in cs and "ENABLE" in cs
    c.close()


def test_noop_logout(server):
    c = server.connect()
    c.greeting()
    c.ok("NOOP")
    r = c.cmd("LOGOUT")
    assert r.status == "OK" and r.find("BYE")
    assert c.expect_closed()


def test_unknown_and_bad_syntax(server):
    c = server.connect()
    c.greeting()
    r = c.cmd("FROBNICATE")
    assert r.status == "BAD"
    r = c.cmd("NOOP extra")
    assert r.status == "BAD"
    r = c.cmd("CAPABILITY  ")
    assert r.status == "BAD"
    # The connection stays usable.
    c.ok("NOOP")
    c.close()


def test_invalid_tag_gets_untagged_bad(server):
    c = server.connect()
    c.greeting()
    c.send("+x NOOP\r\n")
    assert c.read_line().startswith(b"* BAD")
    c.send("\r\n")
    assert c.read_line().startswith(b"* BAD")
    c.send("a{b NOOP\r\n")
    assert c.read_line().startswith(b"* BAD")
    c.ok("NOOP")
    c.close()


def test_authenticated_commands_need_login(server):
    c = server.connect()
    c.greeting()
    for cmd in ("ENABLE UTF8=ACCEPT",):
        r = c.cmd(cmd)
        assert r.status == "BAD", cmd
    c.close()


def test_pipelined_commands_in_one_packet(server):
    c = server.connect()
    c.greeting()
    c.send(b"a NOOP\r\nb CAPABILITY\r\nc NOOP\r\nd ID NIL\r\n")
    r = c.read_response("a")
    assert r.status == "OK"
    r = c.read_response("b")
    assert r.status == "OK" and r.find("CAPABILITY")
    assert c.read_response("c").status == "OK"
    r = c.read_response("d")
    assert r.status == "OK" and r.find("ID")
    c.close()


def test_id_command(server):
    c = server.connect()
    c.greeting()
    r = c.ok('ID ("name" "pytest" "version" "1")')
    assert r.find('ID ("name" "ringmail"')
    assert c.cmd("ID ()").status == "BAD"
    many = " ".join('"k%d" "v"' % i for i in range(31))
    assert c.cmd("ID (%s)" % many).status == "BAD"
    c.close()


def test_synchronizing_literal(server):
    c = server.connect()
    c.greeting()
    c.send("a ID ({4}\r\n")
    assert c.read_line().startswith(b"+ ")
    c.send('name "x")\r\n')
    r = c.read_response("a")
    assert r.status == "OK"
    c.close()


def test_non_synchronizing_literal(server):
    c = server.connect()
    c.greeting()
    c.send('a ID ({4+}\r\nname {3+}\r\nabc)\r\nb NOOP\r\n')
    assert c.read_response("a").status == "OK"
    assert c.read_response("b").status == "OK"
    c.close()


def test_literal_split_across_packets(server):
    c = server.connect()
    c.greeting()
    c.send('a ID ({4+}\r\nna')
    time.sleep(0.05)
    c.send('me "v")\r')
    time.sleep(0.05)
    c.send('\n')
    assert c.read_response("a").status == "OK"
    c.close()


def test_oversize_literal_refused_without_reading(server):
    c = server.connect()
    c.greeting()
    # Before login, literals are limited to 8 KiB; the server answers at
    # once and never asks for (or waits for) the 100 MB.
    c.send("a LOGIN {104857600}\r\n")
    r = c.read_response("a")
    assert r.status in ("BAD", "NO") and "TOOBIG" in r.text
    c.ok("NOOP")
    c.close()


def test_oversize_nonsync_literal_skipped(server):
    c = server.connect()
    c.greeting()
    c.send("a ID ({9000+}\r\n")
    r = c.read_response("a")
    assert r.status == "BAD"
    # The client goes on sending the literal; it is skipped, not read as
    # commands, and the session continues.
    c.send(b"x" * 9000 + b" more)\r\nb NOOP\r\n")
    assert c.read_response("b").status == "OK"
    c.close()


def test_line_length_limit(server):
    # Before authentication lines are limited to 8192 bytes (limits.h).
    c = server.connect()
    c.greeting()
    pad = 8192 - len("a ID (\"x\" \"\")")
    line = 'a ID ("x" "%s")' % ("y" * pad)
    assert len(line) == 8192
    r = c.cmd(line[2:], tag="a")
    assert r.status == "BAD"   # ID value over 1024 bytes: parsed, refused
    line2 = 'b ID ("x" "%s")' % ("y" * (pad + 1))
    c.send(line2 + "\r\n")
    r = c.read_response("b")
    assert r.status == "BAD" and "too long" in r.text.lower()
    c.ok("NOOP")
    c.close()


def test_nul_and_8bit_rejected(server):
    c = server.connect()
    c.greeting()
    c.send(b"a ID (\"n\xc3\xa9\" NIL)\r\n")
    # 8-bit inside a quoted string before UTF8=ACCEPT is tolerated by the
    # tokenizer only for UTF-8 sessions; the command still completes.
    r = c.read_response("a")
    assert r.status in ("OK", "BAD")
    c.send(b"b NO\x00OP\r\n")
    assert c.read_response("b").status == "BAD"
    c.send(b"c N\xc3\xa9OP\r\n")
    assert c.read_response("c").status == "BAD"
    c.ok("NOOP")
    c.close()


def test_too_many_bad_commands_end_session(server):
    c = server.connect()
    c.greeting()
    for i in range(19):
        assert c.cmd("BOGUS%d" % i).status == "BAD"
    c.send("z BOGUS\r\n")
    lines = []
    while True:
        try:
            lines.append(c.read_line())
        except EOFError:
            break
    assert any(l.startswith(b"* BYE") for l in lines), lines


def test_implicit_tls(server):
    c = server.connect(tls=True)
    line = c.greeting()
    cs = caps(line)
    assert "STARTTLS" not in cs
    assert c.sock.version() in ("TLSv1.2", "TLSv1.3")
    c.ok("NOOP")
    c.close()


def test_tls_logout_ends_with_close_notify(server):
    """After LOGOUT's tagged OK the server sends a TLS close_notify before
    closing (RFC 8446 §6.1): the client sees a clean end of stream, not a
    truncation.  With ragged EOFs not suppressed, Python raises
    SSLEOFError on a close without the alert."""
    raw = socket.create_connection(("127.0.0.1", server.imaps_port), timeout=5)
    ctx = rmtest.client_tls_context()
    ctx.options &= ~getattr(ssl, "OP_IGNORE_UNEXPECTED_EOF", 0)
    t = ctx.wrap_socket(raw, suppress_ragged_eofs=False)
    c = rmtest.Client.__new__(rmtest.Client)
    c.sock, c.buf, c.tagn = t, b"", 0
    c.greeting()
    c.ok("LOGIN alice wonderland")
    r = c.cmd("LOGOUT")
    assert r.status == "OK" and r.find("BYE")
    assert t.recv(100) == b""   # close_notify, then EOF
    t.close()


def test_tls_login_logout_storm_answers_every_logout(server):
    """Many TLS sessions at once, each LOGIN then LOGOUT (login moves the
    connection to the owner's worker): every LOGOUT gets its tagged OK."""
    import concurrent.futures

    def one(_):
        c = server.connect(tls=True)
        c.greeting()
        c.ok("LOGIN alice wonderland")
        r = c.cmd("LOGOUT")
        c.close()
        return r.status

    with concurrent.futures.ThreadPoolExecutor(16) as ex:
        got = list(ex.map(one, range(200)))
    assert got == ["OK"] * 200


def test_tls_12_minimum(server):
    import warnings
    warnings.simplefilter("ignore", DeprecationWarning)
    # Positive control: TLS 1.2 exactly works.
    ctx = rmtest.client_tls_context()
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    t = ctx.wrap_socket(socket.create_connection(("127.0.0.1", server.imaps_port), timeout=5))
    assert t.version() == "TLSv1.2"
    t.close()
    # TLS 1.1 offered by a client that allows it is refused by the server
    # (the client's own library would otherwise say "no protocols").
    ctx = rmtest.client_tls_context()
    ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    ctx.minimum_version = ssl.TLSVersion.TLSv1
    ctx.maximum_version = ssl.TLSVersion.TLSv1_1
    s = socket.create_connection(("127.0.0.1", server.imaps_port), timeout=5)
    with pytest.raises((ssl.SSLError, ConnectionResetError)) as err:
        t = ctx.wrap_socket(s)
        t.recv(100)
    assert "NO_PROTOCOLS_AVAILABLE" not in str(err.value).upper()


def test_starttls(server):
    c = server.connect()
    c.greeting()
    r = c.ok("STARTTLS")
    c.starttls()
    r = c.ok("CAPABILITY")
    cs = caps(r.find("CAPABILITY")[0])
    assert "STARTTLS" not in cs
    assert c.cmd("STARTTLS").status == "BAD"
    c.close()


def test_starttls_command_injection_discarded(server):
    """RFC 9051 §6.2.1: commands pipelined after STARTTLS in plaintext are
    discarded, never executed inside the TLS session."""
    c = server.connect()
    c.greeting()
    c.send("a STARTTLS\r\nb CAPABILITY\r\nc LOGOUT\r\n")
    r = c.read_response("a")
    assert r.status == "OK"
    assert c.buf == b""   # nothing answered in plaintext after the OK
    c.starttls()
    r = c.cmd("NOOP", tag="d")
    # The first response inside TLS belongs to d: b and c never ran.
    assert r.untagged == [] and r.status == "OK"
    c.close()


def test_pipelined_during_tls_handshake_ok(server):
    c = server.connect(tls=True)
    c.send("a NOOP\r\nb NOOP\r\n")
    c.greeting()
    assert c.read_response("a").status == "OK"
    assert c.read_response("b").status == "OK"
    c.close()


def test_thousand_concurrent_connections(make_server):
    srv = make_server()
    clients = []
    try:
        for i in range(1000):
            c = srv.connect()
            clients.append(c)
        for c in clients:
            c.greeting()
        for i, c in enumerate(clients):
            c.send("a%d NOOP\r\n" % i)
        for i, c in enumerate(clients):
            assert c.read_response("a%d" % i).status == "OK"
    finally:
        for c in clients:
            c.close()


def test_connection_limit_per_ip(make_server):
    srv = make_server(opts={"max_connections_per_ip": "3"})
    cs = [srv.connect() for _ in range(3)]
    for c in cs:
        c.greeting()
    extra = srv.connect()
    line = extra.read_line()
    assert line.startswith(b"* BYE [UNAVAILABLE]")
    assert extra.expect_closed()
    cs[0].close()
    time.sleep(0.2)
    again = srv.connect()
    again.greeting()
    for c in cs[1:] + [again]:
        c.close()


def test_descriptor_limit_refuses_cleanly_and_stops(make_server):
    """With few descriptors (RLIMIT_NOFILE 400) max_connections is clamped
    below the limit: clients past it get BYE [UNAVAILABLE] rather than the
    server failing in accept, the server keeps serving, and SIGTERM still
    stops it (the stop request's ring exists from the start)."""
    srv = make_server(start=False)
    srv.nofile = 400
    srv.start()
    m = re.search(r"event=max_connections_clamped configured=\d+ effective=(\d+)", srv.log())
    assert m, srv.log()[-2000:]
    room = int(m.group(1))
    assert 0 < room < 400
    socks = []
    try:
        for _ in range(room + 40):
            socks.append(socket.create_connection(("127.0.0.1", srv.imap_port), timeout=10))
        firsts = []
        for s in socks:
            f = s.makefile("rb")
            firsts.append(f.readline())
        ok = sum(1 for l in firsts if l.startswith(b"* OK"))
        bye = sum(1 for l in firsts if l.startswith(b"* BYE [UNAVAILABLE]"))
        assert ok == room and bye == 40, (ok, bye, room)
        assert "accept_failed" not in srv.log()
        # Room again once some go away.
        for s in socks[:10]:
            s.close()
        time.sleep(0.3)
        c = srv.connect()
        c.greeting()
        c.ok("LOGIN alice wonderland")
        c.close()
        t0 = time.time()
        srv.proc.send_signal(signal.SIGTERM)
        srv.proc.wait(timeout=30)
        assert srv.proc.returncode == 0
        assert time.time() - t0 < 15
    finally:
        for s in socks:
            s.close()


def test_total_connection_limit(make_server):
    srv = make_server(opts={"max_connections": "5"})
    cs = [srv.connect() for _ in range(5)]
    for c in cs:
        c.greeting()
    extra = srv.connect()
    assert extra.read_line().startswith(b"* BYE [UNAVAILABLE]")
    for c in cs:
        c.close()


def test_slow_reader_disconnected_others_served(make_server):
    """A client that stops reading while its output grows past the hard
    limit is disconnected; others keep being served meanwhile."""
    srv = make_server()
    slow = socket.create_connection(("127.0.0.1", srv.imap_port))
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    slow.recv(1000)  # greeting
    # Each pipelined CAPABILITY answers ~200 bytes; never read them.
    burst = b"".join(b"s%d CAPABILITY\r\n" % i for i in range(2000))
    fast = srv.connect()
    fast.greeting()
    deadline = time.time() + 60
    closed = False
    while time.time() < deadline and not closed:
        try:
            slow.sendall(burst)
        except (BrokenPipeError, ConnectionResetError):
            closed = True
            break
        fast.ok("NOOP")
        if "slow_reader" in srv.log() or "output_stalled" in srv.log():
            closed = True
    assert closed, "slow reader never disconnected"
    fast.ok("NOOP")
    slow.close()
    fast.close()


def test_preauth_autologout(make_server):
    srv = make_server(opts={"timeout_preauth_ms": "1s"})
    c = srv.connect()
    c.greeting()
    t0 = time.time()
    line = c.read_line()
    assert line.startswith(b"* BYE")
    assert c.expect_closed()
    assert time.time() - t0 < 5


def test_sigterm_with_connections_open(make_server):
    srv = make_server()
    cs = [srv.connect() for _ in range(50)]
    for c in cs:
        c.greeting()
    t0 = time.time()
    rc = srv.stop(signal.SIGTERM)
    assert rc == 0
    assert time.time() - t0 < 10
    for c in cs:
        lines = []
        try:
            while True:
                lines.append(c.read_line())
        except (EOFError, OSError):
            pass
        assert any(l.startswith(b"* BYE") for l in lines), lines
        c.close()
    assert "event=stopped" in srv.log()


def test_bad_config_is_reported(make_server, tmp_path):
    import subprocess
    out = subprocess.run([rmtest.RINGMAILD, "-o", "no_such_key=1"], capture_output=True,
                         text=True, timeout=10)
    assert out.returncode != 0 and "unknown key" in out.stderr
    out = subprocess.run([rmtest.RINGMAILD, "-o", "max_connections=lots"], capture_output=True,
                         text=True, timeout=10)
    assert out.returncode != 0 and "bad value" in out.stderr
    conf = tmp_path / "bad.conf"
    conf.write_text("workers = 2\nfoo bar\n")
    out = subprocess.run([rmtest.RINGMAILD, "-c", str(conf)], capture_output=True, text=True,
                         timeout=10)
    assert out.returncode != 0 and "bad.conf:2" in out.stderr


def test_help_config_lists_every_key():
    import subprocess
    out = subprocess.run([rmtest.RINGMAILD, "--help-config"], capture_output=True, text=True,
                         timeout=10)
    assert out.returncode == 0
    for key in ("data_dir", "imap_listen", "imaps_listen", "max_connections_per_ip",
                "append_max_bytes", "timeout_auth_ms", "passwd_file"):
        assert re.search(r"^%s = " % key, out.stdout, re.M), key


def test_example_config_matches_help_config():
    """ringmail.conf.example is exactly what ringmaild --help-config prints,
    so the documented keys and defaults cannot drift from the code."""
    import os
    import subprocess
    out = subprocess.run([rmtest.RINGMAILD, "--help-config"], capture_output=True, text=True,
                         timeout=10)
    with open(os.path.join(rmtest.REPO, "ringmail.conf.example")) as f:
        assert f.read() == out.stdout


def test_example_config_loads(tmp_path):
    """The example file is a valid configuration (every default parses)."""
    import os
    import subprocess
    conf = os.path.join(rmtest.REPO, "ringmail.conf.example")
    out = subprocess.run([rmtest.RINGMAILD, "-c", conf, "-o", "data_dir=%s" % tmp_path,
                          "-o", "imaps_listen=", "-o", "imap_listen=127.0.0.1:1"],
                         capture_output=True, text=True, timeout=10)
    # It gets as far as opening the (missing) data directory.
    assert "data directory" in out.stderr and "unknown key" not in out.stderr, out.stderr


def test_sighup_reloads_certificate(make_server, tmp_path):
    import os
    import subprocess
    d = tmp_path / "newtls"
    os.makedirs(d)
    cert, key = str(d / "cert.pem"), str(d / "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "30", "-subj", "/CN=first"], check=True, capture_output=True)
    srv = make_server(opts={"tls_cert": cert, "tls_key": key})

    def served_cn():
        c = srv.connect(tls=True)
        der = c.sock.getpeercert(binary_form=True)
        c.close()
        out = subprocess.run(["openssl", "x509", "-inform", "DER", "-noout", "-subject"],
                             input=der, capture_output=True, check=True)
        return out.stdout.decode()

    assert "first" in served_cn()
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "30", "-subj", "/CN=second"], check=True, capture_output=True)
    srv.proc.send_signal(signal.SIGHUP)
    deadline = time.time() + 10
    while "event=tls_reloaded" not in srv.log() and time.time() < deadline:
        time.sleep(0.05)
    assert "second" in served_cn()


def test_unauthenticate_then_other_user(server):
    """RFC 8437: UNAUTHENTICATE forgets the login (and the selected
    mailbox) but keeps the connection; pipelined with a new AUTHENTICATE
    it re-authenticates as another user in one round trip."""
    import base64
    c = server.connect()
    c.greeting()
    c.ok("LOGIN alice wonderland")
    c.ok("ENABLE UTF8=ACCEPT")
    c.ok("SELECT INBOX")
    ir = base64.b64encode(b"\0bob\0builder").decode()
    c.send("u UNAUTHENTICATE\r\nv AUTHENTICATE PLAIN %s\r\n" % ir)
    r = c.read_response("u")
    assert r.status == "OK" and r.untagged == []
    assert c.read_response("v").status == "OK"
    r = c.cmd("FETCH 1 FLAGS")
    assert r.status == "BAD"          # nothing selected any more
    r = c.ok("ENABLE UTF8=ACCEPT")
    assert r.untagged == [b"* ENABLED UTF8=ACCEPT"]   # ENABLE state was reset
    c.ok("UNAUTHENTICATE")
    assert c.cmd("SELECT INBOX").status == "BAD"
    c.close()
