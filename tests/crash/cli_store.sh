#!/bin/sh
# The offline storage commands of `ringmail` end to end: a data directory
# filled (and crashed into) by crash_engine, then stats, verify, compact,
# reindex, verify again; a flipped byte in a segment makes verify exit 1 and
# name the segment.  Usage: cli_store.sh RINGMAIL CRASH_ENGINE
set -eu
RINGMAIL=$1
CRASH=$2
TMP=$(mktemp -d /tmp/rmcli.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
D=$TMP/data
fail() { echo "cli_store: $*" >&2; exit 1; }

"$CRASH" 4 "$D" >"$TMP/crash.out" || fail "crash_engine failed"
"$RINGMAIL" -d "$D" init -p 2 2>/dev/null && fail "init over an existing directory succeeded"
"$RINGMAIL" -d "$D" stats >"$TMP/stats" || fail "stats"
grep -q "^total: partitions=2 users=1 " "$TMP/stats" || fail "stats: $(cat "$TMP/stats")"
"$RINGMAIL" -d "$D" verify >"$TMP/v1" || fail "verify of a good directory: $(cat "$TMP/v1")"
grep -q -- "-> ok" "$TMP/v1" || fail "verify summary"
"$RINGMAIL" -d "$D" compact -l 100 >"$TMP/c" || fail "compact"
grep -q "^compact: live_percent=100" "$TMP/c" || fail "compact summary"
"$RINGMAIL" -d "$D" reindex -q >"$TMP/r" || fail "reindex: $(cat "$TMP/r")"
grep -q "corrupt_regions=0 rejected=0" "$TMP/r" || fail "reindex summary"
"$RINGMAIL" -d "$D" verify -q >/dev/null || fail "verify after compact+reindex"
# Flip the high bit of one byte in the middle of the first segment.
SEG=$D/parts/000/log/00000001.seg
SIZE=$(stat -c %s "$SEG")
OFF=$((SIZE / 2))
dd if="$SEG" bs=1 skip=$OFF count=1 status=none | tr '\000-\377' '\200-\377\000-\177' |
	dd of="$SEG" bs=1 seek=$OFF conv=notrunc status=none
set +e
"$RINGMAIL" -d "$D" verify -P 0 >"$TMP/v2" 2>&1
RC=$?
set -e
[ $RC -eq 1 ] || fail "verify of a damaged segment exited $RC: $(cat "$TMP/v2")"
grep -q "seg=1 offset=" "$TMP/v2" || fail "verify did not name the segment: $(cat "$TMP/v2")"
echo "cli_store ok"
