"""Logs: one key=value line per event; commands with session, user, name
and duration at log_level=debug, nothing of the kind at info; passwords
never appear, in any form a client sent them."""
import base64
import re

PASSWORD = "Pa55-w0rd-only-in-this-test"


def users():
    return {"dave": "{PLAIN}" + PASSWORD}


def test_debug_command_lines_and_no_passwords(make_server):
    srv = make_server(users=users(), opts={"log_level": "debug"})
    c = srv.login("dave", PASSWORD)
    c.ok("SELECT INBOX")
    c.ok("LOGOUT")
    c2 = srv.connect()
    c2.greeting()
    blob = base64.b64encode(b"\0dave\0" + PASSWORD.encode()).decode()
    c2.ok("AUTHENTICATE PLAIN " + blob)
    c2.cmd("LOGOUT")
    c3 = srv.connect()
    c3.greeting()
    assert c3.cmd("LOGIN dave %s-wrong" % PASSWORD).status == "NO"
    srv.stop()
    log = srv.log()
    for line in log.splitlines():
        assert re.match(r"^ts=\S+ level=(debug|info|notice|warn|error|crit) event=\S+( \S+=(\"[^\"]*\"|\S*))*$",
                        line), line
    cmds = [l for l in log.splitlines() if "event=command " in l]
    select = [l for l in cmds if "cmd=SELECT" in l][0]
    assert re.search(r"session=\d+ user=dave cmd=SELECT status=OK ms=\d+$", select)
    assert any("cmd=LOGIN status=NO" in l and "user=-" in l for l in cmds)
    assert PASSWORD not in log
    assert blob not in log and blob[:20] not in log


def test_info_level_has_no_command_lines(make_server):
    srv = make_server(users=users())
    c = srv.login("dave", PASSWORD)
    c.ok("NOOP")
    c.ok("LOGOUT")
    srv.stop()
    assert "event=command " not in srv.log() and "event=login " in srv.log()
