"""Parser for Apache James's IMAP protocol scripts (the "MPT" format).

The format, derived from the 169 scripts in /work/shared/corpus/james-mpt-scripts:

  C: <text>     a line the client sends; "C:" alone or "C: " sends an empty
                line.  Literal markers ({n}, {n+}) are part of the text: the
                following C: lines are the literal's bytes, each ended by CRLF,
                exactly as a line-oriented client would send them.
  S: <regex>    a Java regular expression one server line must match as a
                whole.  Literal bytes in a response are matched line by line,
                like any other line.
  SUB {         the S: lines up to the closing "}" may arrive in any order
  }
  SESSION: n    following lines belong to connection n (concurrent scripts);
                lines before the first SESSION: go to every connection
  REINIT        close the connections and open fresh ones
  WAIT n, AWAIT, TIMER ..., LOG ...
                instructions to James's own harness (its asynchronous
                indexer, timings, logging): no protocol meaning
  # ...         comment

Each element keeps its script line number so a mismatch can be reported
against the script text.
"""
from dataclasses import dataclass, field
from typing import List, Optional

ALL_SESSIONS = None  # session key of lines written before any SESSION:


@dataclass
class Send:
    """One client line (without CRLF)."""
    text: str
    session: Optional[int]
    lineno: int


@dataclass
class Expect:
    """One expected server line: a regular expression in Java syntax."""
    regex: str
    session: Optional[int]
    lineno: int


@dataclass
class Unordered:
    """A SUB { } block: its lines may arrive in any order."""
    lines: List[Expect]
    session: Optional[int]
    lineno: int


@dataclass
class Reinit:
    """Reconnect every session (fresh connections, greeting read again)."""
    lineno: int


@dataclass
class Script:
    name: str
    elements: list = field(default_factory=list)
    sessions: List[int] = field(default_factory=list)  # numbers used by SESSION:
    ignored: List[str] = field(default_factory=list)   # harness-only lines seen

    def sends(self):
        return [e for e in self.elements if isinstance(e, Send)]


HARNESS_ONLY = ("WAIT", "AWAIT", "TIMER", "LOG")


class ScriptError(ValueError):
    """The script text does not follow the format."""


def _payload(line, prefix_len):
    """Text after "C:"/"S:": one separating space is not part of it."""
    rest = line[prefix_len:]
    return rest[1:] if rest.startswith(" ") else rest


def parse(name, text):
    """Parses a script's text; returns a Script."""
    script = Script(name)
    session = ALL_SESSIONS
    block = None
    for lineno, line in enumerate(text.split("\n"), 1):
        if line.endswith("\r"):
            line = line[:-1]
        stripped = line.strip()
        if line.startswith("C:"):
            if block is not None:
                raise ScriptError("%s:%d: C: inside SUB" % (name, lineno))
            script.elements.append(Send(_payload(line, 2), session, lineno))
        elif line.startswith("S:"):
            exp = Expect(_payload(line, 2), session, lineno)
            (block.lines if block is not None else script.elements).append(exp)
        elif stripped == "SUB {":
            if block is not None:
                raise ScriptError("%s:%d: nested SUB" % (name, lineno))
            block = Unordered([], session, lineno)
        elif stripped == "}" and block is not None:
            script.elements.append(block)
            block = None
        elif stripped.startswith("SESSION:"):
            session = int(stripped.split(":", 1)[1])
            if session not in script.sessions:
                script.sessions.append(session)
        elif stripped == "REINIT":
            script.elements.append(Reinit(lineno))
        elif stripped.split(" ", 1)[0] in HARNESS_ONLY:
            script.ignored.append(stripped)
        elif stripped == "" or stripped.startswith("#"):
            continue
        else:
            raise ScriptError("%s:%d: unknown line %r" % (name, lineno, line))
    if block is not None:
        raise ScriptError("%s: SUB not closed" % name)
    return script


def load(path):
    """Reads and parses one .test file (UTF-8; undecodable bytes kept as
    surrogates so they go back on the wire unchanged)."""
    import os
    with open(path, "rb") as f:
        raw = f.read()
    name = os.path.splitext(os.path.basename(path))[0]
    return parse(name, raw.decode("utf-8", "surrogateescape"))
