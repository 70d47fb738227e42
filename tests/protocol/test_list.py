"""LIST (RFC 9051 §6.3.9, LIST-EXTENDED RFC 5258, CHILDREN RFC 3348,
SPECIAL-USE RFC 6154, LIST-STATUS RFC 5819), LSUB (RFC 3501 §6.3.9) and
NAMESPACE (RFC 2342) over real sockets, with exact responses.

Most tests build the hierarchy of RFC 5258 §5 for a fresh user and check
the examples of that section, adapted to ringmail: every response carries
\\HasChildren or \\HasNoChildren, existing mailboxes their special use, and
no \\Marked."""
import re

import pytest

from test_mailbox import DEFAULTS, add_user, append, listing, login, parse_list

HNC, HC = "\\HasNoChildren", "\\HasChildren"
NONEX, NOSEL, SUB = "\\NonExistent", "\\Noselect", "\\Subscribed"


def make_tree(c, names, subscribed=(), deleted=()):
    for name in names:
        c.ok('CREATE "%s"' % name)
    for name in deleted:
        c.ok('DELETE "%s"' % name)
    for name in subscribed:
        c.ok('SUBSCRIBE "%s"' % name)


FRUIT = ["Fruit/Apple", "Fruit/Banana", "Tofu", "Vegetable/Broccoli", "Vegetable/Corn"]


@pytest.fixture
def fruit(server, user):
    """RFC 5258 example 1's hierarchy; Fruit/Banana, Fruit/Peach (which
    does not exist), Vegetable and Vegetable/Broccoli subscribed; INBOX
    stays subscribed, the other defaults are unsubscribed."""
    c = login(server, user)
    make_tree(c, FRUIT, subscribed=["Fruit/Banana", "Fruit/Peach", "Vegetable",
                                    "Vegetable/Broccoli"])
    for name in DEFAULTS:
        if name != "INBOX":
            c.ok("UNSUBSCRIBE %s" % name)
    return c


def only(got, *names):
    return {n: got[n] for n in names}


def test_basic_list_star_and_percent(fruit):
    c = fruit
    got = listing(c, '"" *')
    assert got == dict(DEFAULTS, **{
        "Fruit": {HC}, "Fruit/Apple": {HNC}, "Fruit/Banana": {HNC}, "Tofu": {HNC},
        "Vegetable": {HC}, "Vegetable/Broccoli": {HNC}, "Vegetable/Corn": {HNC}})
    got = listing(c, '"" %')
    assert got == dict(DEFAULTS, **{"Fruit": {HC}, "Tofu": {HNC}, "Vegetable": {HC}})
    assert listing(c, '"" Fruit/%') == {"Fruit/Apple": {HNC}, "Fruit/Banana": {HNC}}
    assert listing(c, '"" %/%') == {"Fruit/Apple": {HNC}, "Fruit/Banana": {HNC},
                                    "Vegetable/Broccoli": {HNC}, "Vegetable/Corn": {HNC}}
    assert listing(c, '"" *an*') == {"Fruit/Banana": {HNC}}
    assert listing(c, '"" Tofu') == {"Tofu": {HNC}}
    assert listing(c, '"" tofu') == {}           # case-sensitive except INBOX
    assert listing(c, '"" nothing*') == {}


def test_exact_response_lines(fruit):
    r = fruit.ok('LIST "" Fruit*')
    assert r.untagged == [b'* LIST (\\HasChildren) "/" Fruit',
                          b'* LIST (\\HasNoChildren) "/" Fruit/Apple',
                          b'* LIST (\\HasNoChildren) "/" Fruit/Banana']
    assert r.text == "LIST completed"
    r = fruit.ok('LIST "" Sent')
    assert r.untagged == [b'* LIST (\\HasNoChildren \\Sent) "/" Sent']


def test_delimiter_query_and_namespace(server, user):
    c = login(server, user)
    r = c.ok('LIST "" ""')
    assert r.untagged == [b'* LIST (\\Noselect) "/" ""']
    r = c.ok('LIST "Fruit/Apple" ""')
    assert r.untagged == [b'* LIST (\\Noselect) "/" ""']
    r = c.ok('LSUB "" ""')
    assert r.untagged == [b'* LSUB (\\Noselect) "/" ""']
    r = c.ok("NAMESPACE")
    assert r.untagged == [b'* NAMESPACE (("" "/")) NIL NIL']
    assert c.cmd("NAMESPACE x").status == "BAD"
    c.close()


def test_reference_argument(fruit):
    c = fruit
    # "archive/" + "%" is "archive/%" (RFC 9051 Table 1); names come back
    # whole, prefixed by the reference.
    assert listing(c, 'Fruit/ %') == {"Fruit/Apple": {HNC}, "Fruit/Banana": {HNC}}
    assert listing(c, '"Vegetable/" "B*"') == {"Vegetable/Broccoli": {HNC}}
    assert listing(c, 'Fru it*') == {"Fruit": {HC}, "Fruit/Apple": {HNC},
                                     "Fruit/Banana": {HNC}}
    assert listing(c, 'nosuch/ *') == {}


def test_inbox_is_case_insensitive_in_patterns(server, user):
    c = login(server, user)
    c.ok("CREATE INBOX/Sub")
    for pat in ("INBOX", "inbox", "InBoX", "in%", "I*X"):
        got = listing(c, '"" %s' % pat)
        assert got == {"INBOX": {HC}}, pat
    assert listing(c, '"" inbox/%') == {"INBOX/Sub": {HNC}}
    assert listing(c, 'inbox/ *') == {"INBOX/Sub": {HNC}}
    # Only the name INBOX is case-insensitive, not every pattern letter.
    assert "INBOX" not in listing(c, '"" *o*')
    c.close()


def test_nonexistent_superiors(server, user):
    c = login(server, user)
    make_tree(c, ["music/rock", "also/jazz/cool", "top"], deleted=["music", "also", "also/jazz"])
    # "*" lists the inferiors, which match: no entry for the superiors.
    got = listing(c, '"" *')
    assert only(got, "music/rock", "also/jazz/cool") == {"music/rock": {HNC},
                                                          "also/jazz/cool": {HNC}}
    assert "music" not in got and "also" not in got
    # "%": the superiors, \Noselect for the basic syntax ...
    got = listing(c, '"" %')
    assert only(got, "music", "also", "top") == {"music": {NOSEL, HC}, "also": {NOSEL, HC},
                                                 "top": {HNC}}
    assert listing(c, '"" also/%') == {"also/jazz": {NOSEL, HC}}
    # ... \NonExistent with the extended syntax (RFC 5258 example 10).
    got = listing(c, '() "" %')
    assert only(got, "music", "also") == {"music": {NONEX, HC}, "also": {NONEX, HC}}
    # A pattern that matches the inferior too: the superior is not needed.
    assert listing(c, '"" (music music/rock)') == {"music/rock": {HNC}}
    c.close()


def test_multiple_patterns(fruit):
    c = fruit
    assert listing(c, '"" (Tofu Fruit)') == {"Tofu": {HNC}, "Fruit": {HC}}
    # A name matching several patterns is listed once.
    assert listing(c, '"" (Fruit F* *t)') == {"Fruit": {HC}, "Fruit/Apple": {HNC},
                                            "Fruit/Banana": {HNC}, "Sent": {HNC, "\\Sent"}}
    # Empty patterns are ignored in the extended syntax (RFC 5258 §3).
    assert listing(c, '"" ("" Tofu)') == {"Tofu": {HNC}}
    assert listing(c, '() "" ""') == {}
    assert listing(c, '"" ("")') == {}
    # Quoted and literal patterns.
    assert listing(c, '"" ("Tofu" "Veg*")') == {"Tofu": {HNC}, "Vegetable": {HC},
                                               "Vegetable/Broccoli": {HNC},
                                               "Vegetable/Corn": {HNC}}
    tag = c.next_tag()
    c.send('%s LIST "" (Tofu {4}\r\n' % tag)
    assert c.read_line().startswith(b"+")
    c.send("Frui)\r\n")
    r = c.read_response(tag)
    assert r.status == "OK" and {parse_list(u)[1] for u in r.untagged} == {"Tofu"}


def test_pattern_count_limit(server, user):
    c = login(server, user)
    pats = " ".join("p%d" % i for i in range(31)) + " Sent"
    assert set(listing(c, '"" (%s)' % pats)) == {"Sent"}       # 32: RM_LIST_PATTERNS_MAX
    r = c.cmd('LIST "" (%s x)' % pats)
    assert r.status == "BAD", r
    c.close()


def test_undecodable_patterns_are_ignored(server, user):
    c = login(server, user)
    for pat in ("&Jjo*", "&AGE-*", '"&"'):
        r = c.cmd('LIST "" %s' % pat)
        assert r.status == "OK" and r.untagged == [], (pat, r)
    c.ok("CREATE &ZeVnLIqe-/x")
    assert listing(c, '"" &ZeVnLIqe-*') == {"&ZeVnLIqe-": {HC}, "&ZeVnLIqe-/x": {HNC}}
    assert listing(c, '"" "*&ZeVn-*"') == {}
    c.close()


def test_subscribed_selection(fruit):
    c = fruit
    # RFC 5258 example 2 (INBOX is subscribed, as a new user's is).
    got = listing(c, '(SUBSCRIBED) "" *')
    assert got == {"INBOX": {HNC, SUB}, "Fruit/Banana": {HNC, SUB},
                   "Fruit/Peach": {NONEX, HNC, SUB}, "Vegetable": {HC, SUB},
                   "Vegetable/Broccoli": {HNC, SUB}}
    # Without RECURSIVEMATCH, unsubscribed superiors are not listed (7A).
    assert listing(c, '(SUBSCRIBED) "" %') == {"INBOX": {HNC, SUB}, "Vegetable": {HC, SUB}}
    # REMOTE changes nothing here (no remote mailboxes): example 5.
    assert listing(c, '(REMOTE SUBSCRIBED) "" *') == got
    # Example 6: return option SUBSCRIBED on the whole list.
    got = listing(c, '(REMOTE) "" * RETURN (SUBSCRIBED)')
    assert only(got, "INBOX", "Fruit", "Fruit/Apple", "Fruit/Banana", "Tofu", "Vegetable",
                "Vegetable/Broccoli", "Vegetable/Corn", "Sent") == {
        "INBOX": {HNC, SUB}, "Fruit": {HC}, "Fruit/Apple": {HNC}, "Fruit/Banana": {HNC, SUB},
        "Tofu": {HNC}, "Vegetable": {HC, SUB}, "Vegetable/Broccoli": {HNC, SUB},
        "Vegetable/Corn": {HNC}, "Sent": {HNC, "\\Sent"}}
    assert "Fruit/Peach" not in got


def test_recursivematch(fruit):
    c = fruit
    r = c.ok('LIST (SUBSCRIBED RECURSIVEMATCH) "" %')
    assert set(r.untagged) == {
        b'* LIST (\\HasNoChildren \\Subscribed) "/" INBOX',
        b'* LIST (\\HasChildren) "/" Fruit ("CHILDINFO" ("SUBSCRIBED"))',
        b'* LIST (\\HasChildren \\Subscribed) "/" Vegetable ("CHILDINFO" ("SUBSCRIBED"))'}
    r = c.ok('LIST (RECURSIVEMATCH SUBSCRIBED REMOTE) "" Fruit RETURN (CHILDREN)')
    assert r.untagged == [b'* LIST (\\HasChildren) "/" Fruit ("CHILDINFO" ("SUBSCRIBED"))']
    for bad in ('(RECURSIVEMATCH) "" %', '(REMOTE RECURSIVEMATCH) "" %',
                '(RECURSIVEMATCH SPECIAL-USE) "" %'):
        r = c.cmd("LIST " + bad)
        assert r.status == "BAD", (bad, r)


def test_recursivematch_example_8(server, user):
    """RFC 5258 example 8: CHILDINFO whether or not the children match."""
    c = login(server, user)
    make_tree(c, ["foo2/bar1", "foo2/bar2", "baz2/bar2", "baz2/bar22", "baz2/bar222",
                  "eps2/mamba", "qux2/bar2"], deleted=["qux2"],
              subscribed=["foo2/bar1", "foo2/bar2", "baz2/bar2", "baz2/bar22", "baz2/bar222",
                          "eps2", "eps2/mamba", "qux2/bar2"])
    r = c.ok('LIST (RECURSIVEMATCH SUBSCRIBED) "" *2')
    got = {}
    for u in r.untagged:
        attrs, name, ext = parse_list(u)
        got[name] = (attrs, ext)
    ci = b'("CHILDINFO" ("SUBSCRIBED"))'
    assert got == {
        "foo2": ({HC}, ci),
        "foo2/bar2": ({HNC, SUB}, b""),
        "baz2/bar2": ({HNC, SUB}, b""),
        "baz2/bar22": ({HNC, SUB}, b""),
        "baz2/bar222": ({HNC, SUB}, b""),
        "eps2": ({HC, SUB}, ci),
        "qux2/bar2": ({HNC, SUB}, b""),
    }
    c.close()


def test_children_option_and_special_use(fruit):
    c = fruit
    got = listing(c, '() "" % RETURN (CHILDREN)')
    assert got == dict(DEFAULTS, **{"Fruit": {HC}, "Tofu": {HNC}, "Vegetable": {HC}})
    assert listing(c, '"" % RETURN (SPECIAL-USE)') == got
    # Selection SPECIAL-USE: only mailboxes with a use (RFC 6154 §5.2).
    c.ok("CREATE Fruit/Bin (USE (\\Trash))")
    got = listing(c, '(SPECIAL-USE) "" *')
    assert got == {name: attrs for name, attrs in DEFAULTS.items() if name != "INBOX"} | {
        "Fruit/Bin": {HNC, "\\Trash"}}
    # The superior Fruit has no use and is not listed even for "%".
    assert "Fruit" not in listing(c, '(SPECIAL-USE) "" %')
    got = listing(c, '(SPECIAL-USE SUBSCRIBED) "" *')
    assert got == {}          # no subscribed mailbox has a use here
    c.ok("SUBSCRIBE Sent")
    assert listing(c, '(SPECIAL-USE SUBSCRIBED) "" *') == {"Sent": {HNC, "\\Sent", SUB}}


def test_options_syntax(fruit):
    c = fruit
    for bad in ('(FOO) "" %', '"" % RETURN (FOO)', '"" % RETURN CHILDREN', '"" % BACK ()',
                '"" % RETURN (STATUS)', '"" % RETURN (STATUS ())',
                '"" % RETURN (STATUS (MESSAGES BOGUS))', '(SUBSCRIBED "" %', '"" (% ',
                '"" (%) extra', '"" ()', '(SUBSCRIBED)"" %'):
        r = c.cmd("LIST " + bad)
        assert r.status == "BAD", (bad, r)
    # Options are case-insensitive and may repeat.
    assert listing(c, '(subscribed Subscribed) "" Veg*') == {
        "Vegetable": {HC, SUB}, "Vegetable/Broccoli": {HNC, SUB}}
    assert listing(c, '"" Tofu RETURN ()') == {"Tofu": {HNC}}
    # LSUB has no extended form.
    assert c.cmd('LSUB () "" %').status == "BAD"
    assert c.cmd('LSUB "" (%)').status == "BAD"


def test_list_status(fruit):
    c = fruit
    append(c, "Tofu")
    append(c, "Tofu", flags="\\Seen")
    r = c.ok('LIST "" % RETURN (STATUS (MESSAGES UNSEEN))')
    lines = r.untagged
    # Every LIST of a selectable mailbox is followed by its STATUS.
    for i, u in enumerate(lines):
        if u.startswith(b"* LIST"):
            name = parse_list(u)[1]
            assert lines[i + 1].startswith(b"* STATUS %s " % name.encode()), lines
    assert b"* STATUS Tofu (MESSAGES 2 UNSEEN 1)" in lines
    assert b"* STATUS Fruit (MESSAGES 0 UNSEEN 0)" in lines
    assert lines.index(b"* STATUS Tofu (MESSAGES 2 UNSEEN 1)") == \
        lines.index(b'* LIST (\\HasNoChildren) "/" Tofu') + 1
    # No STATUS for names that are not mailboxes or not selected by the
    # criteria (RFC 5819 §3: "foo" with CHILDINFO only).
    c.ok("DELETE Fruit")
    r = c.ok('LIST "" Fruit RETURN (STATUS (MESSAGES))')
    assert r.untagged == [b'* LIST (\\NonExistent \\HasChildren) "/" Fruit']
    r = c.ok('LIST (SUBSCRIBED RECURSIVEMATCH) "" % RETURN (STATUS (MESSAGES))')
    assert r.untagged == [
        b'* LIST (\\NonExistent \\HasChildren) "/" Fruit ("CHILDINFO" ("SUBSCRIBED"))',
        b'* LIST (\\HasNoChildren \\Subscribed) "/" INBOX',
        b'* STATUS INBOX (MESSAGES 0)',
        b'* LIST (\\HasChildren \\Subscribed) "/" Vegetable ("CHILDINFO" ("SUBSCRIBED"))',
        b'* STATUS Vegetable (MESSAGES 0)']
    r = c.ok('LIST (SUBSCRIBED) "" Fruit/* RETURN (STATUS (MESSAGES) CHILDREN)')
    assert set(r.untagged) == {b'* LIST (\\HasNoChildren \\Subscribed) "/" Fruit/Banana',
                               b'* STATUS Fruit/Banana (MESSAGES 0)',
                               b'* LIST (\\NonExistent \\HasNoChildren \\Subscribed) "/" '
                               b'Fruit/Peach'}


def test_lsub(fruit):
    c = fruit
    got = listing(c, '"" *', verb="LSUB")
    assert got == {"INBOX": set(), "Fruit/Banana": set(), "Fruit/Peach": set(),
                   "Vegetable": set(), "Vegetable/Broccoli": set()}
    # RFC 3501 §6.3.9: "%" shows an unsubscribed superior as \Noselect.
    got = listing(c, '"" %', verb="LSUB")
    assert got == {"INBOX": set(), "Fruit": {NOSEL}, "Vegetable": set()}
    assert listing(c, '"" Fruit/%', verb="LSUB") == {"Fruit/Banana": set(),
                                                     "Fruit/Peach": set()}
    assert listing(c, 'Vegetable/ %', verb="LSUB") == {"Vegetable/Broccoli": set()}
    c.ok("SUBSCRIBE #news.comp.mail.mime")
    c.ok("SUBSCRIBE #news.comp.mail.misc")
    assert listing(c, '"#news." "comp.mail.*"', verb="LSUB") == {
        "#news.comp.mail.mime": set(), "#news.comp.mail.misc": set()}


def test_names_on_the_wire(server, user):
    c = login(server, user)
    make_tree(c, ["with space/x", "quo\\\"te", "&ZeVnLIqe-/&AOk-t&AOk-"])
    r = c.ok('LIST "" *')
    lines = set(r.untagged)
    assert b'* LIST (\\HasChildren) "/" "with space"' in lines
    assert b'* LIST (\\HasNoChildren) "/" "with space/x"' in lines
    assert b'* LIST (\\HasNoChildren) "/" "quo\\"te"' in lines
    assert b'* LIST (\\HasChildren) "/" &ZeVnLIqe-' in lines
    assert b'* LIST (\\HasNoChildren) "/" &ZeVnLIqe-/&AOk-t&AOk-' in lines
    # A pattern in modified UTF-7 matches decoded names: "%t%" is "été"'s t.
    assert set(listing(c, '"" &ZeVnLIqe-/%t%')) == {"&ZeVnLIqe-/&AOk-t&AOk-"}
    c.close()


def test_list_in_selected_state_and_other_user(server, user):
    c = login(server, user)
    c.ok("CREATE mine")
    c.ok("SELECT INBOX")
    assert "mine" in listing(c)
    other = login(server, add_user(server))
    assert listing(other) == DEFAULTS          # users never see each other's names
    c.close()
    other.close()


def test_large_hierarchy(server, user):
    c = login(server, user)
    # 300 mailboxes in 30 branches, created pipelined.
    names = ["b%02d/m%02d" % (i, j) for i in range(30) for j in range(10)]
    tags = []
    for name in names:
        tag = c.next_tag()
        tags.append(tag)
        c.send("%s CREATE %s\r\n" % (tag, name))
    for tag in tags:
        assert c.read_response(tag).status == "OK"
    got = listing(c)
    assert len(got) == len(DEFAULTS) + 330
    assert all(got["b%02d" % i] == {HC} for i in range(30))
    assert listing(c, '"" b07/%') == {"b07/m%02d" % j: {HNC} for j in range(10)}
    r = c.ok('LIST "" * RETURN (STATUS (MESSAGES))')
    assert len(r.untagged) == 2 * (len(DEFAULTS) + 330)
    assert all(re.match(rb"\* (LIST|STATUS) ", u) for u in r.untagged)
    c.close()
