#!/usr/bin/env python3
"""Writes the hand-made MIME test cases of tests/unit/test_mime.c.

Each case is a message (NAME.eml) and the exact ENVELOPE and BODYSTRUCTURE
(NAME.envelope, NAME.bodystructure) and sometimes BODY (NAME.body) that RFC
9051 §7.5.2 and the rules in index/mime.h give for it.  The expectations are
written here by hand; sizes and line counts are computed from the body
pieces each case names as a part's body (the bytes between the part's blank
line and the line end before the next boundary), never from the parser.

Run from anywhere: python3 tests/data/mime/make_cases.py
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = {}

EMPTY = '("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 0 0 NIL NIL NIL NIL)'
NOENV = '(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)'


def crlf(text):
    """Message text written with \\n, stored with CRLF."""
    return text.replace('\n', '\r\n').encode('utf-8')


def lines(body):
    """Line count as mime.h defines it: LFs, plus one for an unterminated
    last line."""
    return body.count(b'\n') + (1 if body and not body.endswith(b'\n') else 0)


def sl(body):
    """'size lines' of a text body."""
    return f'{len(body)} {lines(body)}'


def lit(s):
    b = s.encode('utf-8') if isinstance(s, str) else s
    return b'{%d}\r\n' % len(b) + b


def case(name, msg, envelope, bodystructure, body=None):
    enc = lambda x: x.encode('utf-8') if isinstance(x, str) else x
    CASES[name] = (msg, enc(envelope), enc(bodystructure), enc(body) if body is not None else None)


def addr(name, mailbox, host, adl='NIL'):
    n = 'NIL' if name is None else f'"{name}"'
    return f'({n} {adl} "{mailbox}" "{host}")'


def env(date, subject, frm, to='NIL', cc='NIL', bcc='NIL', irt='NIL', mid='NIL',
        sender=None, reply_to=None):
    q = lambda s: 'NIL' if s is None else s
    return (f'({q(date)} {q(subject)} {frm} {sender or frm} {reply_to or frm} '
            f'{to} {cc} {bcc} {irt} {mid})')


# 1. The RFC 3501 §7.4.2 example header: its ENVELOPE is printed in the RFC.
msg = crlf('From: Terry Gray <gray@cac.washington.edu>\n'
           'To: imap@cac.washington.edu\n'
           'Subject: IMAP4rev1 WG mtg summary and minutes\n'
           'Date: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\n'
           'Cc: minutes@CNRI.Reston.VA.US, John Klensin <KLENSIN@MIT.EDU>\n'
           'Message-Id: <B27397-0100000@cac.washington.edu>\n'
           'MIME-Version: 1.0\n'
           'Content-Type: TEXT/PLAIN; CHARSET=US-ASCII\n'
           '\n'
           'Hello\n'
           'World\n')
b = crlf('Hello\nWorld\n')
case('rfc3501_example', msg,
     '("Wed, 17 Jul 1996 02:23:25 -0700 (PDT)" "IMAP4rev1 WG mtg summary and minutes" '
     '(("Terry Gray" NIL "gray" "cac.washington.edu")) '
     '(("Terry Gray" NIL "gray" "cac.washington.edu")) '
     '(("Terry Gray" NIL "gray" "cac.washington.edu")) '
     '((NIL NIL "imap" "cac.washington.edu")) '
     '((NIL NIL "minutes" "CNRI.Reston.VA.US")("John Klensin" NIL "KLENSIN" "MIT.EDU")) '
     'NIL NIL "<B27397-0100000@cac.washington.edu>")',
     f'("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" {sl(b)} NIL NIL NIL NIL)',
     f'("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" {sl(b)})')

# 2. No Content-Type at all: text/plain; charset=us-ascii (RFC 2045 §5.2).
#    The last line has no line end: it still counts as a line.
body = 'line one\nline two\nline three'
msg = crlf('From: alice@example.org\nTo: bob@example.net\nSubject: plain\n'
           'Date: Mon, 7 Feb 1994 21:52:25 -0800\nMessage-ID: <1@example.org>\n\n' + body)
b = crlf(body)
alice = '((NIL NIL "alice" "example.org"))'
case('no_content_type', msg,
     env('"Mon, 7 Feb 1994 21:52:25 -0800"', '"plain"', alice,
         to='((NIL NIL "bob" "example.net"))', mid='"<1@example.org>"'),
     f'("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" {len(b)} 3 NIL NIL NIL NIL)')

# 3. multipart/mixed with preamble, epilogue, and a base64 attachment with
#    id, description and disposition.  The CRLF before each boundary line
#    belongs to the boundary, so "See attached." is 13 octets.
msg = crlf('From: a@example.com\nTo: b@example.com\nSubject: report\n'
           'Date: Tue, 1 Mar 2022 10:00:00 +0000\nMessage-ID: <m3@example.com>\n'
           'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="XyZ"\n\n'
           'This is the preamble.\n'
           '--XyZ\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 7bit\n\n'
           'See attached.\n'
           '--XyZ\nContent-Type: application/pdf; name="report.pdf"\n'
           'Content-Transfer-Encoding: base64\nContent-ID: <part2@example.com>\n'
           'Content-Description: Quarterly report\n'
           'Content-Disposition: attachment; filename="report.pdf"; size=12\n\n'
           'JVBERi0xLjQK\nAAAA\n'
           '--XyZ--\nThis is the epilogue.\n')
p1, p2 = b'See attached.', b'JVBERi0xLjQK\r\nAAAA'
a = '((NIL NIL "a" "example.com"))'
case('multipart_mixed', msg,
     env('"Tue, 1 Mar 2022 10:00:00 +0000"', '"report"', a,
         to='((NIL NIL "b" "example.com"))', mid='"<m3@example.com>"'),
     f'(("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "7BIT" {sl(p1)} NIL NIL NIL NIL)'
     f'("APPLICATION" "PDF" ("NAME" "report.pdf") "<part2@example.com>" "Quarterly report" '
     f'"BASE64" {len(p2)} NIL ("ATTACHMENT" ("FILENAME" "report.pdf" "SIZE" "12")) NIL NIL) '
     '"MIXED" ("BOUNDARY" "XyZ") NIL NIL NIL)',
     f'(("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "7BIT" {sl(p1)})'
     f'("APPLICATION" "PDF" ("NAME" "report.pdf") "<part2@example.com>" "Quarterly report" '
     f'"BASE64" {len(p2)}) "MIXED")')

# 4. Nested multipart: mixed(alternative(plain, html), image).  The empty
#    line after "--inner--" is the line end owned by "--outer".
msg = crlf('From: a@example.com\nSubject: nested\n'
           'Content-Type: multipart/mixed; boundary=outer\n\n'
           '--outer\nContent-Type: multipart/alternative; boundary=inner\n\n'
           '--inner\nContent-Type: text/plain; charset=us-ascii\n\nplain text\n'
           '--inner\nContent-Type: text/html; charset=us-ascii\n'
           'Content-Transfer-Encoding: quoted-printable\n\n<p>html=20text</p>\n'
           '--inner--\n\n'
           '--outer\nContent-Type: image/png\nContent-Transfer-Encoding: base64\n'
           'Content-Disposition: inline\n\niVBORw0KGgo=\n--outer--\n')
case('nested_multipart', msg,
     env('NIL', '"nested"', a),
     '((("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 10 1 NIL NIL NIL NIL)'
     '("TEXT" "HTML" ("CHARSET" "us-ascii") NIL NIL "QUOTED-PRINTABLE" 18 1 NIL NIL NIL NIL) '
     '"ALTERNATIVE" ("BOUNDARY" "inner") NIL NIL NIL)'
     '("IMAGE" "PNG" NIL NIL NIL "BASE64" 12 NIL ("INLINE" NIL) NIL NIL) '
     '"MIXED" ("BOUNDARY" "outer") NIL NIL NIL)',
     '((("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 10 1)'
     '("TEXT" "HTML" ("CHARSET" "us-ascii") NIL NIL "QUOTED-PRINTABLE" 18 1) "ALTERNATIVE")'
     '("IMAGE" "PNG" NIL NIL NIL "BASE64" 12) "MIXED")')

# 5. message/rfc822 inside multipart/mixed; the encapsulated message is a
#    multipart/alternative.  Part 2's body is the whole inner message up to
#    "--alt--" (the CRLF after it belongs to "--fwd--").
inner = ('From: Inner Sender <inner@example.org>\nTo: outer@example.com\nSubject: hello\n'
         'Date: Fri, 2 Apr 2021 08:00:00 +0200\nMessage-ID: <inner@example.org>\n'
         'Content-Type: multipart/alternative; boundary="alt"\n\n'
         '--alt\nContent-Type: text/plain; charset=utf-8\n\nhi there\n'
         '--alt\nContent-Type: text/html; charset=utf-8\n\n<b>hi there</b>\n--alt--')
msg = crlf('From: outer@example.com\nTo: someone@example.com\nSubject: Fwd: hello\n'
           'Content-Type: multipart/mixed; boundary="fwd"\n\n'
           '--fwd\nContent-Type: text/plain\n\nSee below.\n'
           '--fwd\nContent-Type: message/rfc822\n\n' + inner + '\n--fwd--\n')
ib = crlf(inner)
inner_env = env('"Fri, 2 Apr 2021 08:00:00 +0200"', '"hello"',
                '(("Inner Sender" NIL "inner" "example.org"))',
                to='((NIL NIL "outer" "example.com"))', mid='"<inner@example.org>"')
case('message_rfc822', msg,
     env('NIL', '"Fwd: hello"', '((NIL NIL "outer" "example.com"))',
         to='((NIL NIL "someone" "example.com"))'),
     '(("TEXT" "PLAIN" NIL NIL NIL "7BIT" 10 1 NIL NIL NIL NIL)'
     f'("MESSAGE" "RFC822" NIL NIL NIL "7BIT" {len(ib)} {inner_env} '
     '(("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "7BIT" 8 1 NIL NIL NIL NIL)'
     '("TEXT" "HTML" ("CHARSET" "utf-8") NIL NIL "7BIT" 15 1 NIL NIL NIL NIL) '
     f'"ALTERNATIVE" ("BOUNDARY" "alt") NIL NIL NIL) {lines(ib)} NIL NIL NIL NIL) '
     '"MIXED" ("BOUNDARY" "fwd") NIL NIL NIL)',
     '(("TEXT" "PLAIN" NIL NIL NIL "7BIT" 10 1)'
     f'("MESSAGE" "RFC822" NIL NIL NIL "7BIT" {len(ib)} {inner_env} '
     '(("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "7BIT" 8 1)'
     f'("TEXT" "HTML" ("CHARSET" "utf-8") NIL NIL "7BIT" 15 1) "ALTERNATIVE") {lines(ib)}) '
     '"MIXED")')

# 6. RFC 2231: the RFC's own continuation examples, an extended value in
#    UTF-8 replacing its plain fallback, ISO-8859-1 in a disposition.
msg = crlf('From: a@example.com\nSubject: 2231\n'
           'Content-Type: multipart/mixed; boundary=b\n\n'
           '--b\nContent-Type: application/x-stuff;\n'
           " title*0*=us-ascii'en'This%20is%20even%20more%20;\n"
           ' title*1*=%2A%2A%2Afun%2A%2A%2A%20;\n'
           ' title*2="isn\'t it!"\n\ndata\n'
           '--b\nContent-Type: text/plain; name="fallback.txt"; name*=utf-8\'\'r%C3%A9sum%C3%A9.txt\n'
           "Content-Disposition: attachment; filename*=iso-8859-1''caf%E9.txt;\n size=4\n\nbody\n"
           '--b\nContent-Type: text/plain; charset="us-ascii"; URL*0="ftp://";\n'
           ' URL*1="cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar"\n\nx\n--b--\n')
resume, cafe = lit('résumé.txt').decode(), lit('café.txt').decode()
case('rfc2231_params', msg, env('NIL', '"2231"', a),
     '(("APPLICATION" "X-STUFF" ("TITLE" "This is even more ***fun*** isn\'t it!") '
     'NIL NIL "7BIT" 4 NIL NIL NIL NIL)'
     f'("TEXT" "PLAIN" ("NAME" {resume}) NIL NIL "7BIT" 4 1 NIL '
     f'("ATTACHMENT" ("FILENAME" {cafe} "SIZE" "4")) NIL NIL)'
     '("TEXT" "PLAIN" ("CHARSET" "us-ascii" "URL" '
     '"ftp://cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar") NIL NIL "7BIT" 1 1 NIL NIL NIL NIL) '
     '"MIXED" ("BOUNDARY" "b") NIL NIL NIL)')

# 7. RFC 2047 encoded words stay encoded in the ENVELOPE (RFC 2047's own
#    examples of names); the encoded word is one atom.
msg = crlf('From: =?ISO-8859-1?Q?Andr=E9?= Pirard <PIRARD@vm1.ulg.ac.be>\n'
           'To: =?US-ASCII?Q?Keith_Moore?= <moore@cs.utk.edu>\n'
           'Subject: =?UTF-8?B?SGVsbG8gV29ybGQ=?= =?UTF-8?Q?_again?=\n'
           'Date: Thu, 1 Jan 2015 00:00:00 +0000\n\nbody\n')
case('encoded_words', msg,
     env('"Thu, 1 Jan 2015 00:00:00 +0000"', '"=?UTF-8?B?SGVsbG8gV29ybGQ=?= =?UTF-8?Q?_again?="',
         '(("=?ISO-8859-1?Q?Andr=E9?= Pirard" NIL "PIRARD" "vm1.ulg.ac.be"))',
         to='(("=?US-ASCII?Q?Keith_Moore?=" NIL "moore" "cs.utk.edu"))'),
     '("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 6 1 NIL NIL NIL NIL)')

# 8. No close delimiter: the last part runs to the end of the message,
#    final CRLF included (no boundary claims it).
msg = crlf('Subject: unterminated\nContent-Type: multipart/mixed; boundary=zz\n\n'
           '--zz\nContent-Type: text/plain\n\nfirst\n'
           '--zz\nContent-Type: text/plain\n\nsecond part runs to the end\n')
p2 = crlf('second part runs to the end\n')
case('missing_close_boundary', msg, env('NIL', '"unterminated"', 'NIL'),
     '(("TEXT" "PLAIN" NIL NIL NIL "7BIT" 5 1 NIL NIL NIL NIL)'
     f'("TEXT" "PLAIN" NIL NIL NIL "7BIT" {sl(p2)} NIL NIL NIL NIL) '
     '"MIXED" ("BOUNDARY" "zz") NIL NIL NIL)')

# 9. The boundary never occurs: a multipart with no parts renders the one
#    empty text/plain part the grammar needs.
msg = crlf('Subject: lost boundary\nContent-Type: multipart/mixed; boundary="nothere"\n\n'
           '--other\nContent-Type: text/plain\n\ntext\n--other--\n')
case('boundary_never_found', msg, env('NIL', '"lost boundary"', 'NIL'),
     f'({EMPTY} "MIXED" ("BOUNDARY" "nothere") NIL NIL NIL)',
     '(("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 0 0) "MIXED")')

# 10. Boundary text inside a line, with a suffix, or after a space is not a
#     boundary; transport padding after one is allowed, also after "--".
body1 = 'a line with --sep inside\n--separator is not the boundary\n --sep with a leading space'
msg = crlf('Subject: tricky boundaries\nContent-Type: multipart/mixed; boundary="sep"\n\n'
           '--sep\nContent-Type: text/plain\n\n' + body1 + '\n'
           '--sep\t\nContent-Type: text/plain\n\ntail\n--sep--  \n')
p1 = crlf(body1)
case('boundary_inside_line', msg, env('NIL', '"tricky boundaries"', 'NIL'),
     f'(("TEXT" "PLAIN" NIL NIL NIL "7BIT" {sl(p1)} NIL NIL NIL NIL)'
     '("TEXT" "PLAIN" NIL NIL NIL "7BIT" 4 1 NIL NIL NIL NIL) "MIXED" ("BOUNDARY" "sep") NIL NIL NIL)')

# 11. Preamble and epilogue are nobody's part; a body ending in an empty
#     line keeps one CRLF (the second belongs to the boundary).
msg = crlf('Subject: pre and post\nContent-Type: multipart/mixed; boundary=pp\n\n'
           'preamble line 1\npreamble line 2\n--pp\nContent-Type: text/plain\n\npara\n\n'
           '--pp--\nepilogue 1\n--pp\nepilogue 2 (a boundary after the close is text)\n')
p1 = crlf('para\n')
case('preamble_epilogue', msg, env('NIL', '"pre and post"', 'NIL'),
     f'(("TEXT" "PLAIN" NIL NIL NIL "7BIT" {sl(p1)} NIL NIL NIL NIL) "MIXED" ("BOUNDARY" "pp") NIL NIL NIL)')

# 12. Empty parts: a part whose header is just the blank line, a part whose
#     first line is already the next boundary (empty header), and a part
#     with a header and an empty body.
msg = crlf('Subject: empty parts\nContent-Type: multipart/mixed; boundary=e\n\n'
           '--e\n\n--e\n--e\nContent-Type: text/html\n\n--e--\n')
default0 = '("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 0 0 NIL NIL NIL NIL)'
case('empty_parts', msg, env('NIL', '"empty parts"', 'NIL'),
     f'({default0}{default0}("TEXT" "HTML" NIL NIL NIL "7BIT" 0 0 NIL NIL NIL NIL) '
     '"MIXED" ("BOUNDARY" "e") NIL NIL NIL)')

# 13. multipart/digest: a part without Content-Type is message/rfc822
#     (RFC 2046 §5.1.5); one with an explicit type keeps it.
digest1 = 'From: m1@example.com\nSubject: first\n\none'
msg = crlf('From: list@example.com\nSubject: digest\n'
           'Content-Type: multipart/digest; boundary="d"\n\n'
           '--d\n\n' + digest1 + '\n--d\nContent-Type: text/plain\n\nnot a message\n--d--\n')
d1 = crlf(digest1)
m1_env = env('NIL', '"first"', '((NIL NIL "m1" "example.com"))')
case('digest_default_type', msg, env('NIL', '"digest"', '((NIL NIL "list" "example.com"))'),
     f'(("MESSAGE" "RFC822" NIL NIL NIL "7BIT" {len(d1)} {m1_env} '
     f'("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 3 1 NIL NIL NIL NIL) {lines(d1)} '
     'NIL NIL NIL NIL)("TEXT" "PLAIN" NIL NIL NIL "7BIT" 13 1 NIL NIL NIL NIL) '
     '"DIGEST" ("BOUNDARY" "d") NIL NIL NIL)')

# 14. 8-bit (UTF-8, RFC 6532) header bytes: such strings are literals.
msg = crlf('From: Jörg Müller <joerg@example.de>\nSubject: Grüße aus Köln\n'
           'Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\nGrüße\n')
b = 'Grüße\r\n'.encode()
case('header_8bit', msg,
     env('NIL', lit('Grüße aus Köln').decode(),
         f'(({lit("Jörg Müller").decode()} NIL "joerg" "example.de"))'),
     f'("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "8BIT" {sl(b)} NIL NIL NIL NIL)')

# 15. NUL bytes: a literal cannot carry NUL (CHAR8 is %x01-ff), so a NUL in
#     a header string becomes U+FFFD; in a body it is just an octet.
msg = b'Subject: nul\x00here\r\nContent-Type: text/plain\r\n\r\na\x00b\r\n'
case('nul_bytes', msg, env('NIL', lit('nul\ufffdhere').decode(), 'NIL'),
     '("TEXT" "PLAIN" NIL NIL NIL "7BIT" 5 1 NIL NIL NIL NIL)')

# 16. Bare LF line ends: every size counts one octet per line end.
msg = (b'From: lf@example.com\nSubject: bare LF\n'
       b'Content-Type: multipart/alternative; boundary=lf\n\n'
       b'--lf\nContent-Type: text/plain\n\none\ntwo\n'
       b'--lf\nContent-Type: text/html\n\n<i>one two</i>\n--lf--\n')
case('bare_lf', msg, env('NIL', '"bare LF"', '((NIL NIL "lf" "example.com"))'),
     '(("TEXT" "PLAIN" NIL NIL NIL "7BIT" 7 2 NIL NIL NIL NIL)'
     '("TEXT" "HTML" NIL NIL NIL "7BIT" 14 1 NIL NIL NIL NIL) '
     '"ALTERNATIVE" ("BOUNDARY" "lf") NIL NIL NIL)')

# 17. Folded fields: unfolding removes the CRLF and keeps the white space
#     after it (a tab stays a tab).
msg = crlf('Subject: a very long subject line\n that continues here\n\tand here\n'
           'To: first@example.com,\n second@example.com\n'
           'Date: Sat, 13 Mar 2021\n 10:11:12 +0100\n'
           'Content-Type: text/plain;\n charset="iso-8859-1";\n\tformat=flowed\n\nx\n')
case('folded_headers', msg,
     env('"Sat, 13 Mar 2021 10:11:12 +0100"',
         '"a very long subject line that continues here\tand here"', 'NIL',
         to='((NIL NIL "first" "example.com")(NIL NIL "second" "example.com"))'),
     '("TEXT" "PLAIN" ("CHARSET" "iso-8859-1" "FORMAT" "flowed") NIL NIL "7BIT" 3 1 NIL NIL NIL NIL)')

# 18. Groups (RFC 5322 Appendix A.1.3): start marker with the group name in
#     the mailbox field and NIL host, members, end marker of four NILs.
msg = crlf('From: Pete <pete@silly.example>\n'
           'To: A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;\n'
           'Cc: Undisclosed recipients:;\n'
           'Date: Thu, 13 Feb 1969 23:32:54 -0330\nMessage-ID: <testabcd.1234@silly.example>\n\n'
           'Testing.\n')
case('group_address', msg,
     env('"Thu, 13 Feb 1969 23:32:54 -0330"', 'NIL', '(("Pete" NIL "pete" "silly.example"))',
         to='((NIL NIL "A Group" NIL)("Ed Jones" NIL "c" "a.test")(NIL NIL "joe" "where.test")'
            '("John" NIL "jdoe" "one.test")(NIL NIL NIL NIL))',
         cc='((NIL NIL "Undisclosed recipients" NIL)(NIL NIL NIL NIL))',
         mid='"<testabcd.1234@silly.example>"'),
     '("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 10 1 NIL NIL NIL NIL)')

# 19. No From: from, and so sender and reply-to, are NIL.
msg = crlf('To: x@example.com\nSubject: no from\n\nbody\n')
case('missing_from', msg,
     env('NIL', '"no from"', 'NIL', to='((NIL NIL "x" "example.com"))'),
     '("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 6 1 NIL NIL NIL NIL)')

# 20. Comments and CFWS in addresses, an obsolete date kept as written, a
#     quoted display name with escapes; an address whose only name is a
#     trailing comment takes that as its name.
msg = crlf('Date: 17 Jul 96 02:23 PDT\n'
           'From: (comment) user (another) @ (c) example . com (Real Name)\n'
           'Reply-To: "Quoted \\"Name\\"" <reply@example.com>\n'
           'Subject: (not a comment) x\n\n')
case('comments_and_obsolete', msg,
     env('"17 Jul 96 02:23 PDT"', '"(not a comment) x"',
         '(("Real Name" NIL "user" "example.com"))',
         reply_to='(("Quoted \\"Name\\"" NIL "reply" "example.com"))'),
     '("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 0 0 NIL NIL NIL NIL)')

# 21. A quoted local part keeps its quotes (the client rebuilds
#     mailbox@host); obsolete source routes; a domain literal; "<>"; a word
#     with no domain gets host "" (NIL would mean a group).
msg = crlf('From: "john doe"@example.com\n'
           'Sender: Routed <@relay1.example,@relay2.example:user@final.example>\n'
           'Reply-To: user@[192.0.2.1]\n'
           'To: "Doe, John" <jd@example.com>, <>, nodomain\n\nb\n')
case('route_and_quoted_local', msg,
     env('NIL', 'NIL', '((NIL NIL "\\"john doe\\"" "example.com"))',
         sender='(("Routed" "@relay1.example,@relay2.example" "user" "final.example"))',
         reply_to='((NIL NIL "user" "[192.0.2.1]"))',
         to='(("Doe, John" NIL "jd" "example.com")(NIL NIL "" "")(NIL NIL "nodomain" ""))'),
     '("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 3 1 NIL NIL NIL NIL)')

# 22. Nesting past RM_MIME_DEPTH_MAX (50): multiparts at depth 0..49 have a
#     part; the one at depth 50 is not expanded (its body is kept as is and
#     it shows the one empty part).  60 levels are written.
LEVELS = 60
parts = ['Subject: deep\nContent-Type: multipart/mixed; boundary=b0\n\n']
for i in range(LEVELS):
    parts.append(f'--b{i}\nContent-Type: multipart/mixed; boundary=b{i + 1}\n\n')
parts.append(f'--b{LEVELS}\nContent-Type: text/plain\n\nleaf\n')
for i in range(LEVELS, -1, -1):
    parts.append(f'--b{i}--\n')
msg = crlf(''.join(parts))
# The root (depth 0) declares b0 and the part at depth d declares b{d}.
bs = f'({EMPTY} "MIXED" ("BOUNDARY" "b50") NIL NIL NIL)'
for depth in range(49, -1, -1):
    bs = f'({bs} "MIXED" ("BOUNDARY" "b{depth}") NIL NIL NIL)'
case('deep_nesting', msg, env('NIL', '"deep"', 'NIL'), bs)

# 23. More parts than RM_MIME_PARTS_MAX (5000): the root plus 4999 parts
#     fill the budget; at the next boundary the rest becomes the multipart's
#     epilogue.
N = 5100
msg = crlf('Subject: many\nContent-Type: multipart/mixed; boundary=m\n\n' +
           ''.join('--m\n\nx\n' for _ in range(N)) + '--m--\n')
one = '("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 1 1 NIL NIL NIL NIL)'
case('many_parts', msg, env('NIL', '"many"', 'NIL'),
     '(' + one * 4999 + ' "MIXED" ("BOUNDARY" "m") NIL NIL NIL)')

# 24. A header with no blank line and no body.
msg = crlf('Subject: header only\nFrom: a@example.com\n')
case('header_only', msg, env('NIL', '"header only"', a),
     '("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 0 0 NIL NIL NIL NIL)')

# 25. No header: the message starts with its blank line.
msg = crlf('\nJust a body.\n')
case('no_header', msg, NOENV,
     '("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 14 1 NIL NIL NIL NIL)')

# 26. One byte: a header line without a colon (kept in the header block,
#     not a field) and nothing else.
case('one_byte', b'x', NOENV,
     '("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 0 0 NIL NIL NIL NIL)')

# 27. CR without LF is an ordinary byte: it does not end a line, and a
#     header string holding it is a literal.
body = b'line\rstill the same line\r\nsecond\r'
msg = b'Subject: one\rtwo\r\nContent-Type: text/plain\r\n\r\n' + body
case('cr_without_lf', msg, env('NIL', lit(b'one\rtwo').decode(), 'NIL'),
     f'("TEXT" "PLAIN" NIL NIL NIL "7BIT" {len(body)} 2 NIL NIL NIL NIL)')

# 28. multipart without a boundary parameter: no parts can be found.
msg = crlf('Subject: no boundary\nContent-Type: multipart/mixed\n\nsome text\n')
case('multipart_no_boundary', msg, env('NIL', '"no boundary"', 'NIL'),
     f'({EMPTY} "MIXED" NIL NIL NIL NIL)')

# 29. message/global (RFC 6532) is expanded like message/rfc822; its UTF-8
#     header strings are literals.
inner = 'From: Ünïcödé <u@exämple.com>\nSubject: ÜTF-8 subject\n\nbody\n'
msg = crlf('From: a@example.com\nSubject: global\nContent-Type: message/global\n\n' + inner)
ib = crlf(inner)
g_env = env('NIL', lit('ÜTF-8 subject').decode(),
            f'(({lit("Ünïcödé").decode()} NIL "u" {lit("exämple.com").decode()}))')
case('message_global', msg, env('NIL', '"global"', a),
     f'("MESSAGE" "GLOBAL" NIL NIL NIL "7BIT" {len(ib)} {g_env} '
     f'("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 6 1 NIL NIL NIL NIL) {lines(ib)} '
     'NIL NIL NIL NIL)')

# 30. A base64-encoded message/rfc822 is not a message as stored: not
#     expanded, an envelope of NILs and the empty body.
msg = crlf('Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\nRnJvbTogYUBiLmM=\n')
case('encoded_message', msg, NOENV,
     f'("MESSAGE" "RFC822" NIL NIL NIL "BASE64" 18 {NOENV} {EMPTY} 1 NIL NIL NIL NIL)',
     f'("MESSAGE" "RFC822" NIL NIL NIL "BASE64" 18 {NOENV} '
     '("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 0 0) 1)')

# 31. Every extension field: MD5, disposition with parameters, languages
#     (a list, comment dropped), location; a comment after a parameter
#     value (RFC 2045's own example).
msg = crlf('Content-Type: text/plain; charset=us-ascii (Plain text)\n'
           'Content-Language: en, de-CH (Swiss German)\n'
           'Content-Location: http://example.com/doc/part.txt\n'
           'Content-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==\n'
           'Content-Disposition: inline; filename=notes.txt;\n'
           ' creation-date="Wed, 12 Feb 1997 16:29:51 -0500"\n'
           'Content-ID: <id1@example.com>\nContent-Description: Some notes\n\nnotes\n')
case('extension_fields', msg, NOENV,
     '("TEXT" "PLAIN" ("CHARSET" "us-ascii") "<id1@example.com>" "Some notes" "7BIT" 7 1 '
     '"Q2hlY2sgSW50ZWdyaXR5IQ==" ("INLINE" ("FILENAME" "notes.txt" "CREATION-DATE" '
     '"Wed, 12 Feb 1997 16:29:51 -0500")) ("en" "de-CH") "http://example.com/doc/part.txt")',
     '("TEXT" "PLAIN" ("CHARSET" "us-ascii") "<id1@example.com>" "Some notes" "7BIT" 7 1)')

# 32. Encodings: an unknown one is returned upper-cased as a string; a
#     comment before a known one is skipped.
msg = crlf('Content-Type: multipart/mixed; boundary=u\n\n'
           '--u\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: x-uuencode\n\n'
           'begin 644 f\n`\nend\n'
           '--u\nContent-Type: text/plain\nContent-Transfer-Encoding: (old mailer) BASE64\n\naGk=\n--u--\n')
p1 = crlf('begin 644 f\n`\nend')
case('encodings', msg, NOENV,
     f'(("APPLICATION" "OCTET-STREAM" NIL NIL NIL "X-UUENCODE" {len(p1)} NIL NIL NIL NIL)'
     '("TEXT" "PLAIN" NIL NIL NIL "BASE64" 4 1 NIL NIL NIL NIL) "MIXED" ("BOUNDARY" "u") NIL NIL NIL)')

# 33. A Content-Type without "type/subtype" is invalid: text/plain;
#     charset=us-ascii is assumed (RFC 2045 §5.2), its parameters dropped.
msg = crlf('Content-Type: text; charset=utf-8\n\nabc\n')
case('invalid_content_type', msg, NOENV,
     '("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 5 1 NIL NIL NIL NIL)')

# 34. An inner multipart that never closes is closed by the outer boundary.
msg = crlf('Content-Type: multipart/mixed; boundary=o\n\n'
           '--o\nContent-Type: multipart/alternative; boundary=i\n\n'
           '--i\nContent-Type: text/plain\n\ninner text\n'
           '--o\nContent-Type: text/plain\n\nsecond outer part\n--o--\n')
case('outer_closes_inner', msg, NOENV,
     '((("TEXT" "PLAIN" NIL NIL NIL "7BIT" 10 1 NIL NIL NIL NIL) "ALTERNATIVE" ("BOUNDARY" "i") '
     'NIL NIL NIL)("TEXT" "PLAIN" NIL NIL NIL "7BIT" 17 1 NIL NIL NIL NIL) '
     '"MIXED" ("BOUNDARY" "o") NIL NIL NIL)')

# 35. Field names and type tokens in any case: names match case-blind, the
#     type is upper-cased, the parameter value kept.
msg = crlf('content-type: Text/HTML; Charset=UTF-8\n'
           'CONTENT-TRANSFER-ENCODING: Quoted-Printable\nsUbJeCt: case\n\n<p>x</p>\n')
case('mixed_case_fields', msg, env('NIL', '"case"', 'NIL'),
     '("TEXT" "HTML" ("CHARSET" "UTF-8") NIL NIL "QUOTED-PRINTABLE" 10 1 NIL NIL NIL NIL)')

# 36. Present but empty: date, subject and in-reply-to are "", address
#     fields NIL, Sender and Reply-To fall back to From.
msg = crlf('From: f@example.com\nSender:\nReply-To:  \nTo:\nSubject:\nIn-Reply-To:\n'
           'Message-ID: <x@y>\nDate:\n\nb\n')
case('empty_fields', msg,
     env('""', '""', '((NIL NIL "f" "example.com"))', irt='""', mid='"<x@y>"'),
     '("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 3 1 NIL NIL NIL NIL)')

# 37. A part header ended by the next boundary (no blank line): empty body.
msg = crlf('Content-Type: multipart/mixed; boundary=h\n\n'
           '--h\nContent-Type: text/plain\n--h\nContent-Type: text/plain\n\nok\n--h--\n')
case('header_ends_at_boundary', msg, NOENV,
     '(("TEXT" "PLAIN" NIL NIL NIL "7BIT" 0 0 NIL NIL NIL NIL)'
     '("TEXT" "PLAIN" NIL NIL NIL "7BIT" 2 1 NIL NIL NIL NIL) "MIXED" ("BOUNDARY" "h") NIL NIL NIL)')

# 38. Repeated fields and parameters: the first one counts.
msg = crlf('Subject: first\nSubject: second\nFrom: one@example.com\nFrom: two@example.com\n'
           'Content-Type: text/plain; charset=utf-8; charset=latin1\n'
           'Content-Type: text/html\n\nz\n')
case('repeated_fields', msg, env('NIL', '"first"', '((NIL NIL "one" "example.com"))'),
     '("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "7BIT" 3 1 NIL NIL NIL NIL)')

# 39. A message whose whole body is message/rfc822 (top level): the
#     encapsulated message is BODY[1], its body BODY[1.1].
inner = 'Subject: inside\n\ninner body\n'
msg = crlf('Subject: outside\nContent-Type: message/rfc822\n\n' + inner)
ib = crlf(inner)
inside_env = env('NIL', '"inside"', 'NIL')
case('toplevel_message', msg, env('NIL', '"outside"', 'NIL'),
     f'("MESSAGE" "RFC822" NIL NIL NIL "7BIT" {len(ib)} {inside_env} '
     f'("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 12 1 NIL NIL NIL NIL) {lines(ib)} '
     'NIL NIL NIL NIL)')


def main():
    for name, (msg, envelope, bs, body) in CASES.items():
        with open(os.path.join(HERE, name + '.eml'), 'wb') as f:
            f.write(msg)
        with open(os.path.join(HERE, name + '.envelope'), 'wb') as f:
            f.write(envelope + b'\n')
        with open(os.path.join(HERE, name + '.bodystructure'), 'wb') as f:
            f.write(bs + b'\n')
        if body is not None:
            with open(os.path.join(HERE, name + '.body'), 'wb') as f:
                f.write(body + b'\n')
    with open(os.path.join(HERE, 'CASES'), 'w') as f:
        f.write(''.join(n + '\n' for n in CASES))
    print(f'{len(CASES)} cases')


if __name__ == '__main__':
    main()
