"""Unit tests of tests/grammar_check.py: the valid samples are RFC 9051's
own examples (§7.5.2 BODYSTRUCTURE, §8 the FETCH 12 FULL exchange); each
invalid sample breaks one rule of §9 and must be refused with that rule."""
import pytest

import grammar_check as g

# RFC 9051 §7.5.2, BODYSTRUCTURE
SIMPLE = b'("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 2279 48)'
MIXED = (b'(("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 1152 23)'
         b'("TEXT" "PLAIN" ("CHARSET" "US-ASCII" "NAME" "cc.diff")'
         b' "<960723163407.20117h@cac.washington.edu>" "Compiler diff"'
         b' "BASE64" 4554 73) "MIXED")')
# RFC 9051 §8, "a003 fetch 12 full" (line breaks of the RFC's layout removed)
ENVELOPE = (b'("Wed, 17 Jul 1996 02:23:25 -0700 (PDT)"'
            b' "IMAP4rev2 WG mtg summary and minutes"'
            b' (("Terry Gray" NIL "gray" "cac.washington.edu"))'
            b' (("Terry Gray" NIL "gray" "cac.washington.edu"))'
            b' (("Terry Gray" NIL "gray" "cac.washington.edu"))'
            b' ((NIL NIL "imap" "cac.washington.edu"))'
            b' ((NIL NIL "minutes" "CNRI.Reston.VA.US")'
            b'("John Klensin" NIL "KLENSIN" "MIT.EDU")) NIL NIL'
            b' "<B27397-0100000@cac.washington.ed>")')
FULL = (b'* 12 FETCH (FLAGS (\\Seen) INTERNALDATE "17-Jul-1996 02:44:25 -0700"'
        b' RFC822.SIZE 4286 ENVELOPE ' + ENVELOPE +
        b' BODY ("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 3028 92))')

EXT_1PART = (b'("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 2279 48'
             b' NIL ("inline" ("filename" "a.txt")) ("en" "fr") "http://x/a")')
EXT_MPART = MIXED[:-1] + b' ("BOUNDARY" "xyz") NIL NIL NIL (1 ("x" 2)))'
MESSAGE = (b'("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 500 ' + ENVELOPE + b' '
           + SIMPLE + b' 12)')
LITERALS = (b'({4}\r\nTEXT "PLAIN" ("CHARSET" {8}\r\nUS-ASCII) NIL'
            b' {5}\r\na"b\\c "7BIT" 9 1)')
UTF8 = '("TEXT" "PLAIN" ("NAME" "caf\u00e9.txt") NIL NIL "8BIT" 9 1)'.encode()


@pytest.mark.parametrize("body", [SIMPLE, MIXED, EXT_1PART, EXT_MPART, MESSAGE, LITERALS,
                                  UTF8])
def test_valid_bodies(body):
    g.check_body(body)


def test_body_form_without_extension_data():
    g.check_body(SIMPLE, extensible=False)
    g.check_body(MIXED, extensible=False)


def test_envelope_from_rfc_example():
    g.check_envelope(ENVELOPE)
    g.check_envelope(b"(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)")


def test_fetch_full_from_rfc_example():
    assert g.check_fetch(FULL) == ["ENVELOPE", "BODY"]


def test_fetch_with_literal_section_and_structure():
    resp = (b'* 1 FETCH (UID 4 BODY[HEADER.FIELDS (DATE FROM)] {5}\r\nab\r\nc'
            b' BODYSTRUCTURE ' + EXT_MPART + b')')
    assert g.check_fetch(resp) == ["BODYSTRUCTURE"]


BAD_BODIES = [
    # (sample, rule it breaks)
    (SIMPLE.replace(b" 48)", b")"), "body-type-text"),            # TEXT without lines
    (SIMPLE.replace(b'"7BIT"', b"NIL"), "body-fld-enc"),            # encoding is a string
    (SIMPLE.replace(b'("CHARSET" "US-ASCII")', b'("CHARSET")'), "body-fld-param"),
    (SIMPLE.replace(b'("CHARSET" "US-ASCII")', b"()"), "body-fld-param"),
    (SIMPLE.replace(b" 2279 ", b" 4294967296 "), "body-fld-octets"),  # > 32 bits
    (SIMPLE.replace(b" 2279 ", b" -1 "), "body-fld-octets"),
    (SIMPLE[:-1], "body"),                                           # unclosed
    (SIMPLE.replace(b'"PLAIN"', b"PLAIN"), "media-subtype"),         # atom, not string
    (SIMPLE.replace(b'"US-ASCII"', b'"US\rASCII"'), "QUOTED-CHAR"),
    (SIMPLE.replace(b'"US-ASCII"', b'"US\xffASCII"'), "QUOTED-CHAR"),  # not UTF-8
    (SIMPLE.replace(b'"US-ASCII"', b'"US\\-ASCII"'), "QUOTED-CHAR"),  # bad escape
    (MIXED.replace(b' "MIXED")', b")"), "body-type-mpart"),           # no subtype
    (MIXED.replace(b')("TEXT"', b') ("TEXT"'), "media-subtype"),      # SP between parts
    (b'("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 500)', "body-type-msg"),
    (MESSAGE.replace(ENVELOPE, b"(NIL NIL)"), "envelope"),           # 2 of 10 fields
    (b'({40}\r\nTEXT" "PLAIN" NIL NIL NIL "7BIT" 9 1)', "literal"),   # count too large
    (b'({4}\r\nTE\x00T "PLAIN" NIL NIL NIL "7BIT" 9 1)', "CHAR8"),
    (SIMPLE + b" ", "body"),                                         # trailing bytes
]


def assert_refused(check, sample, rule, **kw):
    """check(sample) raises GrammarError naming `rule`."""
    with pytest.raises(g.GrammarError) as e:
        check(sample, **kw)
    assert e.value.rule == rule, str(e.value)


@pytest.mark.parametrize("sample,rule", BAD_BODIES)
def test_invalid_bodies(sample, rule):
    assert_refused(g.check_body, sample, rule)


def test_extension_data_refused_in_body_form():
    assert_refused(g.check_body, EXT_1PART, "body-ext-1part", extensible=False)
    assert_refused(g.check_body, EXT_MPART, "body-ext-mpart", extensible=False)


BAD_ENVELOPES = [
    (ENVELOPE.replace(b' NIL NIL "<B27', b' NIL "<B27'), "envelope"),   # 9 fields
    (ENVELOPE.replace(b"((NIL NIL \"imap\"", b"(()(NIL NIL \"imap\""), "addr-name"),
    (ENVELOPE.replace(b' (("Terry Gray" NIL "gray" "cac.washington.edu"))', b" ()", 1),
     "env-from"),                                                      # empty list
    (ENVELOPE.replace(b'("John Klensin" NIL "KLENSIN" "MIT.EDU")',
                      b'("John Klensin" NIL "KLENSIN")'), "address"),   # 3 fields
    (ENVELOPE.replace(b'"IMAP4rev2 WG mtg summary and minutes"', b"subject"), "env-subject"),
]


@pytest.mark.parametrize("sample,rule", BAD_ENVELOPES)
def test_invalid_envelopes(sample, rule):
    assert_refused(g.check_envelope, sample, rule)


def test_fetch_refuses_bad_items():
    with pytest.raises(g.GrammarError):
        g.check_fetch(FULL.replace(b" 3028 92))", b" 3028))"))
    with pytest.raises(g.GrammarError):
        g.check_fetch(b"* 0 FETCH (UID 1)")                  # nz-number
    with pytest.raises(g.GrammarError):
        g.check_fetch(b"* 1 FETCH (ENVELOPE (NIL))")


def test_case_free_spans():
    spans = g.parse_body(SIMPLE)
    words = [SIMPLE[a:b] for a, b in spans]
    assert words == [b'"TEXT"', b'"PLAIN"', b'"CHARSET"', b'"US-ASCII"', b'"7BIT"']
    spans = g.parse_body(EXT_1PART)
    assert b'"inline"' in [EXT_1PART[a:b] for a, b in spans]
    assert b'"a.txt"' not in [EXT_1PART[a:b] for a, b in spans]
