"""The Prometheus endpoint: text format that parses, and values that move
with what the server does (connections, commands with latency histograms,
auth results, bytes, LMTP, commits and fsync batches, partition sizes)."""
import os
import re
import socket
import sys
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lmtp"))
from lmtp_client import Lmtp  # noqa: E402

LINE = re.compile(r'^([a-z_:][a-z0-9_:]*)(\{([^}]*)\})? (-?[0-9.e+]+|\+Inf)$')


def scrape(srv):
    """{(name, labels): value}; asserts every line follows the format."""
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % srv.metrics_port, timeout=10) as r:
        assert r.status == 200
        assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = r.read().decode()
    out = {}
    typed = set()
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            typed.add(line.split()[2])
            continue
        if line.startswith("# HELP "):
            continue
        m = LINE.match(line)
        assert m, "bad line %r" % line
        base = re.sub(r"_(bucket|sum|count)$", "", m.group(1))
        assert m.group(1) in typed or base in typed, "no TYPE for %s" % m.group(1)
        out[(m.group(1), m.group(3) or "")] = float(m.group(4))
    return out


def test_values_move(server):
    before = scrape(server)
    c = server.login("alice", "wonderland")
    c.ok("SELECT INBOX")
    for _ in range(3):
        c.ok("NOOP")
    bad = server.connect()
    bad.greeting()
    assert bad.cmd("LOGIN alice wrong").status == "NO"
    l = Lmtp(server.lmtp_port)
    l.greet_lhlo()
    l.deliver("s@x", ["alice@x", "bob@x"], b"Subject: m\r\n\r\nmetrics\r\n")
    after = scrape(server)
    d = lambda k, lab="": after.get((k, lab), 0) - before.get((k, lab), 0)  # noqa: E731
    assert d("ringmail_imap_commands_total", 'command="NOOP"') == 3
    assert d("ringmail_imap_commands_total", 'command="SELECT"') == 1
    assert d("ringmail_imap_command_duration_seconds_count", 'command="NOOP"') == 3
    assert after[("ringmail_imap_command_duration_seconds_bucket", 'command="NOOP",le="+Inf"')] >= 3
    assert d("ringmail_auth_total", 'result="success"') == 1
    assert d("ringmail_auth_total", 'result="failure"') == 1
    assert d("ringmail_lmtp_transactions_total") == 1
    assert d("ringmail_lmtp_recipients_total", 'result="delivered"') == 2
    assert d("ringmail_connections_accepted_total", 'protocol="imap"') == 2
    assert d("ringmail_connections_accepted_total", 'protocol="lmtp"') == 1
    assert d("ringmail_connections_accepted_total", 'protocol="http"') == 1
    # Logged in: one authenticated; the failed login, the LMTP session and
    # this scrape are not.
    assert after[("ringmail_connections", 'state="authenticated"')] >= 1
    assert d("ringmail_bytes_received_total") > 0 and d("ringmail_bytes_sent_total") > 0
    assert d("ringmail_store_commits_total") >= 1
    assert d("ringmail_store_fsync_batch_records_count") == d("ringmail_store_fsyncs_total")
    parts = [v for (k, lab), v in after.items() if k == "ringmail_partition_log_bytes"]
    assert len(parts) == 8 and sum(parts) > 8 * 64
    assert sum(v for (k, _), v in after.items() if k == "ringmail_partition_messages") >= 2
    # Indexed in the same commit: no lag, and the index grew.
    assert sum(v for (k, _), v in after.items()
               if k == "ringmail_partition_search_index_lag_messages") == 0
    assert sum(v for (k, _), v in after.items() if k == "ringmail_partition_search_index_bytes") > \
        sum(v for (k, _), v in before.items() if k == "ringmail_partition_search_index_bytes")
    c.ok("LOGOUT")
    l.close()
    bad.close()


def test_not_found_and_bad_requests(server):
    with socket.create_connection(("127.0.0.1", server.metrics_port)) as s:
        s.sendall(b"GET /nope HTTP/1.0\r\n\r\n")
        assert s.recv(100).startswith(b"HTTP/1.0 404 ")
    with socket.create_connection(("127.0.0.1", server.metrics_port)) as s:
        s.sendall(b"POST /metrics HTTP/1.0\r\n\r\n")
        assert s.recv(100).startswith(b"HTTP/1.0 405 ")
    with socket.create_connection(("127.0.0.1", server.metrics_port)) as s:
        s.sendall(b"GET /metrics HTTP/1.0\r\n" + b"X: " + b"y" * 9000)
        assert s.recv(100).startswith(b"HTTP/1.0 431 ")
    try:
        urllib.request.urlopen("http://127.0.0.1:%d/x" % server.metrics_port, timeout=5)
        assert False
    except urllib.error.HTTPError as e:
        assert e.code == 404
