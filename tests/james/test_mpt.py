"""Tests of the James script runner itself: the parser, the comparison
rules, and whole scripts run against a scripted fake server, so that each
rule is shown to accept what it must and to refuse what it must not."""
import socket
import threading

import pytest

import mpt_block
import mpt_canon
import mpt_delim
import mpt_rules
import mpt_run
import mpt_script
import mpt_skip
import mpt_wire

CTX = mpt_rules.Context({"IMAP4rev1"})


def match(regex, line, ctx=CTX):
    return mpt_rules.compare_line(regex, line, True, ctx) is None


# -- parser ----------------------------------------------------------------
def test_parse_elements():
    s = mpt_script.parse("T", "# c\nC: a LOGIN x y\nS: a OK .*\nSUB {\nS: \\* 1\nS: \\* 2\n}\n"
                              "SESSION: 2\nC:\nREINIT\nWAIT 10\n")
    kinds = [type(e).__name__ for e in s.elements]
    assert kinds == ["Send", "Expect", "Unordered", "Send", "Reinit"]
    assert s.elements[0].session is None and s.elements[3].session == 2
    assert s.elements[3].text == "" and s.sessions == [2] and s.ignored == ["WAIT 10"]
    with pytest.raises(mpt_script.ScriptError):
        mpt_script.parse("T", "X: what\n")
    with pytest.raises(mpt_script.ScriptError):
        mpt_script.parse("T", "SUB {\nS: x\n")


# -- status lines ----------------------------------------------------------
def test_text_is_free_but_status_and_tag_are_not():
    assert match("a1 OK SELECT completed.", "a1 OK done")
    assert not match("a1 OK SELECT completed.", "a1 NO done")
    assert not match("a1 OK SELECT completed.", "a2 OK done")
    assert match("\\* OK IMAP4rev1 Server ready", "* OK [CAPABILITY IMAP4rev1] hi")


def test_imap_codes_are_exact_and_own_codes_ignored():
    assert match("a OK \\[READ-WRITE\\] SELECT completed.", "a OK [READ-WRITE] ok")
    assert not match("a OK \\[READ-WRITE\\] SELECT completed.", "a OK [READ-ONLY] ok")
    assert not match("a OK \\[READ-WRITE\\] SELECT completed.", "a OK ok")
    assert match("a OK \\[MAILBOXID \\(.+\\)\\] CREATE completed.", "a OK done")
    assert not match("\\* OK \\[MAILBOXID \\(.+\\)\\] Ok", "* OK [UIDNEXT 4] x")
    with_objectid = mpt_rules.Context({"OBJECTID"})
    assert not match("a OK \\[MAILBOXID \\(.+\\)\\] CREATE done", "a OK done", with_objectid)
    assert match("\\* OK \\[UIDVALIDITY 1203163909\\] UIDs valid", "* OK [UIDVALIDITY 7] v")


def test_optional_lines():
    assert mpt_rules.optional_reason("\\* OK \\[MAILBOXID \\(.+\\)\\] Ok", CTX)
    assert mpt_rules.optional_reason("\\* OK \\[HIGHESTMODSEQ \\d+\\].*", CTX)
    ctx = mpt_rules.Context(set())
    ctx.sent("a ENABLE CONDSTORE")
    assert not mpt_rules.optional_reason("\\* OK \\[HIGHESTMODSEQ \\d+\\].*", ctx)
    assert not mpt_rules.optional_reason("\\* OK \\[UIDNEXT 1\\].*", CTX)


def test_wrong_state_allows_bad_or_no_only_then():
    ctx = mpt_rules.Context(set())
    ctx.sent("a001 SELECT INBOX")
    assert match("a001 NO SELECT failed.", "a001 BAD not now", ctx)
    assert not match("a001 OK SELECT done", "a001 BAD not now", ctx)
    ctx.sent("a002 LOGIN u p")
    ctx.completed("a002 OK in")
    ctx.sent("a003 SELECT INBOX")
    assert not match("a003 NO SELECT failed.", "a003 BAD no", ctx)


def test_client_literals_are_followed():
    ctx = mpt_rules.Context(set())
    ctx.sent("a APPEND box {5+}")
    assert not ctx.at_command()
    ctx.sent("abc")      # 5 octets with CRLF: the literal ends with the line
    ctx.sent("")         # the rest of the APPEND line
    assert ctx.at_command() and ctx.command == "APPEND"


# -- canonical forms -------------------------------------------------------
def arrangements(raw, hint):
    return list(mpt_canon.arrangements(raw, hint))


def test_flag_order_follows_script():
    hint = "\\* FLAGS \\(\\\\Answered \\\\Deleted \\\\Seen\\)"
    first = arrangements(b"* FLAGS (\\Seen \\Answered \\Deleted)", hint)[0]
    assert first == b"* FLAGS (\\Answered \\Deleted \\Seen)"


def test_fetch_items_any_order_but_same_items():
    raw = b"* 1 FETCH (UID 4 FLAGS (\\Seen) BODY[] {3}\r\nabc)"
    hint = "\\* 1 FETCH \\(.*\\) BODY\\[\\] \\{3\\}\r\nabc\\)"
    outs = arrangements(raw, hint)
    assert len(outs) == 6 and len(set(outs)) == 6
    assert all(sorted(o) == sorted(raw) for o in outs)


def test_mime_case_only_where_mime_says():
    raw = b'* 1 FETCH (BODY ("text" "plain" ("charset" "us-ascii" "name" "A") NIL NIL "7bit" 9 1))'
    hint = ('\\* 1 FETCH \\(BODY \\("TEXT" "PLAIN" \\("CHARSET" "US-ASCII" "NAME" "a"\\) '
            'NIL NIL "7BIT" 9 1\\)\\)')
    out = arrangements(raw, hint.replace("\\", ""))[0]
    assert b'"TEXT" "PLAIN" ("CHARSET" "US-ASCII" "NAME" "A")' in out   # value "A" kept


def test_mailbox_name_forms():
    assert arrangements(b"* STATUS InBoX (MESSAGES 0)", '\\* STATUS \\"INBOX\\" \\(MESSAGES 0\\)')[0] \
        == b'* STATUS "INBOX" (MESSAGES 0)'
    assert arrangements(b'* LIST () "." {3}\r\nabc', '\\* LIST \\(\\) "." "abc"')[0] \
        == b'* LIST () "." "abc"'


def test_expunge_runs_compare_removed_messages():
    assert mpt_block.removed([2, 2]) == mpt_block.removed([3, 2]) == [2, 3]
    assert mpt_block.removed([2, 3]) == [2, 4]


def test_delimiter_translation():
    assert mpt_delim.client_line("a CREATE x.y", "/") == "a CREATE x/y"
    assert mpt_delim.client_line("a FETCH 1 (BODY[1.2])", "/") == "a FETCH 1 (BODY[1.2])"
    assert mpt_delim.server_regex('\\* LIST \\(\\) \\"\\.\\" \\"x\\.y\\"', "/") == \
        '\\* LIST \\(\\) "/" \\"x/y\\"'
    assert mpt_delim.client_line("a CREATE x.y", ".") == "a CREATE x.y"


def test_skip_file_form(tmp_path):
    assert isinstance(mpt_skip.load(), dict)
    bad = tmp_path / "skip.txt"
    bad.write_text("Login: fails sometimes\n")
    with pytest.raises(ValueError):
        mpt_skip.load(str(bad))


# -- whole scripts against a fake server ----------------------------------
class FakeServer:
    """Greets, then answers each client line with the bytes listed for it,
    in order; one connection."""

    def __init__(self, exchanges):
        self.exchanges = list(exchanges)
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        conn, _ = self.sock.accept()
        conn.sendall(b"* OK [CAPABILITY IMAP4rev1] fake ready\r\n")
        buf = b""
        for line, reply in self.exchanges:
            while b"\r\n" not in buf:
                data = conn.recv(65536)
                if not data:
                    return
                buf += data
            got, buf = buf.split(b"\r\n", 1)
            if got != line:
                conn.sendall(b"* BAD fake server expected %r\r\n" % line)
                return
            if reply:
                conn.sendall(reply)
        conn.close()


def run_fake(script_text, exchanges):
    fake = FakeServer(exchanges)
    script = mpt_script.parse("Fake", "S: \\* OK IMAP4rev1 Server ready\n" + script_text)
    server = {"capabilities": {"IMAP4rev1"}, "delimiter": "."}
    mpt_run.ScriptRun(script, "127.0.0.1", fake.port, server, timeout_s=2).run()


SELECT_SCRIPT = """C: a SELECT box
S: \\* FLAGS \\(\\\\Seen \\\\Deleted\\)
S: \\* 2 EXISTS
S: \\* OK \\[UIDNEXT 3\\].*
S: a OK \\[READ-WRITE\\] SELECT completed.
C: b FETCH 1 (BODY[])
S: \\* 1 FETCH \\(BODY\\[\\] \\{5\\}
S: ab
S: c\\)
S: b OK FETCH completed.
"""
SELECT_REPLY = (b"* OK [UIDNEXT 3] next\r\n* 2 EXISTS\r\n* FLAGS (\\Deleted \\Seen)\r\n"
                b"a OK [READ-WRITE] Select completed (0.001 secs).\r\n")


def test_fake_server_passes_in_its_own_words():
    run_fake(SELECT_SCRIPT, [(b"a SELECT box", SELECT_REPLY),
                             (b"b FETCH 1 (BODY[])", b"* 1 FETCH (BODY[] {5}\r\nab\r\nc)\r\n"
                                                     b"b OK done\r\n")])


@pytest.mark.parametrize("fetch_reply,why", [
    (b"* 1 FETCH (BODY[] {4}\r\nab\r\nc)\r\nb OK done\r\n", "literal count"),
    (b"* 1 FETCH (BODY[] {5}\r\nab\r\nd)\r\nb OK done\r\n", "literal bytes"),
    (b"* 3 EXISTS\r\n* 1 FETCH (BODY[] {5}\r\nab\r\nc)\r\nb OK done\r\n", "extra line"),
    (b"* 1 FETCH (BODY[] {5}\r\nab\r\nc)\r\nb NO done\r\n", "status"),
])
def test_fake_server_differences_fail(fetch_reply, why):
    with pytest.raises((mpt_run.Mismatch, mpt_wire.WireError)):
        run_fake(SELECT_SCRIPT, [(b"a SELECT box", SELECT_REPLY),
                                 (b"b FETCH 1 (BODY[])", fetch_reply)])


def test_order_outside_unordered_commands_is_kept():
    script = ("C: a NOOP\nS: \\* 1 EXISTS\nS: \\* 1 RECENT\nS: a OK NOOP completed.\n")
    run_fake(script, [(b"a NOOP", b"* 1 EXISTS\r\n* 1 RECENT\r\na OK\r\n")])
    with pytest.raises(mpt_run.Mismatch):
        run_fake(script, [(b"a NOOP", b"* 1 RECENT\r\n* 1 EXISTS\r\na OK\r\n")])


def test_expunge_run_in_other_order_passes():
    script = "C: a EXPUNGE\nS: \\* 2 EXPUNGE\nS: \\* 2 EXPUNGE\nS: a OK EXPUNGE completed.\n"
    run_fake(script, [(b"a EXPUNGE", b"* 3 EXPUNGE\r\n* 2 EXPUNGE\r\na OK\r\n")])
    with pytest.raises(mpt_run.Mismatch):
        run_fake(script, [(b"a EXPUNGE", b"* 2 EXPUNGE\r\n* 3 EXPUNGE\r\na OK\r\n")])


def test_readme_names_every_rule():
    import os
    with open(os.path.join(os.path.dirname(__file__), "README.md"), encoding="utf-8") as f:
        readme = f.read()
    missing = [name for name, _ in mpt_rules.RULES if name not in readme]
    assert not missing, "README.md does not name rules %s" % missing
