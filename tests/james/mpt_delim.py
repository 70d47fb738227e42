"""Rule delimiter (mpt_rules): James's hierarchy delimiter is '.', another
server may use another (RFC 9051 §5.1: the delimiter is the server's).
When the server's differs, a '.' in the scripts' mailbox names is read as
the server's delimiter: in the mailbox arguments of client commands, and in
the delimiter and name fields of LIST/LSUB/XLIST/STATUS lines the server
sends.  Nothing else is touched (FETCH sections, addresses, text)."""
import re

# command -> positions of its mailbox arguments (after the command name);
# LIST/LSUB selection options "(...)" are skipped before counting.
MAILBOX_ARGS = {
    "CREATE": (0,), "DELETE": (0,), "RENAME": (0, 1), "SELECT": (0,), "EXAMINE": (0,),
    "SUBSCRIBE": (0,), "UNSUBSCRIBE": (0,), "STATUS": (0,), "APPEND": (0,),
    "LIST": (0, 1), "LSUB": (0, 1), "XLIST": (0, 1), "COPY": (1,), "MOVE": (1,),
    "UID COPY": (1,), "UID MOVE": (1,), "GETQUOTAROOT": (0,), "MYRIGHTS": (0,),
    "GETACL": (0,), "SETACL": (0,), "DELETEACL": (0,), "LISTRIGHTS": (0,),
    "GETMETADATA": (0,), "SETMETADATA": (0,),
}
COMMAND = re.compile(r"^(\S+ )((?:UID )?[A-Za-z]+)( |$)")
TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|\([^)]*\)|\{\d+\+?\}$|[^ ]+')
LIST_LINE = re.compile(r'^(\\\* (?:LIST|LSUB|XLIST) \\\(.*?\\\) )(\\?"(?:\\\.|\.)\\?")( )(.*)$')
STATUS_LINE = re.compile(r'^(\\\* STATUS )(\\?"(?:[^"\\]|\\[^"])*\\?"|\S+)( .*)$')
# an unescaped '.' that is meant as a character, not as "any" before a
# repetition
NAME_DOT = re.compile(r"\\\.|\.(?![*+?{])")


def client_line(text, delim):
    """A command line with '.' in its mailbox arguments as `delim`."""
    m = COMMAND.match(text)
    if not m or delim in (None, "."):
        return text
    positions = MAILBOX_ARGS.get(m.group(2).upper())
    if not positions:
        return text
    head, rest = text[:m.end(2)], text[m.end(2):]
    tokens = [(t.start(), t.end()) for t in TOKEN.finditer(rest)]
    if m.group(2).upper() in ("LIST", "LSUB") and tokens and rest[tokens[0][0]] == "(":
        tokens = tokens[1:]
    out = rest
    for pos in sorted(positions, reverse=True):
        if pos < len(tokens):
            a, b = tokens[pos]
            if not out[a:b].startswith("{"):
                out = out[:a] + out[a:b].replace(".", delim) + out[b:]
    return head + out


def _name(regex_name, delim):
    return NAME_DOT.sub(lambda m: re.escape(delim), regex_name)


def server_regex(regex, delim):
    """A script line with the LIST delimiter field and mailbox names in
    `delim`."""
    if delim in (None, "."):
        return regex
    m = LIST_LINE.match(regex)
    if m:
        return m.group(1) + '"' + re.escape(delim) + '"' + m.group(3) + _name(m.group(4), delim)
    m = STATUS_LINE.match(regex)
    if m:
        return m.group(1) + _name(m.group(2), delim) + m.group(3)
    return regex
