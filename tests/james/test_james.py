"""Apache James's IMAP protocol scripts (/work/shared/corpus/james-mpt-scripts)
run against a real server, one test per script (see README.md here).

A script listed in skip.txt is run all the same: while it fails it is
reported as skipped with the listed reason; once it passes the test fails
with "remove from skip.txt", so the list only shrinks."""
import os

import pytest

import mpt_run
import mpt_script
import mpt_setup
import mpt_skip
import mpt_wire
import targets

SCRIPTS = mpt_setup.script_names()
TIMEOUT_S = float(os.environ.get("JAMES_TIMEOUT_S",
                                 "15" if os.environ.get("RINGMAIL_SANITIZED") else "5"))


def _create_mailboxes(host, port, per_user):
    """What James's harness creates outside IMAP, created over IMAP."""
    for user, boxes in per_user.items():
        conn = mpt_wire.Connection(host, port, TIMEOUT_S)
        try:
            conn.read_response()
            lines = [("x0", "LOGIN %s %s" % (user, mpt_setup.USERS[user]))]
            lines += [("x%d" % n, 'CREATE "%s"' % b) for n, b in enumerate(boxes, 1)]
            for tag, cmd in lines + [("xz", "LOGOUT")]:
                conn.send_line("%s %s" % (tag, cmd))
                while True:
                    line = conn.read_response().lines[0]
                    if line.startswith(tag + " "):
                        break
                if tag != "xz" and not line.startswith(tag + " OK"):
                    raise mpt_run.Mismatch("James's harness creates mailbox %s for %s "
                                           "before the script; that failed: %s"
                                           % (cmd, user, line), cmd.split(" ")[0], line)
        finally:
            conn.close()


def run_script(target, name):
    """Runs one script on a fresh state; raises Mismatch/WireError."""
    script = mpt_script.load(mpt_setup.script_path(name))
    host, port = target.start_script(targets.users())
    try:
        server = mpt_run.probe(host, port, TIMEOUT_S)
        if name in mpt_setup.MAILBOXES:
            _create_mailboxes(host, port, mpt_setup.MAILBOXES[name])
        mpt_run.ScriptRun(script, host, port, server, TIMEOUT_S).run()
    finally:
        problem = target.end_script()
    if problem:
        pytest.fail("server problem after %s: %s" % (name, problem))


@pytest.fixture(scope="module")
def james_skips(james_target):
    """skip.txt applies to ringmaild only; other targets report plainly."""
    if james_target.name != "ringmaild":
        return {}
    return mpt_skip.load()


@pytest.mark.parametrize("name", SCRIPTS)
def test_script(name, james_target, james_skips):
    reason = james_skips.get(name)
    error = failure = None
    try:
        run_script(james_target, name)
    except mpt_run.Mismatch as e:
        error, failure = "%s: %s" % (name, e), e
    except mpt_wire.WireError as e:
        error = "%s: %s" % (name, e)
    if error and reason and not mpt_skip.explains(reason, failure):
        pytest.fail("%s: skip.txt says \"%s\", which does not explain this failure:\n%s"
                    % (name, reason, error), pytrace=False)
    if error and reason:
        pytest.skip(reason)
    if error:
        pytest.fail(error, pytrace=False)
    if reason:
        pytest.fail("%s passes now: remove it from tests/james/skip.txt (%s)" % (name, reason),
                    pytrace=False)


def test_skip_file_lists_real_scripts():
    """Every skip.txt entry names a script of the corpus, with a reason of
    one of the two allowed kinds (mpt_skip checks the form)."""
    skips = mpt_skip.load()
    unknown = sorted(set(skips) - set(SCRIPTS))
    assert not unknown, "skip.txt names scripts that do not exist: %s" % unknown
