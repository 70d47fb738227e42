"""Real-world mail through the real server: every message of the
SpamAssassin sample, enmime's and MimeKit's test data is APPENDed and
fetched back.  Checked for each, with nothing taken from ringmail's own
output as the expectation:
  - BODY[] is byte-exact and RFC822.SIZE is the number of bytes stored;
  - ENVELOPE, BODY and BODYSTRUCTURE parse under the RFC 9051 grammar
    (tests/grammar_check.py, written from the ABNF);
  - BODY[n] of every part found by an independent splitter here equals the
    bytes between that part's boundaries (RFC 2046 §5.1.1);
  - SEARCH TEXT finds the message by a word taken from each of its text
    parts as Python's email package decodes them.
"""
import email
import email.errors
import email.policy
import os
import re

import pytest

import grammar_check
import rmtest

CORPUS = os.path.join(os.path.dirname(rmtest.REPO), "shared", "corpus")
DIRS = ["spamassassin-public-corpus-sample", "enmime", "mimekit-testdata/messages"]


def corpus_files():
    out = []
    for d in DIRS:
        root = os.path.join(CORPUS, d)
        for dirpath, _, names in os.walk(root):
            for n in sorted(names):
                if n.upper().startswith(("LICENSE", "README", "STDLIB")) or n.endswith(".txt") \
                        and "parts" in dirpath:
                    continue
                out.append(os.path.join(dirpath, n))
    return sorted(out)


def load(path):
    with open(path, "rb") as f:
        data = f.read()
    # The SpamAssassin files start with an mbox "From " line, which is the
    # mbox envelope, not part of the message (RFC 4155).
    if data.startswith(b"From "):
        data = data.split(b"\n", 1)[1] if b"\n" in data else b""
    return data


pytestmark = pytest.mark.skipif(not os.path.isdir(CORPUS), reason="corpus not found")


# ---- an independent multipart splitter -------------------------------------

HEADER_END = re.compile(rb"\r?\n\r?\n")


def split_header(data):
    if data.startswith(b"\r\n"):
        return b"", data[2:]
    if data.startswith(b"\n"):
        return b"", data[1:]
    m = HEADER_END.search(data)
    if not m:
        return data, b""
    return data[:m.start() + 1], data[m.end():]


def content_type(header):
    msg = email.message_from_bytes(header + b"\n", policy=email.policy.compat32)
    return msg.get_content_type(), msg.get_param("boundary")


def split_parts(body, boundary):
    """The bodies of a multipart's parts: the bytes between a boundary line
    and the line end before the next one (that line end belongs to the
    boundary).  None when the structure is not clean enough to be sure."""
    delim = b"--" + boundary.encode("latin1")
    lines = re.split(rb"(\r?\n)", body)
    # Rebuild positions of boundary lines.
    pos = 0
    starts = []
    text = body
    for m in re.finditer(rb"(?m)^" + re.escape(delim) + rb"(--)?[ \t]*\r?$", text):
        starts.append((m.start(), m.end(), m.group(1) is not None))
    if not starts or not starts[-1][2] or any(s[2] for s in starts[:-1]):
        return None
    parts = []
    for (s0, e0, _), (s1, _, _) in zip(starts, starts[1:]):
        begin = e0 + (2 if text[e0:e0 + 2] == b"\r\n" else 1)
        end = s1
        if text[end - 2:end] == b"\r\n":
            end -= 2
        elif text[end - 1:end] == b"\n":
            end -= 1
        if end < begin:
            return None
        parts.append(text[begin:end])
    del lines, pos
    return parts


def leaf_parts(data, prefix=()):
    """(section path, expected BODY[path] bytes) for the parts the splitter
    is sure of: multiparts are entered, every part's own body is listed."""
    header, body = split_header(data)
    ctype, boundary = content_type(header)
    if not ctype.startswith("multipart/") or not boundary:
        return
    parts = split_parts(body, boundary)
    if parts is None:
        return
    for i, part in enumerate(parts, 1):
        path = prefix + (i,)
        ph, pb = split_header(part)
        pt, pbnd = content_type(ph)
        if pt.startswith("multipart/") and pbnd:
            yield from leaf_parts(part, path)
        elif not pt.startswith("message/"):
            yield path, pb


# ---- a word from each decoded text part ------------------------------------

WORD = re.compile(r"\b[A-Za-z]{6,12}\b")


B64 = re.compile(rb"^[A-Za-z0-9+/]*={0,2}$")


def clean_base64(part):
    """True when a base64 part's body is well-formed base64 (RFC 2045
    §6.8); a part that only claims the encoding is decoded differently by
    every reader and is no ground truth."""
    raw = part.get_payload(decode=False)
    if isinstance(raw, str):
        raw = raw.encode("latin1", "replace")
    raw = re.sub(rb"\s+", b"", raw)
    return len(raw) % 4 == 0 and bool(B64.match(raw))


def search_words(data):
    msg = email.message_from_bytes(data, policy=email.policy.compat32)
    # Without the empty line between header and body the message is all
    # header (RFC 5322 §2.1); Python guesses where the body starts.
    if any(isinstance(d, email.errors.MissingHeaderBodySeparatorDefect) for d in msg.defects):
        return
    for part in msg.walk():
        if part.get_content_type() != "text/plain" or part.is_multipart() or part.defects:
            continue
        if (part.get("Content-Transfer-Encoding") or "").strip().lower() == "base64" \
                and not clean_base64(part):
            continue
        payload = part.get_payload(decode=True)
        if not payload:
            continue
        charset = part.get_content_charset() or "us-ascii"
        try:
            text = payload.decode(charset)
        except (LookupError, UnicodeDecodeError):
            continue
        m = WORD.search(text)
        if m:
            yield m.group(0)


# ---- the test ----------------------------------------------------------------

def fetch(c, uid, items):
    r = c.ok("UID FETCH %d (%s)" % (uid, items))
    assert len(r.untagged) == 1, r
    return r.untagged[0]


def literal_after(line, name):
    m = re.search(re.escape(name) + rb" \{(\d+)\}\r\n", line)
    assert m, (name, line[:200])
    n = int(m.group(1))
    return line[m.end():m.end() + n]


@pytest.mark.release_only
def test_real_world_mail(make_server):
    srv = make_server(users={"corpus": "{PLAIN}pw"})
    files = corpus_files()
    assert len(files) > 700
    pairs = [(p, load(p)) for p in files]
    pairs = [(p, m) for p, m in pairs if m]
    files = [p for p, _ in pairs]
    msgs = [m for _, m in pairs]
    rmtest.load_messages(srv, "corpus", "pw", "INBOX", msgs, batch=50)
    c = srv.connect()
    c.greeting()
    c.ok("LOGIN corpus pw")
    c.ok("EXAMINE INBOX")
    problems = []
    parts_checked = words_checked = 0
    for uid, data in enumerate(msgs, 1):
        line = fetch(c, uid, "RFC822.SIZE BODY.PEEK[] ENVELOPE BODY BODYSTRUCTURE")
        if b"RFC822.SIZE %d " % len(data) not in line:
            problems.append((uid, "RFC822.SIZE"))
        if literal_after(line, b"BODY[]") != data:
            problems.append((uid, "BODY[] differs"))
        # The grammar checker sees the response without BODY[] (the
        # message bytes are not FETCH grammar of interest here).
        meta = fetch(c, uid, "ENVELOPE BODY BODYSTRUCTURE")
        try:
            grammar_check.check_fetch(meta)
        except grammar_check.GrammarError as e:
            problems.append((uid, "grammar: %s" % e))
        for path, expect in leaf_parts(data):
            sec = ".".join(str(n) for n in path)
            got = literal_after(fetch(c, uid, "BODY.PEEK[%s]" % sec), b"BODY[%s]" % sec.encode())
            parts_checked += 1
            if got != expect:
                problems.append((uid, "BODY[%s] differs" % sec))
        for word in list(search_words(data))[:2]:
            r = c.ok("UID SEARCH TEXT %s" % word)
            found = r.untagged[0].split()[2:] if r.untagged else []
            words_checked += 1
            if str(uid).encode() not in found:
                problems.append((uid, "SEARCH TEXT %s misses it" % word))
    c.close()
    assert parts_checked > 300 and words_checked > 300, (parts_checked, words_checked)
    assert not problems, "%d problems, first ones: %s (files: %s)" % (
        len(problems), problems[:15], [files[u - 1] for u, _ in problems[:5]])
