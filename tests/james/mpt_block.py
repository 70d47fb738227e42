"""Unordered blocks (SUB { } and rule set-order): the lines read must
pair one to one with the block's script lines, in any order.  Also runs of
EXPUNGE responses (rule expunge-run).

Unlike James's harness, which gives each server line to the first script
line it matches, the pairing here is a bipartite matching, so a broad line
such as ".*" never steals the only line a narrow one could match.  Script
lines that rule extension-code/highestmodseq make optional may stay unpaired.
"""
import itertools
import re

import mpt_rules
import mpt_wire


def _augment(i, adj, owner, seen):
    for j in adj[i]:
        if j in seen:
            continue
        seen.add(j)
        if owner.get(j) is None or _augment(owner[j], adj, owner, seen):
            owner[j] = i
            return True
    return False


def _saturates(adj, n_left, allowed):
    """True when every left node can be paired with a distinct right node
    from `allowed`."""
    owner = {}
    for i in range(n_left):
        sub = {k: [j for j in v if j in allowed] for k, v in adj.items()}
        if not _augment(i, sub, owner, set()):
            return False
    return True


def _complete(adj, n_got, required, optional):
    """The optional lines used when the lines read so far pair exactly with
    all required lines plus some optional ones; None if they do not."""
    for r in range(len(optional) + 1):
        for subset in itertools.combinations(optional, r):
            allowed = set(required) | set(subset)
            if len(allowed) == n_got and _saturates(adj, n_got, allowed):
                return set(subset)
    return None


def expect_block(run, session, origin, block):
    """Reads the lines of one unordered block for `session` of `run`."""
    exps = block.lines
    optional = [j for j, e in enumerate(exps) if mpt_rules.optional_reason(e.regex, session.ctx)]
    required = [j for j in range(len(exps)) if j not in optional]
    # a response may match any one line of the block, or (with literals)
    # several lines in the order written
    candidates = [[e.regex] for e in exps] + [[e.regex for e in exps]]
    got, adj = [], {}
    while True:
        used = _complete(adj, len(got), required, optional)
        if used is not None:
            break
        if len(got) >= len(exps):
            run.fail(session, origin, block.lineno, _show(exps), got[-1][0],
                     "lines do not pair with the block")
        try:
            line, first = run.peek(session, candidates)
        except mpt_wire.WireError as e:
            run.fail(session, origin, block.lineno, _show(exps), "<%s>" % e, "no line")
        adj[len(got)] = [j for j, e in enumerate(exps)
                         if mpt_rules.compare_line(e.regex, line, first, session.ctx) is None]
        if not adj[len(got)] and run.pass_over(session, line, first):
            continue
        if not _saturates(adj, len(got) + 1, set(range(len(exps)))):
            run.fail(session, origin, block.lineno, _show(exps), line,
                     "matches no remaining line of the unordered block")
        got.append(run.pop(session))
    _absorb_optional(run, session, exps, [j for j in optional if j not in used], candidates)


def _absorb_optional(run, session, exps, left, candidates):
    """After the block, optional lines may still follow: take those."""
    while left:
        try:
            line, first = run.peek(session, candidates)
        except mpt_wire.WireError:
            return
        hit = [j for j in left
               if mpt_rules.compare_line(exps[j].regex, line, first, session.ctx) is None]
        if not hit:
            return
        run.pop(session)
        left.remove(hit[0])


def _show(exps):
    return "one of:\n" + "\n".join("      " + e.regex for e in exps)


EXPUNGE_RE = re.compile(r"\* (\d+) EXPUNGE")


def removed(numbers):
    """The original sequence numbers a run of EXPUNGE responses removes
    (each one renumbers the messages after it, RFC 9051 §7.5.1)."""
    alive = list(range(1, max(numbers) + len(numbers) + 1))
    out = []
    for n in numbers:
        if not 0 < n <= len(alive):
            return None
        out.append(alive.pop(n - 1))
    return sorted(out)


def expect_expunges(run, session, origin, el):
    """Reads as many EXPUNGE responses as the script has, in any order
    that removes the same messages."""
    got = []
    expected = " ".join("* %d EXPUNGE" % n for n in el.numbers)
    while len(got) < len(el.numbers):
        try:
            line, first = run.peek(session, [["\\* \\d+ EXPUNGE"]])
        except mpt_wire.WireError as e:
            run.fail(session, origin, el.lineno, expected, "<%s>" % e, "no line")
        m = first and EXPUNGE_RE.fullmatch(line)
        if not m:
            if run.pass_over(session, line, first):
                continue
            run.fail(session, origin, el.lineno, expected, line, "expected an EXPUNGE")
        run.pop(session)
        got.append(int(m.group(1)))
    if removed(got) != removed(el.numbers):
        run.fail(session, origin, el.lineno, expected,
                 " ".join("* %d EXPUNGE" % n for n in got),
                 "removes other messages (rule expunge-run)")
