"""Brings what IMAP leaves to the server's choice into the form the script
wrote, so that one regular expression can then compare the whole line
(rules flag-order, fetch-order, fetch-name-case and string-form in
mpt_rules):

  * flags and mailbox attributes are put in the order the script names them;
  * FETCH data items and STATUS items may come in any order: arrangements()
    yields the script's order first, then the other orders (few items only);
  * a mailbox name sent as atom, quoted string or literal takes the form the
    script uses for that same name; INBOX in any case is INBOX;
  * a FETCH item name (section, header field names) takes the script's
    spelling when the two differ only in case, and so do the strings of
    BODY/BODYSTRUCTURE that MIME compares without case.

Nothing is added or dropped and no value changes: only the server's own
items move, literals byte for byte.  Works on raw response bytes because
literal counts are octet counts.
"""
import itertools
import re

import grammar_check
import mpt_lex
from mpt_lex import Unparsed

FLAG_LIST_RE = re.compile(rb"^\* (FLAGS|OK \[PERMANENTFLAGS|LIST|LSUB|XLIST) \(")
FETCH_RE = re.compile(rb"^\* \d+ FETCH \(")
STATUS_RE = re.compile(rb"^\* STATUS ")
PERMUTE_MAX_ITEMS = 6  # 720 orders at most; beyond, the script's order only


def plain(hint):
    """The script text as literal text: regex escapes resolved
    (`\\(\\\\Seen\\)` -> `(\\Seen)`) and the wildcards `.*`, `.+`, `.?`
    dropped, so a `*` or `\\*` found in it is one the script wrote."""
    out = []
    i = 0
    while i < len(hint):
        c = hint[i]
        if c == "\\" and i + 1 < len(hint):
            out.append(hint[i + 1])
            i += 2
        elif c == "." and i + 1 < len(hint) and hint[i + 1] in "*+?":
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _word(key):
    text = re.escape(key.decode("utf-8", "replace").lstrip("\\"))
    return r"(?<![A-Za-z0-9.$])" + text + r"(?![A-Za-z0-9.\[])"


def _position(text, key, start):
    """Where `key` first stands as a whole word in the script text, at or
    after `start` (case-insensitively if not otherwise)."""
    m = re.compile(_word(key)).search(text, start) or \
        re.compile(_word(key), re.I).search(text, start)
    return m.start() if m else None


def _anchor(text, word, start=0):
    pos = text.find(word, start)
    return pos if pos >= 0 else start


def _sorted(items, text, start):
    """Items the script names take the script's order, in the places those
    items hold in the server's list; items it does not name (matched by a
    wildcard) stay where the server put them."""
    keyed = []
    slots = []
    for n, (name, item) in enumerate(items):
        pos = _position(text, name, start)
        if pos is not None:
            keyed.append((pos, n, item))
            slots.append(n)
    keyed.sort()
    out = [item for _, item in items]
    for slot, (_, _, item) in zip(slots, keyed):
        out[slot] = item
    return out


def _flags_at(raw, i, text, start):
    """The flag list at raw[i] == '(' in the script's order."""
    items, end = mpt_lex.split_list(raw, i, False)
    return raw[:i] + b"(" + b" ".join(_sorted(items, text, start)) + b")" + raw[end:]


def _name_case(name, text, start):
    """rule fetch-name-case: the script's spelling of an item name."""
    word = name.decode("utf-8", "surrogateescape")
    if word in text:
        return name
    m = re.compile(re.escape(word), re.I).search(text, start)
    return m.group(0).encode("utf-8", "surrogateescape") if m else name


def _mime_case(name, item, text):
    """rule mime-case: the strings MIME compares without case take the
    script's spelling when it has them."""
    value = item[len(name) + 1:]
    try:
        spans = grammar_check.parse_body(value, name.upper() == b"BODYSTRUCTURE")
    except grammar_check.GrammarError:
        return item
    for start, end in reversed(spans):
        word = mpt_lex.string_value(value[start:end])
        m = re.search('"%s"' % re.escape(word.decode("utf-8", "surrogateescape")), text, re.I)
        if m:
            value = value[:start] + m.group(0).encode("utf-8", "surrogateescape") + value[end:]
    return item[:len(name) + 1] + value


def _fetch_item(name, item, text, start):
    item = _name_case(name, text, start) + item[len(name):]
    if item.startswith(b"FLAGS ("):
        item = _flags_at(item, 6, text, _anchor(text, "FLAGS (", start))
    if name.upper() in (b"BODY", b"BODYSTRUCTURE"):
        item = _mime_case(name, item, text)
    return item


def _name_form(token, text):
    """rule string-form: a mailbox name token in the script's form."""
    value = mpt_lex.string_value(token)
    if value is None or b"\r" in value or b"\n" in value:
        return token
    if value.upper() == b"INBOX" and re.search(r'(^|[ "])INBOX($|[ "])', text):
        value = b"INBOX"
    word = value.decode("utf-8", "surrogateescape")
    if ('"%s"' % word) in text:
        return mpt_lex.quote(value)
    if mpt_lex.is_atom(value) and re.search(r"(^| )%s($| )" % re.escape(word), text):
        return value
    return token


def _list_name(raw, text):
    """LIST/LSUB/XLIST: (attributes) delimiter name [extended data]."""
    i = mpt_lex.skip_value(raw, raw.index(b"("))
    i = mpt_lex.skip_value(raw, i + 1) + 1          # delimiter: quoted or NIL
    end = mpt_lex.skip_value(raw, i)
    return raw[:i] + _name_form(raw[i:end], text) + raw[end:]


def _split_pairs(raw):
    """(head, items, tail, anchor) of a FETCH or STATUS response; items
    are (name, bytes); anchor is where the script's list starts."""
    m = FETCH_RE.match(raw)
    if m:
        items, end = mpt_lex.split_list(raw, m.end() - 1, True)
        return raw[:m.end() - 1], items, raw[end:], "FETCH ("
    i = len(b"* STATUS ")
    end = mpt_lex.skip_value(raw, i)
    if raw[end:end + 2] != b" (":
        raise Unparsed()
    items, stop = mpt_lex.split_list(raw, end + 1, True)
    return raw[:end + 1], items, raw[stop:], "STATUS "


def _pairs_arrangements(raw, text):
    head, items, tail, anchor = _split_pairs(raw)
    start = _anchor(text, anchor)
    if anchor == "STATUS ":
        i = len(b"* STATUS ")
        head = head[:i] + _name_form(head[i:-1], text) + b" "
    items = [(name, _fetch_item(name, item, text, start)) for name, item in items]
    first = _sorted(items, text, start)
    yield head + b"(" + b" ".join(first) + b")" + tail
    if len(items) <= PERMUTE_MAX_ITEMS:
        for order in itertools.permutations(first):
            if list(order) != first:
                yield head + b"(" + b" ".join(order) + b")" + tail


def arrangements(raw, hint):
    """Yields the response bytes in the script's arrangement first, then
    in the other orders the rules allow.  hint: the script text it will be
    compared with."""
    text = plain(hint)
    try:
        if FETCH_RE.match(raw) or STATUS_RE.match(raw):
            yield from _pairs_arrangements(raw, text)
            return
        m = FLAG_LIST_RE.match(raw)
        if m:
            out = _flags_at(raw, m.end() - 1, text, _anchor(text, m.group(1).decode() + " ("))
            if m.group(1) in (b"LIST", b"LSUB", b"XLIST"):
                out = _list_name(out, text)
            yield out
            return
    except (Unparsed, IndexError, ValueError):
        pass
    yield raw
