#!/usr/bin/python3
"""bench_sync_ext: issue 7's two sync benchmarks, ringmail and Dovecot in one run.

1. Resync cost.  A client (B) holds a cached copy of a 100,000-message INBOX
   (UIDs, flags, UIDVALIDITY, HIGHESTMODSEQ).  Another client (A) makes 100
   changes (70 flag changes, 25 expunges, 5 APPENDs by default).  B then
   reconnects: connect, LOGIN, ENABLE QRESYNC, SELECT INBOX (QRESYNC
   (uidvalidity modseq known-uids)), and UID FETCH of the new messages'
   metadata.  Measured: bytes the server sent (greeting included) and wall
   time until the last tagged OK.  For contrast a client without
   CONDSTORE/QRESYNC reconnects to the same state: LOGIN, SELECT INBOX,
   UID FETCH 1:* (FLAGS), the same metadata fetch.  Each answer is checked
   against the changes made (changed UIDs and their flags, VANISHED
   (EARLIER) = the expunged UIDs, the client's cache = the server's state).
2. IDLE fan-out.  N sessions (10,000 by default) of one user IDLE on its
   INBOX; another connection APPENDs; each idler times its `* N EXISTS`
   from the moment the APPEND's literal went out (bench/loadgen -w idle,
   one user): p50, p99, max, and the time until the last idler had it.

Run as root (Dovecot runs from its own configuration in a temporary
directory, the one scripts/bench-compare writes, whose Dovecot and ringmail
starters are imported from it).  Traffic goes to 127.0.0.1 only; every wait
is bounded and the whole run stops after --time-limit seconds; servers and
the temporary directory are removed on every path, SIGTERM included.
"""
import argparse
import importlib.machinery
import importlib.util
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.environ.get("RM_SHARED", os.path.join(os.path.dirname(REPO), "shared"))
SIZES_CSV = os.path.join(SHARED, "corpus/client-usage/mailbox_email_sizes.csv")
KEEP_MARKER = "<!-- notes below are kept by bench-compare -->"
SECTION = "## Sync extensions: resync cost and IDLE fan-out (bench/bench_sync_ext.py)"
PASSWORD = "benchpw"
BIG_USER, FAN_USER = "big1", "fan1"
BASE_DATE = 1704067200  # 2024-01-01, INTERNALDATE of message 1; one minute apart
META_ITEMS = b"(UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE)"
FLAG_POOL = ["\\seen", "\\flagged", "\\answered", "$work"]


def log(msg):
    print(f"[bench_sync_ext {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def import_bench_compare():
    """scripts/bench-compare defines its helpers at module level and runs only
    under __main__, so loading it under another name has no side effects."""
    path = os.path.join(REPO, "scripts", "bench-compare")
    loader = importlib.machinery.SourceFileLoader("rm_bench_compare", path)
    spec = importlib.util.spec_from_loader("rm_bench_compare", loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


class Timeout(Exception):
    pass


# ---- a minimal IMAP client that counts bytes ----------------------------------------

class Imap:
    """One connection.  `rx` counts every byte received.  A command's response
    is returned raw; the wait for it only looks for the tagged line, so the
    client's own parsing stays out of the timed part."""

    def __init__(self, port, timeout=120):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf, self.rx, self.tagn = bytearray(), 0, 0

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def _fill(self):
        data = self.sock.recv(1 << 20)
        if not data:
            raise ConnectionError("server closed the connection")
        self.rx += len(data)
        self.buf += data

    def greeting(self):
        while b"\r\n" not in self.buf:
            self._fill()
        end = self.buf.index(b"\r\n") + 2
        line = bytes(self.buf[:end])
        del self.buf[:end]
        return line

    def _until_tagged(self, tag):
        needle = b"\r\n" + tag + b" "
        start = 0
        while True:
            if self.buf.startswith(tag + b" "):
                pos = 0
            else:
                pos = self.buf.find(needle, start)
                pos = pos + 2 if pos >= 0 else -1
            if pos >= 0:
                eol = self.buf.find(b"\r\n", pos)
                if eol >= 0:
                    raw = bytes(self.buf[:eol + 2])
                    del self.buf[:eol + 2]
                    status = raw[pos + len(tag) + 1:].split(b" ", 1)[0]
                    return raw, status.decode()
            start = max(0, len(self.buf) - len(needle))
            self._fill()

    def cmd(self, text, ok=True):
        self.tagn += 1
        tag = b"T%d" % self.tagn
        self.sock.sendall(tag + b" " + text + b"\r\n")
        raw, status = self._until_tagged(tag)
        if ok and status != "OK":
            raise RuntimeError(f"{text[:60]!r}: {raw[-300:]!r}")
        return raw

    def append(self, mailbox, flags, msg):
        """APPEND with a synchronising literal; returns the APPENDUID's UID."""
        self.tagn += 1
        tag = b"T%d" % self.tagn
        self.sock.sendall(b"%s APPEND %s (%s) {%d}\r\n" % (tag, mailbox, flags, len(msg)))
        while not (self.buf.startswith(b"+") or self.buf.startswith(tag)):
            self._fill()
        if self.buf.startswith(tag):
            raise RuntimeError(f"APPEND refused: {bytes(self.buf[:200])!r}")
        while b"\r\n" not in self.buf:
            self._fill()
        del self.buf[:self.buf.index(b"\r\n") + 2]
        self.sock.sendall(msg + b"\r\n")
        raw, status = self._until_tagged(tag)
        m = re.search(rb"\[APPENDUID \d+ (\d+)\]", raw)
        if status != "OK" or not m:
            raise RuntimeError(f"APPEND: {raw[-200:]!r}")
        return int(m.group(1))

    def logout(self):
        try:
            self.cmd(b"LOGOUT", ok=False)
        except (OSError, ConnectionError, RuntimeError):
            pass
        self.close()


# ---- response parsing (after the clock stopped) --------------------------------------

LITERAL = re.compile(rb"\{(\d+)\+?\}$")


def response_lines(raw):
    """Logical response lines; a literal's bytes are replaced by "<lit>"."""
    out, pos, cur = [], 0, b""
    while pos < len(raw):
        eol = raw.find(b"\r\n", pos)
        if eol < 0:
            break
        line = raw[pos:eol]
        pos = eol + 2
        m = LITERAL.search(line)
        if m:
            cur += line[:m.start()] + b"<lit>"
            pos += int(m.group(1))
            continue
        out.append(cur + line)
        cur = b""
    return out


def uid_set(text):
    out = set()
    for part in text.split(","):
        if ":" in part:
            a, b = (int(x) for x in part.split(":"))
            out.update(range(min(a, b), max(a, b) + 1))
        elif part:
            out.add(int(part))
    return out


def seq_set(uids):
    """Sorted UIDs as a compact IMAP sequence set."""
    uids, parts, i = sorted(uids), [], 0
    while i < len(uids):
        j = i
        while j + 1 < len(uids) and uids[j + 1] == uids[j] + 1:
            j += 1
        parts.append(str(uids[i]) if i == j else f"{uids[i]}:{uids[j]}")
        i = j + 1
    return ",".join(parts)


def norm_flags(text):
    return frozenset(f.lower() for f in text.split() if f.lower() != "\\recent")


FETCH_RE = re.compile(r"^\* \d+ FETCH \((.*)\)$")
UID_RE = re.compile(r"\bUID (\d+)")
FLAGS_RE = re.compile(r"\bFLAGS \(([^)]*)\)")


def parse_select(raw):
    """-> dict with fetches {uid: flags}, vanished set, codes."""
    out = {"fetch": {}, "vanished": set(), "vanished_lines": 0, "exists": None}
    for line in response_lines(raw):
        text = line.decode("utf-8", "replace")
        m = FETCH_RE.match(text)
        if m:
            uid, flags = UID_RE.search(m.group(1)), FLAGS_RE.search(m.group(1))
            if uid:
                out["fetch"][int(uid.group(1))] = norm_flags(flags.group(1)) if flags else None
            continue
        m = re.match(r"^\* VANISHED \(EARLIER\) (\S+)$", text)
        if m:
            out["vanished"] |= uid_set(m.group(1))
            out["vanished_lines"] += 1
            continue
        m = re.match(r"^\* (\d+) EXISTS$", text)
        if m:
            out["exists"] = int(m.group(1))
        for code in ("UIDVALIDITY", "UIDNEXT", "HIGHESTMODSEQ"):
            m = re.search(r"\[%s (\d+)\]" % code, text)
            if m:
                out[code.lower()] = int(m.group(1))
    return out


# ---- data -----------------------------------------------------------------------------

def initial_flags(i):
    """Flags of message i (0-based) as loaded: 70 % \\Seen, 5 % \\Flagged."""
    r = random.Random(i * 7919 + 1).random()
    return ("F" if r < 0.05 else "") + ("S" if r < 0.70 else "")


def make_maildir(args, work, datagen):
    """datagen messages as a Maildir++ INBOX both importers read: flags in the
    file names, INTERNALDATE as mtime, UID order in dovecot-uidlist."""
    src, md = os.path.join(work, "gen"), os.path.join(work, "Maildir")
    for d in (src, md + "/cur", md + "/new", md + "/tmp"):
        os.makedirs(d, exist_ok=True)
    subprocess.run([datagen, "--sizes", SIZES_CSV, "--seed", str(args.seed), "--count",
                    str(args.messages), "--size-max", str(args.size_max), "--out", src],
                   check=True, stdout=subprocess.DEVNULL, timeout=300)
    names = sorted(os.listdir(src))
    lines = [f"3 V1700000000 N{len(names) + 1}\n"]
    total = 0
    for i, name in enumerate(names):
        base = f"{1700000000 + i}.M{i}P1.bench"
        path = os.path.join(md, "cur", base + ":2," + initial_flags(i))
        os.rename(os.path.join(src, name), path)
        total += os.path.getsize(path)
        os.utime(path, (BASE_DATE + 60 * i, BASE_DATE + 60 * i))
        lines.append(f"{i + 1} :{base}\n")
    with open(os.path.join(md, "dovecot-uidlist"), "w") as f:
        f.writelines(lines)
    extra = os.path.join(work, "extra")
    os.makedirs(extra)
    subprocess.run([datagen, "--sizes", SIZES_CSV, "--seed", str(args.seed + 1), "--count",
                    str(args.rounds * args.changes + 10), "--size-max", str(args.size_max),
                    "--out", extra], check=True, stdout=subprocess.DEVNULL, timeout=120)
    appends = [open(os.path.join(extra, n), "rb").read() for n in sorted(os.listdir(extra))]
    return md, total, appends


def expected_model(n):
    flag = {"S": "\\seen", "F": "\\flagged"}
    return {i + 1: frozenset(flag[c] for c in initial_flags(i)) for i in range(n)}


# ---- the resync benchmark ----------------------------------------------------------------

class Side:
    """One server as the resync benchmark sees it: the true state (model),
    client B's cache, the figures."""

    def __init__(self, srv):
        self.srv, self.model, self.cache = srv, {}, {}
        self.uidvalidity = self.modseq = self.uidnext = 0
        self.q, self.plain, self.problems = [], [], []


def initial_sync(side):
    """B's first full sync (not measured): the cache, and the loaded state."""
    c = Imap(side.srv.port, timeout=300)
    try:
        c.greeting()
        c.cmd(b"LOGIN %s %s" % (BIG_USER.encode(), PASSWORD.encode()))
        c.cmd(b"ENABLE QRESYNC")
        sel = parse_select(c.cmd(b"SELECT INBOX"))
        raw = c.cmd(b"UID FETCH 1:* (UID FLAGS MODSEQ)")
    finally:
        c.logout()
    side.cache = parse_select(raw)["fetch"]
    side.model = dict(side.cache)
    side.uidvalidity, side.uidnext = sel["uidvalidity"], sel["uidnext"]
    side.modseq = sel.get("highestmodseq", 0)
    return len(raw)


def plan_changes(args, rnd, uids):
    """The same choices for the same UID list: (flag changes, expunges, appends)."""
    rng = random.Random(args.seed * 1000003 + rnd)
    n_exp = args.changes * 25 // 100
    n_app = max(1, args.changes * 5 // 100)
    n_flag = args.changes - n_exp - n_app
    picked = rng.sample(uids, n_flag + n_exp)
    flags = [(u, rng.choice(FLAG_POOL)) for u in picked[:n_flag]]
    return flags, sorted(picked[n_flag:]), n_app


def make_changes(args, side, rnd, appends):
    """Client A: flag changes one STORE each, expunges with UID EXPUNGE,
    APPENDs; the model follows.  Returns what changed."""
    flags, expunge, n_app = plan_changes(args, rnd, sorted(side.model))
    c = Imap(side.srv.port, timeout=300)
    changed = set()
    try:
        c.greeting()
        c.cmd(b"LOGIN %s %s" % (BIG_USER.encode(), PASSWORD.encode()))
        c.cmd(b"SELECT INBOX")
        for uid, flag in flags:
            have = flag in side.model[uid]
            c.cmd(b"UID STORE %d %sFLAGS.SILENT (%s)" % (uid, b"-" if have else b"+",
                                                       flag.encode()))
            side.model[uid] = side.model[uid] - {flag} if have else side.model[uid] | {flag}
            changed.add(uid)
        c.cmd(b"UID STORE %s +FLAGS.SILENT (\\Deleted)" % seq_set(expunge).encode())
        c.cmd(b"UID EXPUNGE %s" % seq_set(expunge).encode())
        for uid in expunge:
            del side.model[uid]
        new = []
        for i in range(n_app):
            msg = appends[(rnd * n_app + i) % len(appends)]
            uid = c.append(b"INBOX", b"\\Seen", msg)
            side.model[uid] = frozenset({"\\seen"})
            new.append(uid)
    finally:
        c.logout()
    return changed, set(expunge), set(new)


def qresync_reconnect(side):
    """The measured reconnect with QRESYNC; returns (figures, parsed SELECT,
    fetched new messages)."""
    # The client holds its cache's UID set ready: building it (a sort of
    # 100,000 UIDs in Python, ~11 ms) is not the server's time.
    known = seq_set(side.cache).encode()
    t0 = time.perf_counter()
    c = Imap(side.srv.port)
    try:
        c.greeting()
        c.cmd(b"LOGIN %s %s" % (BIG_USER.encode(), PASSWORD.encode()))
        c.cmd(b"ENABLE QRESYNC")
        rx0, ts = c.rx, time.perf_counter()
        raw_sel = c.cmd(b"SELECT INBOX (QRESYNC (%d %d %s))" % (
            side.uidvalidity, side.modseq, known))
        sel_bytes, sel_s = c.rx - rx0, time.perf_counter() - ts
        sel = parse_select(raw_sel)
        raw_new = b""
        if sel.get("uidnext", 0) > side.uidnext:
            raw_new = c.cmd(b"UID FETCH %d:* %s" % (side.uidnext, META_ITEMS))
        total_s, total_bytes = time.perf_counter() - t0, c.rx
    finally:
        c.logout()
    fig = {"bytes": total_bytes, "s": total_s, "select_bytes": sel_bytes, "select_s": sel_s,
           "new_bytes": len(raw_new)}
    return fig, sel, parse_select(raw_new)["fetch"]


def plain_reconnect(side, old_uidnext):
    """A client without CONDSTORE/QRESYNC: every flag, then the new messages."""
    t0 = time.perf_counter()
    c = Imap(side.srv.port)
    try:
        c.greeting()
        c.cmd(b"LOGIN %s %s" % (BIG_USER.encode(), PASSWORD.encode()))
        sel = parse_select(c.cmd(b"SELECT INBOX"))
        raw = c.cmd(b"UID FETCH 1:* (FLAGS)")
        if sel.get("uidnext", 0) > old_uidnext:
            c.cmd(b"UID FETCH %d:* %s" % (old_uidnext, META_ITEMS))
        total_s, total_bytes = time.perf_counter() - t0, c.rx
    finally:
        c.logout()
    return {"bytes": total_bytes, "s": total_s}, parse_select(raw)["fetch"]


def check_qresync(side, sel, fetched_new, changed, expunged, new):
    """The answer is right when the FETCHes in SELECT are the changed live
    messages (new ones may be there too) with the model's flags, VANISHED
    (EARLIER) is exactly the expunged UIDs, and the updated cache equals the
    server's state."""
    bad = []
    got = set(sel["fetch"])
    if sel.get("uidvalidity") != side.uidvalidity:
        bad.append(f"UIDVALIDITY {sel.get('uidvalidity')} != {side.uidvalidity}")
    if not changed <= got:
        bad.append(f"{len(changed - got)} changed UIDs not reported")
    extra = got - changed - new
    if extra:
        bad.append(f"{len(extra)} unchanged UIDs reported (e.g. {sorted(extra)[:5]})")
    wrong = [u for u in got & set(side.model) if sel["fetch"][u] != side.model[u]]
    if wrong:
        bad.append(f"{len(wrong)} UIDs with wrong flags (e.g. {wrong[:3]})")
    if sel["vanished"] != expunged:
        bad.append(f"VANISHED (EARLIER) {len(sel['vanished'])} UIDs, expunged {len(expunged)}"
                   f" (extra {len(sel['vanished'] - expunged)}, "
                   f"missing {len(expunged - sel['vanished'])})")
    cache = {u: f for u, f in side.cache.items() if u not in sel["vanished"]}
    for u, f in sel["fetch"].items():
        if f is not None:
            cache[u] = f
    cache.update({u: f for u, f in fetched_new.items() if f is not None})
    if cache != side.model:
        diff = set(cache.items()) ^ set(side.model.items())
        bad.append(f"cache differs from the server's state on {len(diff)} entries")
    side.cache = cache
    side.modseq = sel.get("highestmodseq", side.modseq)
    side.uidnext = sel.get("uidnext", side.uidnext)
    return bad


def run_resync(args, sides, appends):
    for side in sides:
        t = time.time()
        n = initial_sync(side)
        log(f"{side.srv.name}: initial sync of B: {len(side.cache)} messages, {n} bytes, "
            f"{time.time() - t:.1f} s, HIGHESTMODSEQ {side.modseq}")
        want = expected_model(args.messages)
        if side.model != want:
            side.problems.append(f"loaded state differs from the Maildir on "
                                 f"{len(set(side.model.items()) ^ set(want.items()))} entries")
    for rnd in range(args.rounds):
        for side in sides if rnd % 2 == 0 else reversed(sides):
            old_uidnext = side.uidnext
            changed, expunged, new = make_changes(args, side, rnd, appends)
            fig, sel, fetched = qresync_reconnect(side)
            bad = check_qresync(side, sel, fetched, changed, expunged, new)
            fig.update(fetch_n=len(sel["fetch"]), vanished_n=len(sel["vanished"]),
                       new_n=len(new), ok=not bad)
            side.q.append(fig)
            pfig, flags = plain_reconnect(side, old_uidnext)
            if flags != side.model:
                bad.append(f"plain client: UID FETCH 1:* (FLAGS) differs from the state on "
                           f"{len(set(flags.items()) ^ set(side.model.items()))} entries")
            side.plain.append(pfig)
            side.problems += [f"round {rnd + 1}: {b}" for b in bad]
            log(f"round {rnd + 1} {side.srv.name:8s} QRESYNC {fig['bytes']:7d} B "
                f"{fig['s'] * 1000:7.1f} ms (SELECT {fig['select_bytes']} B, "
                f"{fig['fetch_n']} FETCH, {fig['vanished_n']} vanished) | plain "
                f"{pfig['bytes']:9d} B {pfig['s'] * 1000:8.1f} ms | "
                f"{'ok' if not bad else 'WRONG: ' + '; '.join(bad)}")


# ---- the IDLE fan-out benchmark --------------------------------------------------------

def prepare_fan_user(srv, msg):
    """The idle user's INBOX exists with one message before thousands of its
    sessions arrive at once (Dovecot's concurrent first logins race)."""
    c = Imap(srv.port)
    try:
        c.greeting()
        c.cmd(b"LOGIN %s %s" % (FAN_USER.encode(), PASSWORD.encode()))
        c.append(b"INBOX", b"", msg)
    finally:
        c.logout()


def dovecot_no_hibernation(bc, work, cert, key, passwd, args):
    """Dovecot configured for IDLE fan-out instead of memory: no hibernation,
    `client_limit` idlers per imap process.  The template is bench-compare's
    with one line changed; None when that line is not there any more."""
    line = "imap_hibernate_timeout = 2s"
    if line not in bc.DOVECOT_CONF:
        log("bench-compare's Dovecot template changed: no-hibernation variant skipped")
        return None

    class DovecotAwake(bc.Dovecot):
        def start(self):
            saved = bc.DOVECOT_CONF
            bc.DOVECOT_CONF = saved.replace(line, "imap_hibernate_timeout = 0")
            try:
                super().start()
            finally:
                bc.DOVECOT_CONF = saved

    d = os.path.join(work, "awake")
    os.makedirs(d)
    os.chmod(d, 0o755)
    return DovecotAwake(d, cert, key, passwd, args.idlers + 200,
                        args.dovecot_awake_clients, 0)


def run_fanout(args, servers, loadgen, rounds):
    """servers: [(label, server)] already started, the idle user prepared."""
    steps = ",".join(str(k) for k in sorted({min(args.idlers, int(k))
                                             for k in args.idle_steps.split(",")}))
    out = {}
    for label, srv in servers:
        cmd = [loadgen, "-w", "idle", "-H", "127.0.0.1", "-p", str(srv.port), "-u", "fan%u",
               "--password", PASSWORD, "-U", "1", "--idle-steps", steps, "--sizes", SIZES_CSV,
               "--server-pid", str(srv.pid()), "--parallel", "500", "--settle-ms", "8000",
               "--notify-rounds", str(rounds), "--notify-wait-ms", "30000",
               "--timeout-ms", "60000", "-d", "300", "--seed", str(args.seed)]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
        res = [dict(kv.split("=", 1) for kv in line.split()[1:] if "=" in kv)
               for line in r.stdout.splitlines() if line.startswith("RESULT ")]
        if not res:
            log(f"{label} idle: no RESULT ({r.returncode}): {r.stderr.strip()[-300:]}")
            continue
        out[label] = {int(x["k"]): x for x in res}
        for k, x in out[label].items():
            log(f"fan-out {label} k={k}: {x['idling']} idling, notify p50 "
                f"{x['notify_p50_ms']} p99 {x['notify_p99_ms']} max {x['notify_max_ms']} ms, "
                f"last p50 {x['last_p50_ms']} ms, lost {x['notify_lost']}")
    return out


# ---- report -------------------------------------------------------------------------------

def med(rows, key):
    return statistics.median(r[key] for r in rows) if rows else float("nan")


def ratio(a, b):
    return f"{a / b:.2f}" if b and a == a and b == b else "-"


def resync_table(sides):
    rm, dc = sides
    lines = ["| resync figure (median over rounds) | ringmail | Dovecot | ratio r/D |",
             "|---|---|---|---|"]
    kb = lambda x: f"{x / 1024:.1f} KiB"  # noqa: E731
    ms = lambda x: f"{x * 1000:.1f} ms"  # noqa: E731
    for label, rows, key, fmt in (
            ("QRESYNC reconnect: bytes from the server", "q", "bytes", kb),
            ("QRESYNC reconnect: wall time", "q", "s", ms),
            ("... of which SELECT (QRESYNC): bytes", "q", "select_bytes", kb),
            ("... of which SELECT (QRESYNC): time", "q", "select_s", ms),
            ("no CONDSTORE, UID FETCH 1:* (FLAGS): bytes", "plain", "bytes", kb),
            ("no CONDSTORE, UID FETCH 1:* (FLAGS): wall time", "plain", "s", ms)):
        a, b = med(getattr(rm, rows), key), med(getattr(dc, rows), key)
        lines.append(f"| {label} | {fmt(a)} | {fmt(b)} | {ratio(a, b)} |")
    return lines


def fanout_table(fan, labels):
    """labels: [(key in fan, column title, short name)], ringmail first."""
    head = "| idlers | figure | " + " | ".join(t for _, t, _ in labels)
    head += "".join(f" | ratio r/{short}" for _, _, short in labels[1:]) + " |"
    lines = [head, "|" + "---|" * (1 + 2 * len(labels))]
    for k in sorted({k for x in fan.values() for k in x}, reverse=True):
        for key, name in (("notify_p50_ms", "p50"), ("notify_p99_ms", "p99"),
                          ("notify_max_ms", "max"), ("last_p50_ms", "time to the last (p50)")):
            vals = [float(fan.get(lab, {}).get(k, {}).get(key, "nan")) for lab, _, _ in labels]
            cells = ["-" if v != v else f"{v:.1f} ms" for v in vals]
            cells += [ratio(vals[0], v) for v in vals[1:]]
            lines.append(f"| {k:,} | {name} | " + " | ".join(cells) + " |")
    return lines


def report(args, sides, fan, labels):
    lines = resync_table(sides) if args.rounds else []
    if fan:
        lines += [""] + fanout_table(fan, labels)
    notes = []
    for s in sides if args.rounds else []:
        q = s.q
        notes.append(f"- {s.srv.name}: per round {q[0]['fetch_n']} FETCH and "
                     f"{q[0]['vanished_n']} UIDs in VANISHED (EARLIER) in SELECT, "
                     f"{q[0]['new_n']} new messages fetched ({med(q, 'new_bytes'):.0f} B); "
                     f"QRESYNC rounds {', '.join('%.1f' % (r['s'] * 1000) for r in q)} ms; "
                     f"answers " + ("right in every round" if not s.problems else
                                    "WRONG: " + "; ".join(s.problems[:6])))
    for lab, title, _ in labels:
        for k, x in sorted(fan.get(lab, {}).items()):
            notes.append(f"- {title} fan-out k={k}: {x['idling']} idling, {x['failed']} "
                         f"failed, {x['notify_n']} notifications, {x['notify_lost']} lost, "
                         f"{x['rounds_complete']} complete rounds, time to the last max "
                         f"{x['last_max_ms']} ms, server {x['procs']} processes "
                         f"{int(x['rss_bytes']) / 1e6:.0f} MB RSS")
    return "\n".join(lines), notes


def write_results(args, table, notes, info):
    text = f"""{SECTION}

Written by `bench/bench_sync_ext.py` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}
(seed {args.seed}, {args.rounds} resync rounds per server, alternating, {args.notify_rounds}
APPENDs per fan-out step, {args.dovecot_hib_rounds} for Dovecot with hibernation; the run took {info['elapsed']:.0f} s; load average
{info['load'][0]:.1f} at the start, {info['load'][1]:.1f} at the end on this 2-core machine
shared with other work).  ringmail: the build of this tree; Dovecot {info['dovecot']} from
Debian, configured as by scripts/bench-compare (mdbox, `service_count = 0`,
`client_limit = 1`, IDLE hibernation after 2 s).

Resync: one INBOX of {args.messages:,} datagen messages ({info['mail_bytes'] / 1e6:.0f} MB,
sizes from the size list clamped to [1 KiB, {args.size_max} B], 70 % \\Seen, 5 %
\\Flagged), written as a Maildir and loaded offline with `ringmail import`
({info['rm_import_s']:.0f} s) and with `doveadm import` into Dovecot's mdbox
({info['dc_import_s']:.0f} s).  Before each reconnect another client made {args.changes}
changes ({info['mix']}).  Bytes count everything the server sent, greeting included;
time runs from connect to the last tagged OK (sequential commands, no pipelining, a
Python client).  The QRESYNC client sends its known UIDs; both clients then fetch the
new messages' `UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE`; the client
without CONDSTORE first fetches every message's FLAGS and works out expunges itself.

IDLE fan-out: up to {args.idlers:,} sessions of one user IDLE on its INBOX
(`loadgen -w idle -U 1`, settle 8 s); each APPEND from another connection is timed from
its literal's send to each idler's `* N EXISTS`; "time to the last" is the latest idler
of a round (p50 over rounds).  The load generator is one thread reading every socket,
so its own read loop is part of the spread for every server.  Dovecot ran twice: as
bench-compare configures it (idle clients hibernate after 2 s; imap processes serve one
client) and without hibernation with `client_limit = {args.dovecot_awake_clients}` per imap
process, a configuration for fan-out rather than memory.

{table}

{chr(10).join(notes)}
"""
    try:
        old = open(args.results).read()
    except OSError:
        old = ""
    if KEEP_MARKER not in old:
        old += "\n" + KEEP_MARKER + "\n"
    head, kept = old.split(KEEP_MARKER, 1)
    if SECTION in kept:
        before, after = kept.split(SECTION, 1)
        nxt = after.find("\n## ")
        kept = before + text + (after[nxt + 1:] if nxt >= 0 else "")
        kept = kept.replace(text + "## ", text + "\n## ")
    else:
        kept = kept.rstrip("\n") + "\n\n" + text
    with open(args.results, "w") as f:
        f.write(head + KEEP_MARKER + kept)
    log(f"updated {os.path.relpath(args.results, REPO)}")


# ---- the run --------------------------------------------------------------------------------

def private_build(args, work):
    """Copies of the binaries: other engineers rebuilding build/ must not swap
    them in the middle of the run."""
    b = os.path.join(work, "build")
    for rel in ("server/ringmaild", "cli/ringmail", "bench/loadgen", "bench/datagen"):
        src = os.path.join(args.build, rel)
        if not os.access(src, os.X_OK):
            subprocess.run(["ninja", "-C", args.build, rel], check=True, timeout=600,
                           capture_output=True)
        os.makedirs(os.path.dirname(os.path.join(b, rel)), exist_ok=True)
        shutil.copy2(src, os.path.join(b, rel))
    return b


def setup(args, bc, work, build):
    """Credentials, the Maildir, ringmail's data directory loaded offline;
    returns the context of the run (servers not started)."""
    cx = {"cert": os.path.join(work, "cert.pem"), "key": os.path.join(work, "key.pem"),
          "passwd": os.path.join(work, "users.passwd")}
    bc.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
            "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", "/CN=localhost",
            "-keyout", cx["key"], "-out", cx["cert"]])
    os.chmod(cx["key"], 0o644)  # Dovecot reads it as root; loopback test key only
    with open(cx["passwd"], "w") as f:
        for u in (BIG_USER, FAN_USER):
            f.write(f"{u}:{{PLAIN}}{PASSWORD}\n")
    os.chmod(cx["passwd"], 0o644)
    t = time.time()
    cx["md"], cx["mail_bytes"], cx["appends"] = make_maildir(
        args, work, os.path.join(build, "bench/datagen"))
    log(f"{args.messages} messages ({cx['mail_bytes'] / 1e6:.0f} MB) written in "
        f"{time.time() - t:.1f} s")
    rm = bc.Ringmail(work, cx["cert"], cx["key"], cx["passwd"], build)
    data = os.path.join(rm.dir, "data")
    os.makedirs(rm.dir, exist_ok=True)
    cli = os.path.join(build, "cli/ringmail")
    bc.run([cli, "init", "-d", data], timeout=60)
    shutil.copy(cx["passwd"], os.path.join(data, "passwd"))
    t = time.time()
    bc.run([cli, "-d", data, "import", BIG_USER, "maildir", cx["md"]], timeout=600)
    cx["rm_import_s"] = time.time() - t
    log(f"ringmail import: {cx['rm_import_s']:.1f} s")
    cx["rm"] = rm
    cx["dc"] = bc.Dovecot(work, cx["cert"], cx["key"], cx["passwd"], args.idlers + 200, 1, 0)
    return cx


def start_and_load(bc, cx, servers):
    rm, dc = cx["rm"], cx["dc"]
    servers.append(rm)
    rm.start()
    log(f"ringmail up on {rm.port}, pid {rm.pid()}")
    servers.append(dc)
    dc.start()
    log(f"dovecot up on {dc.port}, pid {dc.pid()}")
    # doveadm reads the Maildir as the mail user and writes its index there
    subprocess.run(["chown", "-R", "dovecot:dovecot", cx["md"]], check=True, timeout=120)
    t = time.time()
    r = bc.run(["doveadm", "-c", dc.conf, "import", "-u", BIG_USER, "maildir:" + cx["md"], "",
                "all"], timeout=900)
    if "Error" in r.stderr:
        raise RuntimeError("doveadm import: " + r.stderr.strip()[-300:])
    cx["dc_import_s"] = time.time() - t
    log(f"dovecot import: {cx['dc_import_s']:.1f} s")


def fanout_all(args, bc, cx, work, servers):
    """ringmail, Dovecot as bench-compare runs it (hibernation), then Dovecot
    without hibernation (stopped in turn, so only one Dovecot runs)."""
    loadgen = os.path.join(work, "build", "bench/loadgen")
    labels = [("ringmail", "ringmail", "")]
    for srv in (cx["rm"], cx["dc"]):
        prepare_fan_user(srv, cx["appends"][-1])
    fan = run_fanout(args, [("ringmail", cx["rm"])], loadgen, args.notify_rounds)
    if args.dovecot_hib_rounds:
        # each APPEND wakes every hibernated idler into an imap process of its
        # own: slow and heavy at 10,000, hence fewer rounds
        labels.append(("dovecot", "Dovecot, hibernation (bench-compare's)", "D-hib"))
        fan.update(run_fanout(args, [("dovecot", cx["dc"])], loadgen, args.dovecot_hib_rounds))
    if args.dovecot_awake_clients:
        cx["dc"].stop()
        aw = dovecot_no_hibernation(bc, work, cx["cert"], cx["key"], cx["passwd"], args)
        if aw:
            servers.append(aw)
            aw.start()
            prepare_fan_user(aw, cx["appends"][-1])
            labels.append(("awake", f"Dovecot, no hibernation, client_limit "
                           f"{args.dovecot_awake_clients}", "D-awake"))
            fan.update(run_fanout(args, [("awake", aw)], loadgen, args.notify_rounds))
            aw.stop()
    return fan, labels


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--messages", type=int, default=100000, help="messages in the cached INBOX")
    ap.add_argument("--size-max", type=int, default=2048, help="clamp of message sizes (bytes)")
    ap.add_argument("--changes", type=int, default=100, help="changes before each reconnect")
    ap.add_argument("--rounds", type=int, default=7, help="reconnects per server (0: none)")
    ap.add_argument("--idlers", type=int, default=10000, help="IDLE sessions (0: no fan-out)")
    ap.add_argument("--idle-steps", default="1000,10000",
                    help="idler counts measured on the way to --idlers")
    ap.add_argument("--notify-rounds", type=int, default=10, help="APPENDs per fan-out step")
    ap.add_argument("--dovecot-hib-rounds", type=int, default=3,
                    help="APPENDs per fan-out step against Dovecot with hibernation (0: skip)")
    ap.add_argument("--dovecot-awake-clients", type=int, default=500,
                    help="fan-out also against Dovecot without hibernation, this many "
                         "clients per imap process (0: skip)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--time-limit", type=int, default=1800, help="seconds for the whole run")
    ap.add_argument("--build", default=os.path.join(REPO, "build"))
    ap.add_argument("--results", default=os.path.join(REPO, "bench/RESULTS.md"))
    ap.add_argument("--no-results", action="store_true", help="do not touch RESULTS.md")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench_sync_ext runs Dovecot as root (its own config, loopback only)")
    if not os.path.exists(SIZES_CSV):
        sys.exit(f"missing {SIZES_CSV} (set RM_SHARED to the shared/ folder)")
    try:
        bc = import_bench_compare()
    except (OSError, SyntaxError, ImportError) as e:
        sys.exit(f"cannot load scripts/bench-compare's helpers: {e}")
    nofile = bc.nofile_hard()
    if args.idlers > nofile - 1000:
        log(f"idlers capped at {nofile - 1000} by RLIMIT_NOFILE {nofile}")
        args.idlers = nofile - 1000

    def stop(signum, _frame):
        raise Timeout(f"stopped by signal {signum}")

    def alarm(_signum, _frame):
        raise Timeout(f"time limit of {args.time_limit} s reached")
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, stop)
    signal.signal(signal.SIGALRM, alarm)
    signal.alarm(args.time_limit)
    bc.raise_nofile()
    saved_inotify = bc.raise_inotify(args.idlers + 4096) if args.idlers else {}
    t_start, load0 = time.time(), os.getloadavg()[0]
    work = tempfile.mkdtemp(prefix="rm-syncext-", dir="/tmp")
    os.chmod(work, 0o755)
    servers, rc = [], 0
    try:
        build = private_build(args, work)
        cx = setup(args, bc, work, build)
        start_and_load(bc, cx, servers)
        sides = [Side(cx["rm"]), Side(cx["dc"])]
        if args.rounds:
            run_resync(args, sides, cx["appends"])
        fan, labels = fanout_all(args, bc, cx, work, servers) if args.idlers else ({}, [])
        table, notes = report(args, sides, fan, labels)
        print(table)
        print("\n".join(notes))
        flags, expunge, n_app = plan_changes(args, 0, list(range(1, args.messages + 1)))
        cx.update(elapsed=time.time() - t_start, dovecot=cx["dc"].version(),
                  load=(load0, os.getloadavg()[0]),
                  mix=f"{len(flags)} flag changes by UID STORE, {len(expunge)} expunges by "
                      f"UID EXPUNGE, {n_app} APPENDs")
        if any(s.problems for s in sides):
            rc = 1
        if not args.no_results:
            write_results(args, table, notes, cx)
    except Timeout as e:
        log(str(e))
        rc = 2
    finally:
        signal.alarm(0)
        for s in servers:
            try:
                s.stop()
            except Exception as e:  # keep cleaning up
                log(f"stopping {s.name}: {e}")
        bc.restore_inotify(saved_inotify)
        if args.keep:
            log(f"work directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    log(f"done in {time.time() - t_start:.0f} s")
    return rc


if __name__ == "__main__":
    sys.exit(main())
