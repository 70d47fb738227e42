"""pytest fixtures: real ringmaild processes (see rmtest.py)."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rmtest  # noqa: E402


@pytest.fixture(scope="session")
def cert(tmp_path_factory):
    return rmtest.make_cert(str(tmp_path_factory.mktemp("tls")))


DEFAULT_USERS = {
    "alice": "{PLAIN}wonderland",
    "bob": None,       # SHA512-CRYPT, filled at start
    "carol": "{PLAIN}c0mplex \"pass\"",
}


def default_users():
    users = dict(DEFAULT_USERS)
    users["bob"] = rmtest.sha512_crypt("builder")
    return users


@pytest.fixture(scope="module")
def server(tmp_path_factory, cert):
    """One server shared by a test module."""
    srv = rmtest.Server(str(tmp_path_factory.mktemp("srv")), users=default_users(), cert=cert)
    srv.start()
    yield srv
    rc = srv.stop()
    srv.check_log_clean()
    assert rc == 0, "ringmaild exit status %s\n%s" % (rc, srv.log()[-4000:])


@pytest.fixture
def make_server(tmp_path, cert):
    """Factory for servers with their own options, stopped after the test."""
    made = []

    def make(opts=None, users=None, start=True):
        srv = rmtest.Server(str(tmp_path / ("srv%d" % len(made))),
                            users=users if users is not None else default_users(),
                            opts=opts, cert=cert)
        made.append(srv)
        if start:
            srv.start()
        return srv
    yield make
    for srv in made:
        if srv.proc and srv.proc.poll() is None:
            srv.stop()
        srv.check_log_clean()


@pytest.fixture
def user(server):
    """A fresh user (password "pw") on the module's server: tests never
    depend on each other's mailboxes."""
    return server.add_user()
