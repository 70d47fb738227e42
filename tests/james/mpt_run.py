"""Runs one James script against a server: the state James's test class
would set up (mpt_setup), then the script's lines, session by session,
comparing each server line under the rules of mpt_rules."""
import collections
import re

import mpt_block
import mpt_delim
import mpt_plan
import mpt_rules
import mpt_setup
import mpt_wire
from mpt_plan import ExpungeRun
from mpt_script import Expect, Reinit, Send, Unordered

TRANSCRIPT_LINES = 40



class Mismatch(AssertionError):
    """The server's responses differ from the script; `command` is the
    command in progress on the session that failed, `actual` the line that
    differed."""

    def __init__(self, text, command="", actual=""):
        super().__init__(text)
        self.command, self.actual = command, actual


class Session:
    """One connection of a script, with lines read but not yet matched."""

    def __init__(self, key, host, port, timeout_s, capabilities):
        self.key = key
        self.conn = mpt_wire.Connection(host, port, timeout_s)
        self.ctx = mpt_rules.Context(capabilities)
        self.queue = collections.deque()   # (line, starts a response)
        self.transcript = collections.deque(maxlen=TRANSCRIPT_LINES)
        self.last_sent = ""

    def close(self):
        self.conn.close()


class ScriptRun:
    """Executes one planned script against host:port."""

    def __init__(self, script, host, port, server, timeout_s=5.0):
        """server: what probe() found (capabilities, delimiter)."""
        self.script = script
        self.host, self.port = host, port
        self.capabilities = server["capabilities"]
        self.delimiter = server["delimiter"]
        self.timeout_s = timeout_s
        self.state, self.elements = mpt_plan.plan(script, self.delimiter)
        keys = script.sessions or [0]
        self.sessions = {}
        for k in keys:
            self.sessions[k] = Session(k, host, port, timeout_s, self.capabilities)
        self.index = 0
        self.last_session = next(iter(self.sessions.values()))

    def close(self):
        for s in self.sessions.values():
            s.close()

    # -- reading -----------------------------------------------------------
    def ahead(self, session):
        """The script lines this session expects next, up to the next line
        it sends (the sequence a new response is compared with)."""
        out = []
        for _, el in self.elements[self.index:]:
            if getattr(el, "session", None) not in (None, session.key):
                continue
            if not isinstance(el, Expect):
                break
            out.append(el.regex)
        return out

    def fill(self, session, candidates):
        """Reads one response and queues its lines, in the first
        arrangement (mpt_rules.arrangements) whose lines match one of the
        candidate script sequences; the script's order if none does."""
        resp = session.conn.read_response()
        chosen = fallback = None
        for cand in candidates or [[]]:
            for raw in mpt_rules.arrangements(resp.raw, "\r\n".join(cand)):
                lines = mpt_wire.Response(raw).lines
                fallback = fallback or lines
                if mpt_rules.lines_match(cand, lines, session.ctx):
                    chosen = lines
                    break
            if chosen:
                break
        for n, line in enumerate(chosen or fallback):
            session.queue.append((line, n == 0))

    def peek(self, session, candidates):
        if not session.queue:
            self.fill(session, candidates)
        return session.queue[0]

    def pop(self, session):
        line, first = session.queue.popleft()
        session.transcript.append("S: " + line)
        if first:
            session.ctx.completed(line)
        return line, first

    def pass_over(self, session, line, first):
        """rule extra-untagged: True when the line was passed over."""
        reason = first and mpt_rules.extra_reason(line, session.ctx)
        if reason:
            self.pop(session)
            session.transcript.append("   (passed over, rule %s)" % reason)
        return bool(reason)

    # -- failures ----------------------------------------------------------
    def fail(self, session, origin, lineno, expected, actual, why):
        text = ["%s line %s (%s), session %s, state %s" % (origin, lineno, self.script.name,
                                                          session.key, self.state),
                "  last sent: %s" % session.last_sent,
                "  expected:  %s" % expected,
                "  actual:    %s" % actual,
                "  why:       %s" % why,
                "  transcript (latest last):"]
        text += ["    " + t for t in session.transcript]
        raise Mismatch("\n".join(text), session.ctx.command, actual)

    # -- elements ----------------------------------------------------------
    def _targets(self, el):
        if el.session is None:
            return list(self.sessions.values())
        return [self.sessions[el.session]]

    def _send(self, session, text):
        self.last_session = session
        if session.ctx.at_command():
            text = mpt_delim.client_line(text, self.delimiter)
        session.conn.send_line(text)
        session.ctx.sent(text)
        session.last_sent = text
        session.transcript.append("C: " + text)

    def _expect(self, session, origin, el):
        optional = mpt_rules.optional_reason(el.regex, session.ctx)
        while True:
            try:
                line, first = self.peek(session, [self.ahead(session)])
            except mpt_wire.WireError as e:
                if optional:
                    return
                self.fail(session, origin, el.lineno, el.regex, "<%s>" % e, "no line")
            why = mpt_rules.compare_line(el.regex, line, first, session.ctx)
            if why is None:
                self.pop(session)
                return
            if optional:
                session.transcript.append("   (absent, rule %s: %s)" % (optional, el.regex))
                return
            if not self.pass_over(session, line, first):
                self.fail(session, origin, el.lineno, el.regex, line, why)

    def run(self):
        """Runs every element; raises Mismatch or mpt_wire.WireError."""
        try:
            while self.index < len(self.elements):
                origin, el = self.elements[self.index]
                if isinstance(el, Send):
                    for s in self._targets(el):
                        self._send(s, el.text)
                elif isinstance(el, Expect):
                    for s in self._targets(el):
                        self._expect(s, origin, el)
                elif isinstance(el, Unordered):
                    for s in self._targets(el):
                        mpt_block.expect_block(self, s, origin, el)
                elif isinstance(el, ExpungeRun):
                    for s in self._targets(el):
                        mpt_block.expect_expunges(self, s, origin, el)
                elif isinstance(el, Reinit):
                    self._reinit()
                self.index += 1
            self._check_leftovers()
        except mpt_wire.WireError as e:
            s = self.last_session
            self.fail(s, "sending", "-", "<a line to send>", "<%s>" % e, "connection lost")
        finally:
            self.close()

    def _reinit(self):
        for key, s in list(self.sessions.items()):
            s.close()
            self.sessions[key] = Session(key, self.host, self.port, self.timeout_s,
                                         self.capabilities)
            self._expect(self.sessions[key], "REINIT", Expect(mpt_plan.GREETING, None, 0))

    def _check_leftovers(self):
        for s in self.sessions.values():
            if s.queue:
                line, _ = s.queue[0]
                self.fail(s, "end of script", "-", "<nothing>", line,
                          "responses the script does not expect (rule order)")


LIST_DELIM = re.compile(r'\* LIST \([^)]*\) (NIL|"(\\?.)")')


def _probe_command(conn, tag, cmd, found):
    conn.send_line("%s %s" % (tag, cmd))
    while True:
        line = conn.read_response().lines[0]
        m = re.match(r"(?:\* |%s OK \[)CAPABILITY ([^\]]*)" % tag, line)
        if m:
            found["capabilities"] = set(m.group(1).split())
        m = LIST_DELIM.match(line)
        if m:
            found["delimiter"] = None if m.group(1) == "NIL" else m.group(2)[-1]
        if line.startswith(tag + " "):
            return


def probe(host, port, timeout_s=5.0):
    """What the comparison needs to know about the server: its
    capabilities after LOGIN as the scripts' user (before it when LOGIN is
    refused) and its hierarchy delimiter (None when unknown)."""
    found = {"capabilities": set(), "delimiter": None}
    conn = mpt_wire.Connection(host, port, timeout_s)
    try:
        m = re.search(r"\[CAPABILITY ([^\]]*)\]", conn.read_response().lines[0])
        if m:
            found["capabilities"] = set(m.group(1).split())
        _probe_command(conn, "p1", "LOGIN %s %s" % (mpt_setup.USER, mpt_setup.PASSWORD), found)
        _probe_command(conn, "p2", "CAPABILITY", found)
        _probe_command(conn, "p3", 'LIST "" ""', found)
        conn.send_line("p4 LOGOUT")
    except mpt_wire.WireError:
        pass
    finally:
        conn.close()
    return found
