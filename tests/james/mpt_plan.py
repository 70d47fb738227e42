"""The full list of lines one script runs as: the state James's test class
sets up (mpt_setup) around the script, and the script's expectations
regrouped where rules set-order and expunge-run of mpt_rules say the order
is free."""
import re
from dataclasses import dataclass
from typing import List, Optional

import mpt_delim
import mpt_script
import mpt_setup
from mpt_script import Expect, Reinit, Send, Unordered

GREETING = "\\* OK IMAP4rev1 Server ready"
# Commands whose untagged responses form a set (rule set-order).
SET_COMMANDS = re.compile(r"^\S+ (SELECT|EXAMINE|LIST|LSUB|XLIST)\b", re.I)
EXPUNGE_LINE = re.compile(r"\\\* (\d+) EXPUNGE$")


@dataclass
class ExpungeRun:
    """Consecutive "* n EXPUNGE" lines, compared by the messages they
    remove (rule expunge-run)."""
    numbers: List[int]
    session: Optional[int]
    lineno: int


def _preamble(state):
    welcome = [("preamble", Expect(GREETING, None, 0))]
    login = [("preamble", Send("a001 LOGIN %s %s" % (mpt_setup.USER, mpt_setup.PASSWORD),
                               None, 0)),
             ("preamble", Expect("a001 OK .*", None, 0))]
    if state == "raw":
        return []
    if state == "welcome":
        return welcome
    if state == "auth":
        return welcome + login
    # James's teardown (SelectedStateCleanup) is not run: each script has a
    # fresh server already, and that script also runs on its own.
    setup = mpt_script.load(mpt_setup.script_path("SelectedStateSetup"))
    return welcome + login + [("SelectedStateSetup", e) for e in setup.elements]


def _session(el):
    return getattr(el, "session", None)


def _untagged_block(elements, start, session):
    """Collects the untagged expectations that follow a command of
    SET_COMMANDS; returns (Unordered or None, index after them)."""
    lines, i = [], start
    while i < len(elements):
        _, el = elements[i]
        if _session(el) != session or isinstance(el, (Send, Reinit)):
            break
        if isinstance(el, Unordered):
            lines.extend(el.lines)
        elif isinstance(el, Expect) and el.regex.startswith("\\*"):
            lines.append(el)
        else:
            break
        i += 1
    if len(lines) < 2:
        return None, start
    return Unordered(lines, session, lines[0].lineno), i


def _unorder_sets(elements):
    out, i = [], 0
    while i < len(elements):
        origin, el = elements[i]
        out.append((origin, el))
        i += 1
        if isinstance(el, Send) and SET_COMMANDS.match(el.text):
            block, j = _untagged_block(elements, i, el.session)
            if block is not None:
                out.append((origin, block))
                i = j
    return out


def _expunge_runs(elements):
    out = []
    for origin, el in elements:
        m = isinstance(el, Expect) and EXPUNGE_LINE.match(el.regex)
        if m:
            prev = out[-1][1] if out else None
            if isinstance(prev, ExpungeRun) and prev.session == el.session:
                prev.numbers.append(int(m.group(1)))
                continue
            el = ExpungeRun([int(m.group(1))], el.session, el.lineno)
        out.append((origin, el))
    return out


def _delimited(elements, delim):
    """Rule delimiter on the script lines (client lines: see mpt_run)."""
    def fix(e):
        return Expect(mpt_delim.server_regex(e.regex, delim), e.session, e.lineno)
    out = []
    for origin, el in elements:
        if isinstance(el, Expect):
            el = fix(el)
        elif isinstance(el, Unordered):
            el = Unordered([fix(e) for e in el.lines], el.session, el.lineno)
        out.append((origin, el))
    return out


def plan(script, delim=None):
    """(state, [(origin, element)]): everything the runner executes, for a
    server whose hierarchy delimiter is `delim`."""
    first = next((e.regex for e in script.elements if isinstance(e, Expect)), None)
    state = mpt_setup.state_of(script.name, first)
    body = [(script.name, e) for e in script.elements]
    return state, _expunge_runs(_unorder_sets(_delimited(_preamble(state) + body, delim)))
