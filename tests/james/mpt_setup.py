"""The state each script starts in, as James's test classes set it up.

James does not run a script on a bare connection: its test classes
(mpt/impl/imap-mailbox/core/.../suite/*.java) add lines before and after it
and create users and mailboxes through the mail store.  This table records
that for every script, in the runner's terms:

  raw       the script reads the greeting itself (its first S: line is it)
  welcome   the greeting, then the script
  auth      the greeting, LOGIN imapuser password, then the script
  selected  auth, then SelectedStateSetup.test (CREATE "selected", four
            APPENDs, SELECT) before and SelectedStateCleanup.test after

Scripts that James runs in several states (Noop, Capability, ...) run here
once, in the state named below.  `mailboxes` and `users` are what James's
harness creates outside IMAP; the runner creates the mailboxes over IMAP
on a separate connection before the script starts.
"""
import os

CORPUS = os.environ.get("JAMES_SCRIPTS", "/work/shared/corpus/james-mpt-scripts")

USER = "imapuser"
PASSWORD = "password"
# Every user some script logs in as, with its password (James's harness
# adds them; "delegate" comes from AuthenticatePlain's test class).
USERS = {USER: PASSWORD, "delegate": "123456"}

WELCOME = ["Login", "ValidAuthenticated", "ValidSelected", "Authenticate",
           "AuthenticatePlain", "Noop", "Logout"]

SELECTED = ["Check", "Expunge", "Search", "FetchSingleMessage", "FetchMultipleMessages",
            "FetchPeek", "Store", "Copy", "Uid", "FetchEnvelope", "FetchText",
            "FetchBodyNoSection", "FetchRFC822", "FetchRFC822Text", "FetchRFC822Header",
            "FetchInternalDate", "FetchSaveDate", "FetchNILSaveDate", "SearchSaveDate",
            "FetchPartial", "Move", "MoveNoMSG", "ObjectId", "Rename", "RenameHierarchy",
            "RenameInbox", "RenameSelected"]

# Mailboxes James's harness creates before the script (per user).
MAILBOXES = {
    "AuthenticatePlain": {"imapuser": ["imapuser"], "delegate": ["delegate"]},
    "ListSpecialChar": {"imapuser": ["projects &- abc", "&AOk-valuations", "mailbox #17"]},
}


def script_names():
    """Every script of the corpus, sorted."""
    return sorted(f[:-5] for f in os.listdir(CORPUS) if f.endswith(".test"))


def script_path(name):
    return os.path.join(CORPUS, name + ".test")


def state_of(name, first_expect):
    """The state a script starts in; first_expect is its first S: line."""
    if first_expect is not None and first_expect.startswith("\\* OK IMAP4rev1 Server ready"):
        return "raw"
    if name in WELCOME:
        return "welcome"
    if name in SELECTED:
        return "selected"
    return "auth"
