"""tests/james/skip.txt: the scripts that do not pass against ringmaild yet,
each with its reason.  Format, one script a line:

    ScriptName: needs <extension or command>, not implemented yet
    ScriptName: James-specific: "<the script's line>" [context] (<why; RFC section>)

'#' starts a comment line.  The list only shrinks: a listed script that
passes is reported as a failure until its line is removed.
"""
import os
import re

SKIP_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "skip.txt")
# the second kind quotes the script's line and gives the reason with the RFC
# section (or the DESIGN section) in parentheses at the end
REASON_KINDS = re.compile(r'^(needs \S.*, not implemented yet|'
                          r'James-specific: ".+" .*\(.*(RFC \d+|DESIGN) .*\))$')


def load(path=SKIP_FILE):
    """{script name: reason}; raises ValueError on a malformed line."""
    skips = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            name, sep, reason = line.partition(": ")
            if not sep or not REASON_KINDS.match(reason.strip()):
                raise ValueError("%s:%d: not 'Name: needs ..., not implemented yet' or "
                                 "'Name: James-specific: \"line\" (why)': %r" % (path, n, line))
            if name in skips:
                raise ValueError("%s:%d: %s listed twice" % (path, n, name))
            skips[name] = reason.strip()
    return skips


# Extensions named in "needs ..." reasons, with the commands whose failure
# they explain (a failure at another command means the reason is stale).
EXTENSIONS = {
    "ACL": {"MYRIGHTS", "GETACL", "SETACL", "DELETEACL", "LISTRIGHTS", "CAPABILITY"},
    "QUOTA": {"GETQUOTA", "GETQUOTAROOT", "SETQUOTA", "CAPABILITY"},
    "METADATA": {"GETMETADATA", "SETMETADATA", "CAPABILITY"},
    "OBJECTID": {"CAPABILITY", "FETCH", "UID FETCH", "STATUS", "SEARCH", "UID SEARCH"},
    "SAVEDATE": {"CAPABILITY", "FETCH", "UID FETCH", "SEARCH", "UID SEARCH"},
    "PARTIAL": {"FETCH", "UID FETCH", "SEARCH", "UID SEARCH"},
    "LIST-MYRIGHTS": {"LIST"},
    "STATUS=SIZE": {"STATUS"},
    "IMAP4rev2": {"STATUS"},
    "CONDSTORE": {"CAPABILITY", "ENABLE", "SELECT", "EXAMINE", "FETCH", "UID FETCH", "STORE",
                  "UID STORE", "SEARCH", "UID SEARCH", "STATUS"},
}
NEEDS = re.compile(r"^needs (.*), not implemented yet$")


def needs(reason):
    """The commands a "needs ..." reason explains a failure at (None for
    reasons of the other kind)."""
    m = NEEDS.match(reason)
    if not m:
        return None
    out = set()
    for item in m.group(1).split(", "):
        word = item.split(" (")[0].strip()
        out |= EXTENSIONS.get(word, {word.upper()})
    return out


def explains(reason, failure):
    """Whether a skip reason accounts for a failure (an mpt_run.Mismatch,
    or None for a lost connection).  A James-specific reason is taken as
    written.  A "needs" reason must name the failing command, and the
    server must have refused that command (tagged BAD or NO) or left the
    extension out of its CAPABILITY: any other failure means the command
    exists now and the reason is stale."""
    allowed = needs(reason)
    if allowed is None:
        return True
    if failure is None:
        return False
    base = failure.command[4:] if failure.command.startswith("UID ") else failure.command
    if failure.command not in allowed and base not in allowed:
        return False
    if failure.command == "CAPABILITY":
        return True
    return re.match(r"\S+ (BAD|NO)\b", failure.actual or "") is not None
