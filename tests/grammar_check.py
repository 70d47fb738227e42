"""Checks FETCH data against the formal syntax of RFC 9051 §9: ENVELOPE,
BODY and BODYSTRUCTURE values, with the strings, numbers and literals they
are made of.  Written from the ABNF; each function is named after the rule
it checks.

    check_fetch(b'* 1 FETCH (ENVELOPE (...) BODYSTRUCTURE (...))')
    check_envelope(b'(...)')            check_body(b'(...)', extensible)

Each raises GrammarError (with the rule and the byte offset) on the first
violation.  parse_body() also returns the spans of the strings whose case
MIME leaves free (type, subtype, parameter names, charset, transfer
encoding, disposition type), for comparisons that ignore that case.

Besides the ABNF, two rules RFC 9051 states next to it are enforced: a
TEXT part carries its line count (§7.5.2 BODYSTRUCTURE) and a MESSAGE part
of subtype RFC822 or GLOBAL has the message form (the comment on
body-type-basic); BODY, the non-extensible form, carries no extension data
(the comments on body-ext-1part and body-ext-mpart).
"""
import re

NUMBER_MAX = 2 ** 32 - 1
NUMBER64_MAX = 2 ** 63 - 1
FETCH_HEAD = re.compile(rb"\* ([1-9][0-9]*) FETCH \(")
UTF8_TAIL = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|"
                       rb"[\xe1-\xec\xee\xef][\x80-\xbf]{2}|\xed[\x80-\x9f][\x80-\xbf]|"
                       rb"\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}|"
                       rb"\xf4[\x80-\x8f][\x80-\xbf]{2}")


class GrammarError(ValueError):
    """The data breaks rule `rule` at byte `pos`."""

    def __init__(self, rule, pos, what):
        super().__init__("%s at byte %d: %s" % (rule, pos, what))
        self.rule, self.pos = rule, pos


class Parser:
    """A cursor over response bytes; one method per ABNF rule."""

    def __init__(self, data, pos=0):
        self.data, self.pos = data, pos
        self.ci_spans = []   # strings MIME compares case-insensitively

    def fail(self, rule, what):
        raise GrammarError(rule, self.pos, what)

    def peek(self, n=1):
        return self.data[self.pos:self.pos + n]

    def lit(self, text, rule):
        if self.data[self.pos:self.pos + len(text)].upper() != text.upper():
            self.fail(rule, "expected %r, found %r" % (text, self.peek(12)))
        self.pos += len(text)

    def sp(self, rule):
        self.lit(b" ", rule)

    def is_nil(self):
        return self.peek(3).upper() == b"NIL" and self.data[self.pos + 3:self.pos + 4] in \
            (b" ", b")", b"")

    # -- strings and numbers -----------------------------------------------
    def quoted(self):
        start = self.pos
        self.lit(b'"', "quoted")
        out = bytearray()
        while True:
            c = self.peek()
            if c == b"":
                self.fail("quoted", "unterminated quoted string")
            if c == b'"':
                self.pos += 1
                return start, bytes(out)
            if c == b"\\":
                nxt = self.data[self.pos + 1:self.pos + 2]
                if nxt not in (b'"', b"\\"):
                    self.fail("QUOTED-CHAR", "backslash before %r" % nxt)
                out += nxt
                self.pos += 2
            elif c in (b"\r", b"\n", b"\x00"):
                self.fail("QUOTED-CHAR", "CR, LF or NUL in a quoted string")
            elif c[0] >= 0x80:
                m = UTF8_TAIL.match(self.data, self.pos)
                if not m:
                    self.fail("QUOTED-CHAR", "8-bit byte that is not UTF-8")
                out += m.group(0)
                self.pos = m.end()
            else:
                out += c
                self.pos += 1

    def literal(self):
        start = self.pos
        m = re.compile(rb"\{([0-9]+)\}\r\n").match(self.data, self.pos)
        if not m:
            self.fail("literal", "expected {n} CRLF")
        n = int(m.group(1))
        if n > NUMBER64_MAX:
            self.fail("number64", "literal size out of range")
        end = m.end() + n
        if end > len(self.data):
            self.fail("literal", "fewer than %d octets follow" % n)
        if b"\x00" in self.data[m.end():end]:
            self.fail("CHAR8", "NUL inside a literal")
        self.pos = end
        return start, self.data[m.end():end]

    def string(self, rule="string"):
        """string = quoted / literal; returns (start, value)."""
        c = self.peek()
        if c == b'"':
            return self.quoted()
        if c == b"{":
            return self.literal()
        self.fail(rule, "expected a string, found %r" % self.peek(12))

    def nstring(self, rule="nstring"):
        if self.is_nil():
            self.pos += 3
            return None
        return self.string(rule)

    def ci_string(self, rule):
        """A string MIME compares case-insensitively: its span is kept."""
        start, value = self.string(rule)
        self.ci_spans.append((start, self.pos))
        return value

    def number(self, rule="number", limit=NUMBER_MAX):
        m = re.compile(rb"[0-9]+").match(self.data, self.pos)
        if not m:
            self.fail(rule, "expected digits, found %r" % self.peek(12))
        if int(m.group(0)) > limit:
            self.fail(rule, "%s out of range" % m.group(0).decode())
        self.pos = m.end()
        return int(m.group(0))

    # -- envelope ----------------------------------------------------------
    def address(self):
        """address = "(" addr-name SP addr-adl SP addr-mailbox SP addr-host ")" """
        self.lit(b"(", "address")
        self.nstring("addr-name")
        self.sp("address")
        self.nstring("addr-adl")
        self.sp("address")
        self.nstring("addr-mailbox")
        self.sp("address")
        self.nstring("addr-host")
        self.lit(b")", "address")

    def address_list(self, rule):
        """env-from etc. = "(" 1*address ")" / nil"""
        if self.is_nil():
            self.pos += 3
            return
        self.lit(b"(", rule)
        if self.peek() != b"(":
            self.fail(rule, "an address list holds at least one address")
        while self.peek() == b"(":
            self.address()
        self.lit(b")", rule)

    def envelope(self):
        self.lit(b"(", "envelope")
        self.nstring("env-date")
        self.sp("envelope")
        self.nstring("env-subject")
        for rule in ("env-from", "env-sender", "env-reply-to", "env-to", "env-cc", "env-bcc"):
            self.sp("envelope")
            self.address_list(rule)
        self.sp("envelope")
        self.nstring("env-in-reply-to")
        self.sp("envelope")
        self.nstring("env-message-id")
        self.lit(b")", "envelope")

    # -- body ----------------------------------------------------------------
    def body_fld_param(self):
        """"(" string SP string *(SP string SP string) ")" / nil"""
        if self.is_nil():
            self.pos += 3
            return
        self.lit(b"(", "body-fld-param")
        while True:
            name = self.ci_string("body-fld-param")
            self.sp("body-fld-param")
            if name.upper() == b"CHARSET":
                self.ci_string("body-fld-param")
            else:
                self.string("body-fld-param")
            if self.peek() == b")":
                break
            self.sp("body-fld-param")
        self.lit(b")", "body-fld-param")

    def body_fields(self):
        self.body_fld_param()
        self.sp("body-fields")
        self.nstring("body-fld-id")
        self.sp("body-fields")
        self.nstring("body-fld-desc")
        self.sp("body-fields")
        self.ci_string("body-fld-enc")
        self.sp("body-fields")
        self.number("body-fld-octets")

    def body_fld_dsp(self):
        if self.is_nil():
            self.pos += 3
            return
        self.lit(b"(", "body-fld-dsp")
        self.ci_string("body-fld-dsp")
        self.sp("body-fld-dsp")
        self.body_fld_param()
        self.lit(b")", "body-fld-dsp")

    def body_fld_lang(self):
        if self.peek() != b"(":
            self.nstring("body-fld-lang")
            return
        self.lit(b"(", "body-fld-lang")
        self.string("body-fld-lang")
        while self.peek() == b" ":
            self.pos += 1
            self.string("body-fld-lang")
        self.lit(b")", "body-fld-lang")

    def body_extension(self):
        """nstring / number / number64 / "(" body-extension *(SP ...) ")" """
        if self.peek() == b"(":
            self.pos += 1
            self.body_extension()
            while self.peek() == b" ":
                self.pos += 1
                self.body_extension()
            self.lit(b")", "body-extension")
        elif self.peek().isdigit():
            self.number("body-extension", NUMBER64_MAX)
        else:
            self.nstring("body-extension")

    def body_ext_tail(self):
        """[SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc *(SP body-extension)]]]"""
        steps = (self.body_fld_dsp, self.body_fld_lang,
                 lambda: self.nstring("body-fld-loc"))
        for step in steps:
            if self.peek() != b" ":
                return
            self.pos += 1
            step()
        while self.peek() == b" ":
            self.pos += 1
            self.body_extension()

    def no_extension(self, extensible, rule):
        if self.peek() == b" " and not extensible:
            self.fail(rule, "extension data in the non-extensible BODY form")

    def body_type_1part(self, extensible):
        mtype = self.ci_string("media-basic")
        self.sp("media-basic")
        subtype = self.ci_string("media-subtype")
        self.sp("body-type-1part")
        self.body_fields()
        if mtype.upper() == b"TEXT":
            self.sp("body-type-text")
            self.number("body-fld-lines", NUMBER64_MAX)
        elif mtype.upper() == b"MESSAGE" and subtype.upper() in (b"RFC822", b"GLOBAL"):
            self.sp("body-type-msg")
            self.envelope()
            self.sp("body-type-msg")
            self.body(extensible)
            self.sp("body-type-msg")
            self.number("body-fld-lines", NUMBER64_MAX)
        self.no_extension(extensible, "body-ext-1part")
        if self.peek() == b" ":
            self.pos += 1
            self.nstring("body-fld-md5")
            self.body_ext_tail()

    def body_type_mpart(self, extensible):
        while self.peek() == b"(":
            self.body(extensible)
        self.sp("body-type-mpart")
        self.ci_string("media-subtype")
        self.no_extension(extensible, "body-ext-mpart")
        if self.peek() == b" ":
            self.pos += 1
            self.body_fld_param()
            self.body_ext_tail()

    def body(self, extensible=True):
        """body = "(" (body-type-1part / body-type-mpart) ")" """
        self.lit(b"(", "body")
        if self.peek() == b"(":
            self.body_type_mpart(extensible)
        else:
            self.body_type_1part(extensible)
        self.lit(b")", "body")


def _whole(data, method, *args):
    p = Parser(data)
    getattr(p, method)(*args)
    if p.pos != len(data):
        p.fail(method, "trailing bytes %r" % data[p.pos:p.pos + 12])
    return p


def check_envelope(data):
    """Raises GrammarError unless `data` is exactly one envelope."""
    _whole(data, "envelope")


def check_body(data, extensible=True):
    """Raises GrammarError unless `data` is exactly one body; extensible
    False checks the BODY form (no extension data)."""
    _whole(data, "body", extensible)


def parse_body(data, extensible=True):
    """Checks like check_body; returns the (start, end) spans of the
    strings whose case MIME leaves free."""
    return _whole(data, "body", extensible).ci_spans


def skip_value(p):
    """Moves Parser p past one value of any kind: atom, number, string
    (quoted or literal), or parenthesised list."""
    c = p.peek()
    if c in (b'"', b"{"):
        p.string()
    elif c == b"(":
        p.pos += 1
        while p.peek() != b")":
            if p.peek() == b"":
                p.fail("msg-att", "unterminated list")
            if p.peek() == b" ":
                p.pos += 1
            else:
                skip_value(p)
        p.pos += 1
    else:
        m = re.compile(rb'[^ ()"{\r\n]+').match(p.data, p.pos)
        if not m:
            p.fail("msg-att", "expected a value, found %r" % p.peek(12))
        p.pos = m.end()


ITEM_NAME = re.compile(rb"[A-Za-z0-9.]+(\[[^\]]*\])?(<[0-9]+>)?")


def check_fetch(response):
    """Checks the ENVELOPE, BODY and BODYSTRUCTURE items of one FETCH
    response ("* n FETCH (...)", literals included, no final CRLF).
    Returns the names of the items checked."""
    m = FETCH_HEAD.match(response)
    if not m:
        raise GrammarError("message-data", 0, "not a FETCH response")
    p = Parser(response, m.end())
    checked = []
    while True:
        n = ITEM_NAME.match(response, p.pos)
        if not n:
            p.fail("msg-att", "expected an item name, found %r" % p.peek(12))
        name = n.group(0).upper()
        p.pos = n.end()
        p.sp("msg-att")
        if name == b"ENVELOPE":
            p.envelope()
        elif name in (b"BODY", b"BODYSTRUCTURE"):
            p.body(name == b"BODYSTRUCTURE")
        else:
            skip_value(p)
            name = None
        if name:
            checked.append(name.decode())
        if p.peek() != b" ":
            break
        p.pos += 1
    p.lit(b")", "msg-att")
    if p.pos != len(response):
        p.fail("message-data", "trailing bytes %r" % response[p.pos:p.pos + 12])
    return checked
