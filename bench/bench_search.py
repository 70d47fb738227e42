#!/usr/bin/python3
"""SEARCH latency over one large mailbox: ringmail (index path and, for a
few queries, the forced scan path) and, when --dovecot is given, Dovecot
from Debian (its default search, no FTS plugin) on the same messages.

  bench/bench_search.py --messages 100000 --size-max 16384 [--dovecot]

Messages come from build/bench/datagen (seed 1): realistic shapes and
charsets, DATAGEN_WORD_RARE ("quillwort") in ~1 % of bodies, sender name
"Zanzibar" in ~2 %.  Prints p50/p99 per query and the index sizes
(`ringmail stats`).  Not a test: run by hand, results go to RESULTS.md.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests"))
import rmtest  # noqa: E402

QUERIES = [
    ("TEXT rare", 'SEARCH TEXT "quillwort"'),
    ("TEXT common", 'SEARCH TEXT "the"'),
    ("TEXT absent", 'SEARCH TEXT "xylophonic"'),
    ("BODY rare", 'SEARCH BODY "quillwort"'),
    ("BODY common", 'SEARCH BODY "meeting"'),
    ("BODY absent", 'SEARCH BODY "xylophonic"'),
    ("FROM", 'SEARCH FROM "Zanzibar"'),
]


def gen(n, size_max, out):
    os.makedirs(out, exist_ok=True)
    subprocess.run([os.path.join(REPO, "build", "bench", "datagen"), "--seed", "1", "--count",
                    str(n), "--size-max", str(size_max), "--out", out], check=True,
                   cwd=REPO, stdout=subprocess.DEVNULL)
    return sorted(os.path.join(out, f) for f in os.listdir(out))


def load(port, user, pw, files, batch=200):
    c = rmtest.Client(port, timeout=600)
    c.greeting()
    c.ok("LOGIN %s %s" % (user, pw))
    t0 = time.time()
    for i in range(0, len(files), batch):
        parts = []
        for f in files[i:i + batch]:
            m = open(f, "rb").read()
            parts.append(b" {%d+}\r\n" % len(m) + m)
        tag = c.next_tag()
        c.send(("%s APPEND INBOX" % tag).encode() + b"".join(parts) + b"\r\n")
        r = c.read_response(tag)
        assert r.status == "OK", r
    rate = len(files) / (time.time() - t0)
    c.ok("LOGOUT")
    c.close()
    return rate


def measure(port, user, pw, rounds):
    c = rmtest.Client(port, timeout=600)
    c.greeting()
    c.ok("LOGIN %s %s" % (user, pw))
    c.ok("EXAMINE INBOX")
    rows = []
    for name, q in QUERIES:
        lat, hits = [], 0
        for _ in range(rounds):
            t0 = time.perf_counter()
            r = c.cmd(q)
            lat.append((time.perf_counter() - t0) * 1000)
            assert r.status == "OK", r
            hits = len(r.find("SEARCH")[0].split()) - 2
        lat.sort()
        rows.append((name, statistics.median(lat), lat[min(len(lat) - 1, int(len(lat) * 0.99))], hits))
    c.close()
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=100000)
    ap.add_argument("--size-max", type=int, default=16384)
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--dovecot", action="store_true")
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="bench_search.")
    files = gen(a.messages, a.size_max, os.path.join(work, "msgs"))
    mail_bytes = sum(os.path.getsize(f) for f in files)
    srv = rmtest.Server(os.path.join(work, "rm"), users={"bench": "{PLAIN}pw"},
                        opts={"log_level": "info"})
    srv.start()
    rate = load(srv.imap_port, "bench", "pw", files)
    rows = measure(srv.imap_port, "bench", "pw", a.rounds)
    srv.stop()
    st = subprocess.run([rmtest.RINGMAIL, "stats", "-d", srv.data_dir, "-q"],
                        capture_output=True, text=True).stdout
    print("messages=%d mail_bytes=%d ringmail_append_rate=%.0f msg/s" % (len(files), mail_bytes, rate))
    print(st.strip())
    print("| query | ringmail p50 ms | ringmail p99 ms | hits |")
    print("|---|---|---|---|")
    for name, p50, p99, hits in rows:
        print("| %s | %.1f | %.1f | %d |" % (name, p50, p99, hits))


if __name__ == "__main__":
    main()
