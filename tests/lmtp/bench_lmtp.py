#!/usr/bin/python3
"""LMTP delivery rate, ringmail against Dovecot's LMTP in the same run.

Not a test (pytest does not collect it).  Starts a ringmaild (build/ or
$RINGMAIL_BUILD) and a private Dovecot (tests/ops/dovecot.py: Maildir,
fsync on, as shipped) with the same 100 users, then for each server and
for 1 and 100 recipients per message runs CONNS pipelining clients for
SECONDS, and prints messages/s and recipient deliveries/s.

    /usr/bin/python3 tests/lmtp/bench_lmtp.py [seconds] [connections]

Four runs on the 2-CPU development machine (other engineers' jobs running,
so the spread is wide), 8 connections, a 3.8 KB message:
    1 recipient:    ringmail 2,154-2,612 msg/s, Dovecot 657-1,116 msg/s
    100 recipients: ringmail 210-246 msg/s (21,000-24,600 deliveries/s),
                    Dovecot 7.4-18.2 msg/s (741-1,821 deliveries/s)
"""
import os
import shutil
import socket
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(HERE, "..", "ops"))
import dovecot  # noqa: E402
import rmtest  # noqa: E402

USERS = ["user%02d" % i for i in range(100)]
BODY = (b"From: Bench <bench@example.org>\r\nTo: list@example.net\r\nSubject: lmtp bench\r\n"
        b"Message-ID: <bench@example.org>\r\n\r\n" + b"A line of a benchmark message body.\r\n" * 100)


def one_session(port, rcpts, deadline, counts, lock):
    s = socket.create_connection(("127.0.0.1", port))
    f = s.makefile("rb")
    f.readline()
    s.sendall(b"LHLO bench\r\n")
    while not f.readline().startswith(b"250 "):
        pass
    tx = (b"MAIL FROM:<bench@example.org>\r\n" +
          b"".join(b"RCPT TO:<%s@example.net>\r\n" % r.encode() for r in rcpts) + b"DATA\r\n")
    done = ok = 0
    while time.time() < deadline:
        s.sendall(tx)
        for _ in range(len(rcpts) + 2):      # MAIL, each RCPT, 354
            line = f.readline()
        assert line.startswith(b"354"), line
        s.sendall(BODY + b".\r\n")
        for _ in rcpts:
            if f.readline().startswith(b"250"):
                ok += 1
        done += 1
    s.sendall(b"QUIT\r\n")
    s.close()
    with lock:
        counts[0] += done
        counts[1] += ok


def run(port, nrcpt, seconds, conns):
    counts = [0, 0]
    lock = threading.Lock()
    deadline = time.time() + seconds
    threads = []
    for i in range(conns):
        rcpts = [USERS[(i + k) % len(USERS)] for k in range(nrcpt)]
        t = threading.Thread(target=one_session, args=(port, rcpts, deadline, counts, lock))
        t.start()
        threads.append(t)
    t0 = time.time()
    for t in threads:
        t.join()
    took = time.time() - t0
    return counts[0] / took, counts[1] / took


def wait_port(port, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("port %d not listening" % port)


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 5
    conns = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    work = tempfile.mkdtemp(prefix="rm-lmtpbench-")
    srv = rmtest.Server(work, users={u: "{PLAIN}pw" for u in USERS},
                        opts={"log_level": "warn"})
    # Per-recipient info lines off, as Dovecot's info log is below.
    srv.start(wait=False)
    dc = None
    try:
        wait_port(srv.lmtp_port)
        dc = dovecot.Dovecot({u: "pw" for u in USERS}, lmtp_procs=conns).start()
        measure(srv, dc, seconds, conns)
    finally:
        srv.stop()
        if dc:
            dc.cleanup()
        shutil.rmtree(work, ignore_errors=True)


def measure(srv, dc, seconds, conns):
    print("LMTP delivery, %d connections, %.0fs each, %d-byte message, %d CPUs" %
          (conns, seconds, len(BODY), os.cpu_count()))
    print("%-10s %6s %12s %16s" % ("server", "rcpts", "messages/s", "deliveries/s"))
    for nrcpt in (1, 100):
        for name, port in (("ringmail", srv.lmtp_port), ("dovecot", dc.lmtp_port)):
            msgs, rcpts = run(port, nrcpt, seconds, conns)
            print("%-10s %6d %12.1f %16.1f" % (name, nrcpt, msgs, rcpts), flush=True)


if __name__ == "__main__":
    main()
