/*
 * limits.h — every bound ringmail enforces, in one place, with the reason for
 * its value.  Values that an operator may want to change are defaults of a
 * config key (named beside them); the rest are compile-time bounds.  Each is
 * tested at N and N+1 (tests/unit and tests/protocol).
 */
#ifndef RM_LIMITS_H
#define RM_LIMITS_H

/* ---- IMAP input ---------------------------------------------------------- */

/* A command line without its literals.  RFC 7162 §4 asks servers to accept
 * lines of at least 8192 octets; long UID sets from QRESYNC clients reach tens
 * of KiB, so authenticated sessions get 64 KiB. */
#define RM_LINE_MAX_BYTES           (64u * 1024)
/* Before authentication nothing legitimate is long: LOGIN, AUTHENTICATE with a
 * SASL-IR blob (SCRAM client-first is < 1 KiB), ID with a few fields. */
#define RM_LINE_PREAUTH_MAX_BYTES   (8u * 1024)
/* A literal outside APPEND: search strings, passwords, mailbox names. */
#define RM_LITERAL_MAX_BYTES        (64u * 1024)
/* A message in APPEND: the default of config key append_max_bytes, advertised
 * as APPENDLIMIT (RFC 7889).  Large enough for a 35 MB attachment after
 * base64 (Gmail's send limit), small enough that one session cannot pin
 * the server's memory. */
#define RM_APPEND_DEFAULT_MAX_BYTES (64u * 1024 * 1024)
/* Non-synchronizing literals under LITERAL- (RFC 7888 §5). */
#define RM_LITERAL_MINUS_MAX_BYTES  4096u
/* All literal bytes of one command together (MULTIAPPEND, RFC 3502).  The
 * whole command is held until it is complete, so this bounds one session's
 * input memory. */
#define RM_COMMAND_MAX_BYTES        (128u * 1024 * 1024)
/* Messages in one MULTIAPPEND. */
#define RM_MULTIAPPEND_MAX          1000u
/* Tags: RFC 9051 allows any ASTRING-CHAR but '+'; clients use < 20. */
#define RM_TAG_MAX_BYTES            64u
/* Parenthesis nesting in a command (SEARCH programs, FETCH lists). */
#define RM_NEST_MAX                 32u
/* Tokens in one command; a FETCH with every item is about 60, a SEARCH
 * program from a real client a few hundred. */
#define RM_ARGS_MAX                 4096u
/* Ranges in one sequence set after parsing (1,3,5,... from clients that do
 * not compress their sets). */
#define RM_SEQSET_MAX_RANGES        100000u
/* Consecutive BAD replies before BYE: a client this confused is a fuzzer or
 * a protocol mismatch (nginx ends the session after a few). */
#define RM_BAD_COMMANDS_MAX         20u
/* Mailbox name in bytes (after decoding) and hierarchy depth.  The name is
 * part of an LMDB key (511 bytes at most, with the user id in front), so
 * the IMAP limit is the store's; real folder names are far shorter. */
#define RM_MAILBOX_NAME_MAX_BYTES   500u
#define RM_MAILBOX_DEPTH_MAX        64u
/* Keywords a user may define (bits in the per-message keyword bitmap: 64
 * words of 64 bits = 4096, far over Thunderbird's handful of tags). */
#define RM_KEYWORDS_MAX             4096u
#define RM_KEYWORD_MAX_BYTES        128u
/* Mailboxes per user: fits any real folder tree, stops runaway creators. */
#define RM_MAILBOXES_PER_USER_MAX   10000u
/* Patterns in one LIST (RFC 5258 §3): every pattern is matched against
 * every mailbox name, so the count multiplies LIST's CPU time; clients
 * send one or two. */
#define RM_LIST_PATTERNS_MAX        32u

/* ---- connections -------------------------------------------------------- */

/* Defaults of config keys max_connections and max_connections_per_ip. */
#define RM_CONN_DEFAULT_MAX         200000u
#define RM_CONN_PER_IP_DEFAULT_MAX  2000u
/* Output queued for one connection: past SOFT the producer (FETCH) pauses
 * until the socket drains; past HARD plus one message (append_max_bytes:
 * a FETCH of BODY[] cannot be split) the reader is too slow and is
 * disconnected, as it is when nothing drains for output_stall_ms. */
#define RM_OUTQ_SOFT_BYTES          (256u * 1024)
#define RM_OUTQ_HARD_BYTES          (4u * 1024 * 1024)
/* Autologout (RFC 9051 §5.4: at least 30 minutes once authenticated). */
#define RM_TIMEOUT_PREAUTH_DEFAULT_MS   (60u * 1000)
#define RM_TIMEOUT_AUTH_DEFAULT_MS      (30u * 60 * 1000)
/* Failed authentications: delay doubles from 250 ms to this cap per address. */
#define RM_AUTH_DELAY_START_MS      250u
#define RM_AUTH_DELAY_MAX_MS        15000u
/* Failed attempts in one session before BYE. */
#define RM_AUTH_FAILS_PER_SESSION   5u
/* Addresses remembered for auth delays and per-address counts (per worker);
 * the oldest entry is recycled when full. */
#define RM_ADDR_TABLE_SIZE          65536u
/* Verified-credential cache entries (per worker). */
#define RM_AUTH_CACHE_SIZE          4096u
/* Sessions of one user on this server. */
#define RM_SESSIONS_PER_USER_MAX    1000u

/* ---- rings and buffers --------------------------------------------------- */

/* Provided receive buffers per worker: an idle connection holds none; they
 * only need to cover data in flight at one instant.  The kernel cycles
 * through every buffer in the ring, so only RM_RECV_BUF_INITIAL are posted
 * at start (what is posted becomes resident); each -ENOBUFS posts
 * RM_RECV_BUF_INITIAL more, up to RM_RECV_BUF_COUNT.  Resident cost is set
 * by the busiest moment seen, not by the connection count. */
#define RM_RECV_BUF_COUNT           512u
#define RM_RECV_BUF_INITIAL         64u
#define RM_RECV_BUF_BYTES           (8u * 1024)
/* Input a connection may hold while its current command runs (pipelined
 * commands, literal bytes sent ahead); past it the receive is paused until
 * the session catches up. */
#define RM_INPUT_PENDING_MAX_BYTES  (256u * 1024)
/* Output chunk: one TLS record's worth of plaintext fits in one chunk. */
#define RM_OUT_CHUNK_BYTES          (16u * 1024)
/* Submission queue entries per worker ring. */
#define RM_RING_ENTRIES             4096u

/* ---- storage ------------------------------------------------------------- */

#define RM_PARTITIONS_DEFAULT       64u
#define RM_PARTITIONS_MAX           4096u
/* Log segments roll over at this size (config: segment_max_bytes). */
#define RM_SEGMENT_DEFAULT_MAX_BYTES (64u * 1024 * 1024)
/* One record's payload: a message at the APPEND limit plus its metadata. */
#define RM_RECORD_MAX_BYTES         (RM_APPEND_DEFAULT_MAX_BYTES + 64u * 1024)
/* Records in one group commit (one writev + one fdatasync); IOV_MAX is 1024. */
#define RM_COMMIT_MAX_RECORDS       1024u
/* LMDB map size per partition (virtual; grows on disk as used). */
#define RM_LMDB_DEFAULT_MAP_BYTES   (64ull * 1024 * 1024 * 1024)

/* ---- MIME ---------------------------------------------------------------- */

/* Past these the rest of the message is treated as body (Dovecot degrades the
 * same way): the message is still stored and fetchable byte for byte. */
#define RM_MIME_DEPTH_MAX           50u
#define RM_MIME_PARTS_MAX           5000u
/* Header bytes parsed for ENVELOPE; a header block longer is cut. */
#define RM_MIME_HEADER_MAX_BYTES    (1024u * 1024)
/* Parameters kept per Content-Type / Content-Disposition: real ones carry
 * fewer than ten; RFC 2231 merging is quadratic in the count, so a hostile
 * header must not bring thousands. */
#define RM_MIME_PARAMS_MAX          64u
/* Address structures rendered per address field of an ENVELOPE: a visible
 * list of thousands is a mass mailing; each costs ~30 rendered bytes for as
 * little as 2 header bytes, so this keeps the cache blob linear in size. */
#define RM_MIME_ADDRESSES_MAX       10000u
/* Raw Subject/From/To/Cc/Message-ID/In-Reply-To/References kept in the
 * cache blob for SORT and THREAD (References keeps its newest ids). */
#define RM_MIME_SORT_FIELD_MAX_BYTES 1024u

/* ---- search -------------------------------------------------------------- */

/* UIDs in one SEARCH result before NO [LIMIT]. */
#define RM_SEARCH_RESULT_MAX        10000000u
/* Searchable text kept per message (index/fts_doc.h): decoded text past it
 * is not searched, by the index path and the scan path alike.  A 8 MiB
 * text part is a log dump, not a letter; the bound keeps one message from
 * filling the index. */
#define RM_FTS_DOC_MAX_BYTES        (8u * 1024 * 1024)
/* Messages whose bytes one search scan reads at once (scan path, and the
 * message bytes it holds): like FETCH's batches. */
#define RM_SEARCH_SCAN_BATCH        32u
#define RM_SEARCH_SCAN_BATCH_BYTES  (8u * 1024 * 1024)

_Static_assert(RM_LINE_PREAUTH_MAX_BYTES <= RM_LINE_MAX_BYTES, "preauth line");
_Static_assert(RM_LITERAL_MINUS_MAX_BYTES <= RM_LITERAL_MAX_BYTES, "literal-");
_Static_assert(RM_APPEND_DEFAULT_MAX_BYTES <= RM_COMMAND_MAX_BYTES, "append");
_Static_assert(RM_OUTQ_SOFT_BYTES < RM_OUTQ_HARD_BYTES, "outq");
_Static_assert(RM_RECORD_MAX_BYTES < RM_SEGMENT_DEFAULT_MAX_BYTES * 2, "record");
_Static_assert(RM_COMMIT_MAX_RECORDS <= 1024, "IOV_MAX");
_Static_assert(RM_RECV_BUF_INITIAL <= RM_RECV_BUF_COUNT, "recv bufs");
_Static_assert(RM_TIMEOUT_AUTH_DEFAULT_MS >= 30u * 60 * 1000, "RFC 9051 5.4");

/* ---- authentication (server/auth) ---------------------------------------- */

/* Login names and authorization identities: RFC 4616 §2 requires accepting
 * 255 octets; an e-mail address is at most 254. */
#define RM_AUTH_LOGIN_MAX_BYTES     255u
/* Passwords: RFC 4616 requires 255; long passphrases fit in 1 KiB, and a
 * bound keeps one login from feeding megabytes into a slow hash. */
#define RM_AUTH_PASSWORD_MAX_BYTES  1024u
/* One decoded SASL client response: PLAIN at the two limits above plus
 * NULs and an authzid, SCRAM client messages (< 1 KiB), with room. */
#define RM_SASL_MSG_MAX_BYTES       4096u
/* Password hashes waiting for the auth pool: at ~50 ms a hash, 1024 queued
 * jobs are seconds of work even on 8 hashing threads; past that a client
 * gets NO [UNAVAILABLE] at once instead of a login that times out. */
#define RM_AUTH_QUEUE_MAX           1024u
/* Verified-credential cache entry lifetime (config: auth_cache_ttl_ms). */
#define RM_AUTH_CACHE_TTL_DEFAULT_MS (5u * 60 * 1000)
/* SCRAM-SHA-256: iterations for new keys and for keys derived from PLAIN
 * entries (RFC 7677 §3 minimum, Dovecot's default); stored entries above
 * the maximum are refused (each login would cost seconds of CPU); salts
 * longer than the maximum are refused (Dovecot writes 16 bytes). */
#define RM_SCRAM_ITERATIONS_DEFAULT 4096u
#define RM_SCRAM_ITERATIONS_MAX     1000000u
#define RM_SCRAM_SALT_MAX_BYTES     64u
/* passwd-file: one line (a Dovecot line with many extra fields is < 1 KiB)
 * and the whole file (about 10 million users at 100 bytes a line; it is
 * read into memory at load). */
#define RM_PASSWD_LINE_MAX_BYTES    (16u * 1024)
#define RM_PASSWD_FILE_MAX_BYTES    (1ull << 30)

_Static_assert(RM_SASL_MSG_MAX_BYTES / 3 * 4 <= RM_LINE_PREAUTH_MAX_BYTES, "sasl line");
_Static_assert(2 * RM_AUTH_LOGIN_MAX_BYTES + RM_AUTH_PASSWORD_MAX_BYTES + 2 <=
	       RM_SASL_MSG_MAX_BYTES, "PLAIN message");
_Static_assert(RM_SCRAM_ITERATIONS_DEFAULT >= 4096, "RFC 7677 3");

/* ---- storage engine (storage/, index/meta*) ------------------------------ */

/* Mailbox names as the index stores them: LMDB keys are at most 511 bytes
 * (mdb_env_get_maxkeysize with the default build) and mailbox and
 * subscription keys are (8-byte user id, name).  Longer names get NO [LIMIT]. */
#define RM_STORE_MAILBOX_NAME_MAX_BYTES 500u
/* Bytes of records in one group commit before the rest waits for the next
 * batch (a single request is never split): bounds how far a segment can
 * overshoot segment_max_bytes and how long one fdatasync takes. */
#define RM_STORE_BATCH_MAX_BYTES    (16u * 1024 * 1024)
/* Requests queued on one partition while a batch is in flight; past it new
 * requests fail with RM_ERR_BUSY instead of growing memory without bound. */
#define RM_STORE_QUEUE_MAX          100000u
/* Message UIDs in one COPY/MOVE/STORE/EXPUNGE request: a record holds them
 * all, and a record must stay under RM_RECORD_MAX_BYTES (an entry with the
 * maximum keywords is 8 KiB; real ones are 20-60 bytes). */
#define RM_STORE_UIDS_PER_REQ_MAX   1000000u
/* A partition with no commit for this long is checkpointed (LMDB synced,
 * state file marked clean) so that a machine crash needs no rebuild of it
 * (config: checkpoint_idle_ms). */
#define RM_STORE_CHECKPOINT_IDLE_DEFAULT_MS 2000u
/* Compaction rewrites a sealed segment whose live bytes fall under this
 * percentage of its size (config: compact_live_percent), checked every
 * compact_check_ms by the background policy. */
#define RM_STORE_COMPACT_LIVE_DEFAULT_PERCENT 50u
#define RM_STORE_COMPACT_CHECK_DEFAULT_MS (10u * 60 * 1000)
/* Expunged UIDs a mailbox's vanished history (QRESYNC) remembers (config:
 * vanished_keep; 0 = all).  Past keep + keep / RM_VANISHED_TRIM_SLACK_DIV
 * the oldest are forgotten down to keep, in one VANISHED_TRIM record. */
#define RM_VANISHED_KEEP_DEFAULT    100000u
#define RM_VANISHED_TRIM_SLACK_DIV  16u
/* Message reads in flight per partition (FETCH of many bodies): further
 * reads wait in a queue. */
#define RM_STORE_READS_MAX          256u

_Static_assert(RM_STORE_MAILBOX_NAME_MAX_BYTES + 8 <= 511, "LMDB key size");
_Static_assert(RM_STORE_MAILBOX_NAME_MAX_BYTES <= RM_MAILBOX_NAME_MAX_BYTES, "name");
_Static_assert(RM_STORE_BATCH_MAX_BYTES <= RM_SEGMENT_DEFAULT_MAX_BYTES, "batch");

/* ---- delivery and operations (server/lmtp, metrics, control) ------------- */

/* An LMTP command line.  RFC 5321 §4.5.3.1.4 says 512 octets; SMTPUTF8
 * addresses (RFC 6531) and ESMTP parameters make real lines longer, and
 * Postfix sends up to ~1 KiB, so 4 KiB with room. */
#define RM_LMTP_LINE_MAX_BYTES      4096u
/* Recipients of one transaction: RFC 5321 §4.5.3.1.8 requires at least 100;
 * each costs one reply line and one store_rcpt. */
#define RM_LMTP_RCPTS_MAX           1000u
/* Invalid LMTP commands in a row before the server closes (same reasoning
 * as RM_BAD_COMMANDS_MAX). */
#define RM_LMTP_BAD_COMMANDS_MAX    20u
/* A control-socket request line (a login and a mailbox name fit). */
#define RM_CONTROL_LINE_MAX_BYTES   4096u
/* Kicks a worker remembers for sessions still being handed to it: the
 * last RM_KICK_MARKS, for RM_KICK_MARK_MS (a hand-off takes microseconds). */
#define RM_KICK_MARKS               32u
#define RM_KICK_MARK_MS             10000u
/* A UNIX socket that still accepts is watched this long before it counts
 * as another server's: a server that just exited accepts for a moment. */
#define RM_UNIX_STALE_WAIT_MS       1000u
/* An HTTP request to the metrics endpoint (request line and headers):
 * Prometheus sends about 300 bytes. */
#define RM_HTTP_REQUEST_MAX_BYTES   8192u
/* Distinct IMAP command names the metrics keep latency histograms for (the
 * command table has about 40); later names are counted as "other". */
#define RM_METRICS_COMMANDS_MAX     64u

/* Control requests one connection may have in flight: consecutive APPENDs
 * (an import) run together so that they share group commits; each holds
 * a message buffer, so this bounds one importer's memory. */
#define RM_CONTROL_PIPELINE_MAX     64u

_Static_assert(RM_LMTP_RCPTS_MAX >= 100, "RFC 5321 4.5.3.1.8");

#endif

/* Descriptors kept free below RLIMIT_NOFILE beyond those open at start-up
 * (segments opened later, compaction, admin sockets, the connection being
 * refused); max_connections is clamped to what remains. */
#define RM_FD_RESERVE               256u

/* ---- full-text index merging (index/meta_fts.c, storage/store_fts.c) ----- */
/* A message's FTS document joins the *tail* of the index, which search
 * matches document by document; merging the tail into the trigram
 * postings rewrites the last chunk (an LMDB page) of every trigram it
 * touches, so its cost is per distinct trigram, and the more documents one
 * merge covers, the less each one costs.  A merge starts when the tail
 * holds this much document text: ~900 typical messages, ~1M (trigram,
 * document) pairs, whose inversion takes ~8 MiB while the merge runs, and
 * a search matches it in ~1-2 ms per text key. */
#define RM_FTS_MERGE_BYTES          (4u * 1024 * 1024)
/* ... or this many documents (small messages: each costs search a lookup). */
#define RM_FTS_MERGE_DOCS           8192u
/* The hard bound: the document that brings the tail to this much text
 * merges all of it inside its own transaction (a replay, or merge steps
 * that cannot keep up).  Bounds the time a search spends on the tail. */
#define RM_FTS_PENDING_MAX_BYTES    (32u * 1024 * 1024)
#define RM_FTS_PENDING_MAX_DOCS     65536u
/* Merge generations alive at once in the process: each holds ~1 byte per
 * byte of the text it merges (4-8 MiB at the thresholds above) while it
 * runs; the others wait their turn (the tail stays searchable). */
#define RM_FTS_MERGE_GENS_MAX       4u
/* A merge step (one per group commit, or one per loop turn on an idle
 * partition) reads documents until they make this many pairs, or appends
 * at most this many trigram lists and stops after this many pairs: about
 * a millisecond, so other connections of the worker never wait long. */
#define RM_FTS_MERGE_STEP_LISTS     1024u
#define RM_FTS_MERGE_STEP_PAIRS     (64u * 1024)
/* A partition without a commit for this long merges what it has; below
 * the default checkpoint_idle_ms (2 s), so the checkpoint that follows
 * finds the index settled. */
#define RM_FTS_MERGE_IDLE_MS        1000u
/* ... but a tail under RM_FTS_MERGE_BYTES / RM_FTS_MERGE_IDLE_MIN_DIV
 * (256 KiB, ~60 messages) waits RM_FTS_MERGE_IDLE_SMALL_MS of idleness:
 * a trickle of deliveries merged one message at a time rewrites the last
 * posting chunk of each of its distinct trigrams every time (hundreds of
 * LMDB pages for one message), while a small tail costs a search little. */
#define RM_FTS_MERGE_IDLE_MIN_DIV   16u
#define RM_FTS_MERGE_IDLE_SMALL_MS  (10u * 60 * 1000)

_Static_assert(RM_FTS_PENDING_MAX_BYTES >= 2 * RM_FTS_MERGE_BYTES &&
	       RM_FTS_PENDING_MAX_DOCS >= 2 * RM_FTS_MERGE_DOCS,
	       "room for a generation under way and a new tail");
_Static_assert(RM_FTS_MERGE_STEP_LISTS > 0 && RM_FTS_MERGE_STEP_PAIRS > 0, "steps progress");
