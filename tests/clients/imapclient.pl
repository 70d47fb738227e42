#!/usr/bin/perl
# Mail::IMAPClient (Debian's libmail-imapclient-perl) against ringmail:
# select, fetch (no SEARCH), store, move.  Prints "ok" lines the pytest
# wrapper checks; dies on any failure.
use strict;
use warnings;
use Mail::IMAPClient;

my ($port, $user, $pass) = @ARGV;
my $imap = Mail::IMAPClient->new(Server => '127.0.0.1', Port => $port,
	User => $user, Password => $pass, Uid => 1) or die "connect/login: $@\n";
$imap->select('INBOX') or die "select: " . $imap->LastError . "\n";
my $count = $imap->message_count('INBOX');
print "count $count\n";
# No SEARCH (messages() and fetch_hash() would search): the UIDs come
# from a plain UID FETCH of every message.
my $lines = $imap->fetch('1:*', 'UID') or die "fetch: " . $imap->LastError . "\n";
my @uids = sort { $a <=> $b } map { /\(UID (\d+)\)/ ? $1 : () } @$lines;
print "uids @uids\n";
my $body = $imap->message_string($uids[0]) or die "fetch: " . $imap->LastError . "\n";
print "size " . length($body) . "\n";
my $subj = $imap->get_header($uids[1], 'Subject') // die "header: " . $imap->LastError . "\n";
print "subject $subj\n";
$imap->set_flag('\\Flagged', $uids[0]) or die "store: " . $imap->LastError . "\n";
my $flags = $imap->flags($uids[0]) or die "flags: " . $imap->LastError . "\n";
print "flags @$flags\n";
# Mail::IMAPClient moves by COPY + STORE \Deleted; EXPUNGE finishes it.
$imap->move('Archive', $uids[1]) or die "move: " . $imap->LastError . "\n";
$imap->expunge('INBOX') or die "expunge: " . $imap->LastError . "\n";
$imap->select('INBOX');
print "after_move " . $imap->message_count('INBOX') . "\n";
$imap->select('Archive');
print "archive " . $imap->message_count('Archive') . "\n";
$imap->logout;
print "ok\n";
