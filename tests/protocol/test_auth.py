"""Authentication over real sockets: LOGIN, AUTHENTICATE PLAIN/LOGIN (with
and without SASL-IR) and SCRAM-SHA-256, failure delays, plaintext policy,
STARTTLS then login, passwd-file reload."""
import base64
import hashlib
import hmac
import os
import re
import signal
import time

import pytest

import rmtest


def b64(b):
    return base64.b64encode(b).decode()


def caps_of(text):
    m = re.search(r"CAPABILITY ([^\]]*)", text)
    return set(m.group(1).split()) if m else set()


def test_login_plain_stored(server):
    c = server.connect()
    c.greeting()
    r = c.cmd('LOGIN alice wonderland')
    assert r.status == "OK"
    # The OK carries the post-login capabilities: no AUTH=, no STARTTLS.
    caps = caps_of(r.text)
    assert "IMAP4rev1" in caps and not any(x.startswith("AUTH=") for x in caps)
    assert "STARTTLS" not in caps
    assert c.cmd("LOGIN alice wonderland").status == "BAD"   # wrong state now
    assert c.cmd("AUTHENTICATE PLAIN").status == "BAD"
    c.ok("LOGOUT")


def test_login_sha512_crypt_and_quoted_password(server):
    c = server.connect()
    c.greeting()
    c.ok('LOGIN "bob" "builder"')
    c.close()
    c = server.connect()
    c.greeting()
    c.ok(r'LOGIN carol "c0mplex \"pass\""')
    c.close()


def test_login_literal_password(server):
    c = server.connect()
    c.greeting()
    c.send("a LOGIN {5}\r\n")
    assert c.read_line().startswith(b"+")
    c.send("alice {10+}\r\nwonderland\r\n")
    assert c.read_response("a").status == "OK"
    c.close()


def test_login_case_insensitive_user(server):
    c = server.connect()
    c.greeting()
    c.ok("LOGIN ALICE wonderland")
    c.close()


def test_login_failure_is_delayed_and_growing(make_server):
    srv = make_server()
    c = srv.connect()
    c.greeting()
    t0 = time.time()
    r = c.cmd("LOGIN alice wrong")
    d1 = time.time() - t0
    assert r.status == "NO" and "[AUTHENTICATIONFAILED]" in r.text
    t0 = time.time()
    r = c.cmd("LOGIN nosuchuser whatever")
    d2 = time.time() - t0
    assert r.status == "NO" and "[AUTHENTICATIONFAILED]" in r.text
    # 250 ms, then 500 ms (addr.c doubles per failure from one address).
    assert d1 >= 0.24 and d2 >= 0.49, (d1, d2)
    # A success clears the address's history; the session continues.
    c.ok("LOGIN alice wonderland")
    c.close()


def test_too_many_failures_end_session(make_server):
    srv = make_server()
    c = srv.connect()
    c.greeting()
    for i in range(4):
        assert c.cmd("LOGIN alice bad%d" % i).status == "NO"
    c.send("x LOGIN alice bad\r\n")
    lines = []
    try:
        while True:
            lines.append(c.read_line())
    except EOFError:
        pass
    assert any(l.startswith(b"x NO") for l in lines)
    assert any(l.startswith(b"* BYE") for l in lines)


def test_authenticate_plain_with_and_without_ir(server):
    c = server.connect()
    c.greeting()
    r = c.cmd("AUTHENTICATE PLAIN " + b64(b"\0alice\0wonderland"))
    assert r.status == "OK"
    c.close()
    c = server.connect()
    c.greeting()
    c.send("a AUTHENTICATE PLAIN\r\n")
    assert c.read_line() == b"+ "
    c.send(b64(b"alice\0alice\0wonderland") + "\r\n")
    assert c.read_response("a").status == "OK"
    c.close()


def test_authenticate_plain_failures(server):
    c = server.connect()
    c.greeting()
    r = c.cmd("AUTHENTICATE PLAIN " + b64(b"bob\0alice\0wonderland"))
    assert r.status == "NO"   # authorization identity of somebody else
    r = c.cmd("AUTHENTICATE PLAIN " + b64(b"alice-wonderland"))
    assert r.status == "NO"   # missing NULs
    r = c.cmd("AUTHENTICATE PLAIN not!base64")
    assert r.status == "BAD"
    c.send("z AUTHENTICATE PLAIN\r\n")
    assert c.read_line() == b"+ "
    c.send("*\r\n")
    assert c.read_response("z").status == "BAD"   # cancelled
    r = c.cmd("AUTHENTICATE X-UNKNOWN")
    assert r.status == "NO"
    c.close()


def test_authenticate_login_mechanism(server):
    c = server.connect()
    c.greeting()
    c.send("a AUTHENTICATE LOGIN\r\n")
    assert base64.b64decode(c.read_line()[2:]) == b"Username:"
    c.send(b64(b"alice") + "\r\n")
    assert base64.b64decode(c.read_line()[2:]) == b"Password:"
    c.send(b64(b"wonderland") + "\r\n")
    assert c.read_response("a").status == "OK"
    c.close()


def scram_login(c, user, password, tag="s", ir=True, tamper=False):
    """A SCRAM-SHA-256 client (RFC 5802 / RFC 7677) written from the RFC."""
    cnonce = b64(os.urandom(18))
    first_bare = "n=%s,r=%s" % (user, cnonce)
    client_first = "n,," + first_bare
    if ir:
        c.send("%s AUTHENTICATE SCRAM-SHA-256 %s\r\n" % (tag, b64(client_first.encode())))
    else:
        c.send("%s AUTHENTICATE SCRAM-SHA-256\r\n" % tag)
        assert c.read_line() == b"+ "
        c.send(b64(client_first.encode()) + "\r\n")
    line = c.read_line()
    if not line.startswith(b"+ "):
        return line, None
    server_first = base64.b64decode(line[2:]).decode()
    attrs = dict(kv.split("=", 1) for kv in server_first.split(","))
    assert attrs["r"].startswith(cnonce)
    salt = base64.b64decode(attrs["s"])
    iters = int(attrs["i"])
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iters)
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    stored_key = hashlib.sha256(client_key).digest()
    final_wo_proof = "c=biws,r=" + attrs["r"]
    auth_message = ",".join([first_bare, server_first, final_wo_proof]).encode()
    signature = hmac.new(stored_key, auth_message, "sha256").digest()
    proof = bytes(a ^ b for a, b in zip(client_key, signature))
    if tamper:
        proof = bytes([proof[0] ^ 1]) + proof[1:]
    c.send(b64((final_wo_proof + ",p=" + b64(proof)).encode()) + "\r\n")
    line = c.read_line()
    if not line.startswith(b"+ "):
        return line, None
    server_final = base64.b64decode(line[2:]).decode()
    server_key = hmac.new(salted, b"Server Key", "sha256").digest()
    expect = b64(hmac.new(server_key, auth_message, "sha256").digest())
    c.send("\r\n")
    tagged = c.read_line()
    return tagged, server_final == "v=" + expect


def scram_stored(password, iters=4096):
    salt = os.urandom(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iters)
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", "sha256").digest()
    return "{SCRAM-SHA-256}%d,%s,%s,%s" % (iters, b64(salt), b64(stored_key), b64(server_key))


@pytest.fixture(scope="module")
def scram_server(tmp_path_factory, cert):
    users = {"alice": "{PLAIN}wonderland", "sam": scram_stored("s3cret")}
    srv = rmtest.Server(str(tmp_path_factory.mktemp("scram")), users=users, cert=cert)
    srv.start()
    yield srv
    assert srv.stop() == 0
    srv.check_log_clean()


def test_scram_against_plain_entry(scram_server):
    c = scram_server.connect()
    c.greeting()
    tagged, verified = scram_login(c, "alice", "wonderland")
    assert tagged.startswith(b"s OK"), tagged
    assert verified, "server signature did not verify"
    c.close()


def test_scram_against_stored_keys(scram_server):
    for ir in (True, False):
        c = scram_server.connect()
        c.greeting()
        tagged, verified = scram_login(c, "sam", "s3cret", ir=ir)
        assert tagged.startswith(b"s OK") and verified, tagged
        c.close()


def test_scram_wrong_proof_and_unknown_user(scram_server):
    c = scram_server.connect()
    c.greeting()
    tagged, _ = scram_login(c, "sam", "s3cret", tamper=True)
    assert tagged.startswith(b"s NO"), tagged
    tagged, _ = scram_login(c, "nobody", "x", tag="u")
    assert tagged.startswith(b"u NO"), tagged
    c.close()


def test_scram_channel_binding_refused(scram_server):
    c = scram_server.connect()
    c.greeting()
    first = "p=tls-unique,,n=alice,r=abcdefgh"
    r = c.cmd("AUTHENTICATE SCRAM-SHA-256 " + b64(first.encode()))
    assert r.status == "NO"
    c.close()


def test_plaintext_refused_without_tls(make_server):
    srv = make_server(opts={"plaintext_auth_loopback": "no"})
    c = srv.connect()
    line = c.greeting()
    caps = caps_of(line.decode())
    assert "LOGINDISABLED" in caps and "AUTH=PLAIN" not in caps and "STARTTLS" in caps
    r = c.cmd("LOGIN alice wonderland")
    assert r.status == "NO" and "PRIVACYREQUIRED" in r.text
    r = c.cmd("AUTHENTICATE PLAIN " + b64(b"\0alice\0wonderland"))
    assert r.status == "NO"
    # After STARTTLS the same login works.
    c.ok("STARTTLS")
    c.starttls()
    r = c.ok("CAPABILITY")
    caps = caps_of(r.untagged[0].decode())
    assert "AUTH=PLAIN" in caps and "LOGINDISABLED" not in caps
    c.ok("LOGIN alice wonderland")
    c.close()
    # Implicit TLS allows it too.
    c = srv.connect(tls=True)
    c.greeting()
    c.ok("LOGIN alice wonderland")
    c.close()


def test_passwd_reload_on_sighup(make_server):
    srv = make_server()
    c = srv.connect()
    c.greeting()
    assert c.cmd("LOGIN dave newpass").status == "NO"
    srv.users["dave"] = "{PLAIN}newpass"
    srv.write_passwd()
    srv.proc.send_signal(signal.SIGHUP)
    deadline = time.time() + 10
    while time.time() < deadline and srv.log().count("event=passwd_loaded") < 2:
        time.sleep(0.05)
    c2 = srv.connect()
    c2.greeting()
    c2.ok("LOGIN dave newpass")
    c.close()
    c2.close()


def test_login_storm_many_clients(server):
    """Many logins in a row (a benchmark's login storm) all succeed; the
    verified-credential cache makes repeats cheap (not timed here)."""
    for i in range(100):
        c = server.connect()
        c.greeting()
        c.ok("LOGIN bob builder")
        c.ok("LOGOUT")
        c.close()
