"""Just enough of IMAP's response syntax (RFC 9051 §4, §9) to find the
bounds of values in raw response bytes: values (through tests/
grammar_check.py), and names with [...] sections such as
BODY[HEADER.FIELDS (DATE)]<0>."""
import re

import grammar_check

LITERAL_AT = re.compile(rb"~?\{(\d+)\}\r\n")
ATOM_SPECIALS = b'(){ %*"\\]'


class Unparsed(Exception):
    """The bytes are not in the shape expected."""


def skip_name(raw, i):
    """End of an atom; a [...] section inside it may hold spaces and
    parentheses."""
    start = i
    while i < len(raw):
        c = raw[i:i + 1]
        if c == b"[":
            end = raw.find(b"]", i)
            if end < 0:
                raise Unparsed()
            i = end + 1
            continue
        if c in (b" ", b"(", b")", b'"', b"{", b"\r", b"\n"):
            break
        i += 1
    if i == start:
        raise Unparsed()
    return i


def skip_value(raw, i):
    """End index of the value at i: atom/number/NIL, quoted string,
    literal, or a parenthesised list (nested)."""
    p = grammar_check.Parser(raw, i)
    try:
        grammar_check.skip_value(p)
    except grammar_check.GrammarError:
        raise Unparsed()
    return p.pos


def split_list(raw, i, pairs):
    """Splits the list at raw[i] == '(' into items: (name, item bytes);
    with `pairs` an item is "name value".  Returns (items, index after ')')."""
    if raw[i:i + 1] != b"(":
        raise Unparsed()
    i += 1
    items = []
    while raw[i:i + 1] != b")":
        if i >= len(raw):
            raise Unparsed()
        start = i
        i = skip_name(raw, i) if pairs else skip_value(raw, i)
        name_end = i
        if pairs:
            if raw[i:i + 1] != b" ":
                raise Unparsed()
            i = skip_value(raw, i + 1)
        items.append((raw[start:name_end], raw[start:i]))
        if raw[i:i + 1] == b" ":
            i += 1
    return items, i + 1


def string_value(token):
    """The octets an atom, quoted string or literal token stands for
    (None for NIL)."""
    if token.upper() == b"NIL":
        return None
    if token[:1] == b'"':
        return re.sub(rb'\\(.)', rb"\1", token[1:-1])
    m = LITERAL_AT.match(token)
    if m:
        return token[m.end():]
    return token


def quote(value):
    return b'"' + value.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'


def is_atom(value):
    return bool(value) and not any(c in ATOM_SPECIALS or c < 0x21 or c > 0x7e for c in value)
