"""Fixtures for the James script runner: the target server (ringmaild by
default, Dovecot with JAMES_TARGET=dovecot, its hierarchy delimiter set by
JAMES_DOVECOT_SEPARATOR, default '.') and the session-end count line
"james: N passed, N skipped, N failed" that scripts/test shows."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import targets  # noqa: E402

COUNTS = {"passed": 0, "skipped": 0, "failed": 0}
SCRIPT_TEST = "test_james.py::test_script["


def target_name():
    name = os.environ.get("JAMES_TARGET", "ringmaild")
    if name not in ("ringmaild", "dovecot"):
        raise pytest.UsageError("JAMES_TARGET must be ringmaild or dovecot, not %r" % name)
    return name


@pytest.fixture(scope="module")
def james_target(tmp_path_factory, cert):
    """The server under test; each script asks it for a fresh state."""
    if target_name() == "dovecot":
        if not os.path.exists("/usr/sbin/dovecot"):
            pytest.skip("JAMES_TARGET=dovecot needs Debian's dovecot-imapd")
        target = targets.DovecotTarget(os.environ.get("JAMES_DOVECOT_SEPARATOR", "."))
    else:
        target = targets.RingmailTarget(str(tmp_path_factory.mktemp("james")), cert)
    yield target
    target.close()


def pytest_runtest_logreport(report):
    if SCRIPT_TEST not in report.nodeid:
        return
    if report.failed:
        COUNTS["failed"] += 1
    elif report.skipped:
        COUNTS["skipped"] += 1
    elif report.when == "call":
        COUNTS["passed"] += 1


def pytest_terminal_summary(terminalreporter):
    if sum(COUNTS.values()):
        terminalreporter.write_line("james (%s): %d passed, %d skipped, %d failed"
                                    % (target_name(), COUNTS["passed"], COUNTS["skipped"],
                                       COUNTS["failed"]))
