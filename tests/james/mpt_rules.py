"""What the runner compares and what it treats as one server's choice.

Every rule the runner applies is here, each with its reason; RULES is the
list the README and failure messages refer to.  A script line is a Java
regular expression over one server line; these rules decide how it is
applied.  None of them may be loosened to make a script pass: a script that
disagrees with an RFC goes in skip.txt with the section instead.
"""
import re

import mpt_canon

RULES = [
    ("tag", "tags are compared by the script's expression, status words "
     "(OK/NO/BAD/BYE/PREAUTH) exactly: they are the protocol's outcome"),
    ("wrong-state", "a command given in a state where it is not valid may "
     "be refused with BAD or NO (RFC 9051 §3: 'depending upon server "
     "implementation')"),
    ("mime-case", "in BODY/BODYSTRUCTURE, media type and subtype, parameter "
     "names, the charset value, the transfer encoding and the disposition "
     "type are compared without case (RFC 2045 §5.1 and §6.1, RFC 2046 "
     "§4.1.2, RFC 2183 §2)"),
    ("code", "a response code IMAP defines (RFC 9051 §7.1, the IANA registry "
     "of RFC 5530 §6 and later extensions) is compared exactly, and in the "
     "same status line the script has it in"),
    ("extra-code", "a code the script does not name is accepted: codes are "
     "optional additions to a status (RFC 9051 §7.1 resp-text) and the "
     "scripts name only the codes James happens to send"),
    ("own-code", "a code IMAP does not define is ignored: it is one server's "
     "private data"),
    ("text", "the human-readable text after the status word or code is free "
     "(RFC 9051 §7.1: text for humans, never parsed)"),
    ("continuation", "the text of a continuation request '+ ...' is free "
     "(RFC 9051 §7.6); the scripts never check a SASL challenge"),
    ("extension-code", "MAILBOXID (RFC 8474) and URLMECH (RFC 4467) are "
     "compared only when the server announces OBJECTID / URLAUTH; without "
     "the extension the server never sends them, and an untagged OK carrying "
     "only such a code is then an absent line, not a missing one"),
    ("highestmodseq", "an untagged OK [HIGHESTMODSEQ] is required only after "
     "a CONDSTORE enabling command (RFC 7162 §3.1.2.1), so before one the "
     "script's line is optional"),
    ("set-order", "the untagged responses of SELECT/EXAMINE and of "
     "LIST/LSUB are sets: RFC 9051 §6.3.2 and RFC 3501 §6.3.1 list SELECT's "
     "without an order, and RFC 9051 §6.3.9 gives LIST replies none"),
    ("expunge-run", "consecutive EXPUNGE responses are compared by the "
     "messages they remove: each renumbers the ones after it (RFC 9051 "
     "§7.5.1), so '* 2 EXPUNGE' twice and '* 3 EXPUNGE, * 2 EXPUNGE' are "
     "the same change"),
    ("uidvalidity", "the value of UIDVALIDITY is the server's choice (RFC "
     "9051 §2.3.1.1): a number the script writes there stands for any"),
    ("flag-order", "flag lists, mailbox attribute lists (FLAGS, "
     "PERMANENTFLAGS, LIST/LSUB attributes) are sets (RFC 9051 §7.3.1, "
     "§7.3.5): their order is free"),
    ("fetch-order", "the data items of one FETCH response and the items of a "
     "STATUS response may come in any order (RFC 9051 §7.5.2 msg-att, §7.3.3)"),
    ("fetch-name-case", "a FETCH item name (section text, header field "
     "names) that differs from the script's only in case is the same name: "
     "IMAP atoms and header field names are case-insensitive (RFC 9051 §9 "
     "note on case, RFC 5322 §1.2.2)"),
    ("id", "the data of the server's ID response is the server's own "
     "identity (RFC 2971 §3.1): any well-formed '* ID NIL' or '* ID (...)' "
     "stands for the script's"),
    ("extra-untagged", "an untagged OK the RFC has the server add where the "
     "script has none is passed over: [COPYUID] before the expunges of MOVE "
     "(RFC 6851 §4.3) and [CLOSED] when SELECT/EXAMINE leaves the selected "
     "mailbox (RFC 9051 §7.1)"),
    ("delimiter", "the hierarchy delimiter is the server's choice (RFC 9051 "
     "§5.1); when it is not James's '.', a '.' in mailbox-name arguments and "
     "in the delimiter and name fields of LIST/LSUB/STATUS lines stands for "
     "the server's"),
    ("string-form", "a mailbox name may be sent as atom, quoted string or "
     "literal (RFC 9051 §4.3, §9 'mailbox' is an astring): it is compared by "
     "value, in the form the script writes it"),
    ("order", "everything else is compared in the script's order, untagged "
     "responses included, except inside the scripts' own SUB { } blocks"),
    ("literal", "a literal is read by its octet count and its content is "
     "compared line by line, so a wrong count or wrong bytes both fail"),
    ("literal-marker", "a script line ending in {n} means the literal marker "
     "'{n}' (in Java syntax it would be a repetition, which the script "
     "authors clearly did not mean)"),
]

STATUS_WORDS = ("OK", "NO", "BAD", "BYE", "PREAUTH")

# Response codes IMAP defines: RFC 9051 §7.1, RFC 5530 §6 (the IANA
# registry as of 2009) and the extensions registered since.
IMAP_CODES = frozenset("""
ALERT ALREADYEXISTS APPENDUID AUTHENTICATIONFAILED AUTHORIZATIONFAILED
BADCHARSET CANNOT CAPABILITY CLIENTBUG CLOSED CONTACTADMIN COPYUID CORRUPTION
EXPIRED EXPUNGEISSUED HASCHILDREN INUSE LIMIT NONEXISTENT NOPERM OVERQUOTA
PARSE PERMANENTFLAGS PRIVACYREQUIRED READ-ONLY READ-WRITE SERVERBUG TRYCREATE
UIDNEXT UIDNOTSTICKY UIDVALIDITY UNAVAILABLE UNKNOWN-CTE UNSEEN REFERRAL
URLMECH TOOBIG BADURL HIGHESTMODSEQ NOMODSEQ MODIFIED COMPRESSIONACTIVE
NOTSAVED BADCOMPARATOR ANNOTATE ANNOTATIONS TEMPFAIL MAXCONVERTMESSAGES
MAXCONVERTPARTS NOUPDATE METADATA NOTIFICATIONOVERFLOW BADEVENT
UNDEFINED-FILTER USEATTR MAILBOXID INPROGRESS UIDREQUIRED
""".split())

# Codes compared only when the server announces the extension (rule
# "extension-code").
EXTENSION_CODES = {"MAILBOXID": "OBJECTID", "URLMECH": "URLAUTH"}

CONDSTORE_ENABLING = re.compile(r"\b(CONDSTORE|QRESYNC|MODSEQ|CHANGEDSINCE|UNCHANGEDSINCE)\b",
                                re.I)

# A status line: tag, status word, the rest.  On the script side the tag
# is an expression and the rest the script's text after the status word.
STATUS_LINE = re.compile(r"(\S+) (OK|NO|BAD|BYE|PREAUTH)(?: (.*))?$", re.S)
ANY_CODE = "(\\[.+\\] )?"


COMMAND_RE = re.compile(r"^(\S+) ((?:UID )?[A-Za-z]+)")
LITERAL_END = re.compile(r"\{(\d+)\+?\}$")
ID_DATA = re.compile(r"\* ID (NIL|\(.*\))$")
NONAUTH_ONLY = {"LOGIN", "AUTHENTICATE", "STARTTLS"}
AUTHENTICATED = set("""SELECT EXAMINE CREATE DELETE RENAME SUBSCRIBE UNSUBSCRIBE LIST LSUB
STATUS APPEND NAMESPACE IDLE ENABLE XLIST GETQUOTA GETQUOTAROOT SETQUOTA GETACL SETACL
DELETEACL LISTRIGHTS MYRIGHTS GETMETADATA SETMETADATA UNAUTHENTICATE""".split())
SELECTED_ONLY = set("""CHECK CLOSE UNSELECT EXPUNGE SEARCH FETCH STORE COPY MOVE SORT
THREAD REPLACE""".split())
EXTRA_OK = {"COPYUID": ("MOVE", "UID MOVE"), "CLOSED": ("SELECT", "EXAMINE")}


class Context:
    """What the comparison needs to know about a session: the server's
    capabilities, the command in progress, whether a CONDSTORE enabling
    command was sent."""

    def __init__(self, capabilities):
        self.capabilities = {c.upper() for c in capabilities}
        self.condstore = False
        self.command = ""
        self.literal_left = 0   # client literal octets still to send
        self.continuing = False  # the next line continues a command
        self.tag = ""
        self.state = "nonauth"   # RFC 9051 §3, followed from tagged results

    def completed(self, line):
        """Follows the connection state from the current command's tagged
        result (RFC 9051 §3)."""
        m = STATUS_LINE.match(line)
        if not m or m.group(1) != self.tag:
            return
        ok, cmd = m.group(2) == "OK", self.command
        if ok and cmd in ("LOGIN", "AUTHENTICATE"):
            self.state = "auth"
        elif cmd in ("SELECT", "EXAMINE") and self.state != "nonauth":
            if ok or m.group(2) == "NO":  # BAD never changes the state
                self.state = "selected" if ok else "auth"
        elif ok and cmd in ("CLOSE", "UNSELECT"):
            self.state = "auth"

    def wrong_state(self):
        """True when the current command is not valid in this state."""
        base = self.command.split(" ")[-1] if self.command.startswith("UID ") else self.command
        if self.command.startswith("UID ") or base in SELECTED_ONLY:
            return self.state != "selected"
        if base in NONAUTH_ONLY:
            return self.state != "nonauth"
        if base in AUTHENTICATED:
            return self.state == "nonauth"
        return False

    def at_command(self):
        """True when the next client line starts a command."""
        return self.literal_left == 0 and not self.continuing

    def sent(self, text):
        """Follows the client's lines: command starts, literal data, and
        the rest of a command after its literal."""
        if self.literal_left > 0:
            self.literal_left -= len(text.encode("utf-8", "surrogateescape")) + 2
            if self.literal_left >= 0:
                self.continuing = self.literal_left == 0
                return
            self.literal_left = 0          # the literal ended inside this line
        elif self.continuing:
            self.continuing = False
        else:
            m = COMMAND_RE.match(text)
            self.tag, self.command = (m.group(1), m.group(2).upper()) if m else ("", "")
            if CONDSTORE_ENABLING.search(text):
                self.condstore = True
        m = LITERAL_END.search(text)
        if m:
            self.literal_left = int(m.group(1))


def java_regex(regex):
    """A script expression as a Python pattern (rule "literal-marker")."""
    return re.sub(r"(?<!\\)\{(\d+)\}$", r"\\{\1\\}", regex)


def full_match(regex, text):
    try:
        return re.fullmatch(java_regex(regex), text) is not None
    except re.error:
        return False


def _regex_tokens(regex):
    """Splits a regex source into tokens: an escape pair or one char."""
    out, i = [], 0
    while i < len(regex):
        step = 2 if regex[i] == "\\" and i + 1 < len(regex) else 1
        out.append(regex[i:i + step])
        i += step
    return out


def split_expected_code(rest):
    """The script's text after the status word -> (kind, code regex).
    kind: 'none', 'any' (the scripts' "(\\[.+\\] )?"), 'named', or 'open'
    (a code whose closing bracket the script leaves to a wildcard: the
    regex returned is the whole rest, compared as the script wrote it)."""
    if rest is None:
        return "none", None
    if rest.startswith(ANY_CODE):
        return "any", None
    if not rest.startswith("\\["):
        return "none", None
    toks = _regex_tokens(rest)
    for i, tok in enumerate(toks):
        if i > 0 and tok == "\\]":
            return "named", "".join(toks[1:i])
    return "open", rest  # "\[CODE .*": the code's end is left to the regex


def split_actual_code(rest):
    """The server's text after the status word -> (code or None, text)."""
    if rest and rest.startswith("["):
        end = rest.find("]")
        if end > 0:
            return rest[1:end], rest[end + 1:].lstrip(" ")
    return None, rest or ""


def code_name(code_regex):
    m = re.match(r"[A-Z0-9-]+", code_regex.replace("\\-", "-"))
    return m.group(0) if m else ""


def _ignored_code(name, ctx):
    """True when rules "own-code"/"extension-code" say not to compare."""
    if name not in IMAP_CODES:
        return True
    ext = EXTENSION_CODES.get(name)
    return ext is not None and ext not in ctx.capabilities


def optional_reason(regex, ctx):
    """Why a script line may be absent (None: it is required)."""
    m = STATUS_LINE.match(regex)
    if not m or m.group(1) != "\\*" or m.group(2) != "OK":
        return None
    kind, code = split_expected_code(m.group(3))
    if kind != "named":
        return None
    name = code_name(code)
    if name in EXTENSION_CODES and _ignored_code(name, ctx):
        return "extension-code"
    if name == "HIGHESTMODSEQ" and not ctx.condstore:
        return "highestmodseq"
    return None


def compare_status(regex, actual, ctx):
    """Compares a status line; None when it matches, else the reason.
    Returns False (not None) when the script line is no status line."""
    e = STATUS_LINE.match(regex)
    if not e:
        return False
    a = STATUS_LINE.match(actual)
    if not a:
        return "expected a %s status line" % e.group(2)
    if not full_match(e.group(1), a.group(1)):
        return "tag differs (rule tag)"
    if e.group(2) != a.group(2):
        if {e.group(2), a.group(2)} == {"NO", "BAD"} and a.group(1) == ctx.tag \
                and ctx.wrong_state():
            return None  # rule wrong-state
        return "status %s, expected %s (rule tag)" % (a.group(2), e.group(2))
    kind, code_re = split_expected_code(e.group(3))
    if kind == "open":
        name = code_name(code_re[2:])
        if _ignored_code(name, ctx) or full_match(code_re, a.group(3) or ""):
            return None
        return "response code differs from %s (rule code)" % code_re
    if kind != "named":
        return None
    name = code_name(code_re)
    if re.fullmatch(r"UIDVALIDITY \d+", code_re):
        code_re = "UIDVALIDITY \\d+"  # rule uidvalidity
    code, _ = split_actual_code(a.group(3))
    if _ignored_code(name, ctx):
        # not compared, but a line carrying another code is another line
        if code is None or code_name(code) == name:
            return None
        return "response code [%s] where the script has [%s]" % (code, name)
    if code is None:
        return "response code [%s] missing (rule code)" % name
    if not full_match(code_re, code):
        return "response code [%s] differs from %s (rule code)" % (code, code_re)
    return None


def extra_reason(actual, ctx):
    """Why a line the script does not have may be passed over (rule
    extra-untagged); None when it may not."""
    m = re.match(r"\* OK \[([A-Z]+)[\] ]", actual)
    if m and ctx.command in EXTRA_OK.get(m.group(1), ()):
        return "extra-untagged"
    return None


def compare_line(regex, actual, first, ctx):
    """Compares one logical server line with one script line.  `first`
    says the line starts a response (status rules apply only there).
    Returns None on a match, else a short reason naming the rule."""
    if first:
        if regex.startswith("\\+") and actual.startswith("+"):
            return None  # rule continuation
        if regex.startswith("\\* ID ") and ID_DATA.match(regex.replace("\\", "")):
            return None if ID_DATA.match(actual) else "not an ID response (rule id)"
        verdict = compare_status(regex, actual, ctx)
        if verdict is not False:
            return verdict
    if full_match(regex, actual):
        return None
    return "line differs"


def arrangements(raw, hint):
    """Rules flag-order, fetch-order, fetch-name-case and string-form: the
    server's response in the script's order and form first, then in the
    other orders allowed.  raw: bytes; hint: the script text."""
    return mpt_canon.arrangements(raw, hint)


def lines_match(regexes, lines, ctx):
    """True when a response's lines match the script lines ahead, passing
    over script lines that may be absent."""
    j = 0
    for n, line in enumerate(lines):
        while True:
            if j >= len(regexes):
                return False
            if compare_line(regexes[j], line, n == 0, ctx) is None:
                j += 1
                break
            if not optional_reason(regexes[j], ctx):
                return False
            j += 1
    return True
