"""Fixtures for the real-client tests: one server per module, helpers to
load messages over IMAP."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import rmtest  # noqa: E402


def make_message(i, size=600):
    body = ("Line %d of a test message.\r\n" % i) * max(1, size // 30)
    return ("From: Sender %d <sender%d@example.org>\r\n"
            "To: alice@example.net\r\n"
            "Subject: Message number %d\r\n"
            "Date: Mon, 23 Nov 2026 12:%02d:00 +0000\r\n"
            "Message-ID: <msg%d@example.org>\r\n"
            "\r\n%s" % (i, i, i, i % 60, i, body)).encode()


def load_messages(srv, user, password, mailbox, msgs, batch=100):
    c = srv.connect()
    c.greeting()
    c.ok("LOGIN %s %s" % (user, password))
    for start in range(0, len(msgs), batch):
        tag = c.next_tag()
        parts = [b" {%d+}\r\n" % len(m) + m for m in msgs[start:start + batch]]
        c.send(("%s APPEND %s" % (tag, mailbox)).encode() + b"".join(parts) + b"\r\n")
        r = c.read_response(tag)
        assert r.status == "OK", r
    c.ok("LOGOUT")
    c.close()
