/*
 * loadgen.h — types shared by the load generator's files: the run
 * configuration, one IMAP client session, the workload interface.
 *
 *   loadgen_conn.c   epoll + TLS connection engine
 *   loadgen_imap.c   IMAP response splitter
 *   loadgen_sess.c   IMAP client state machine (commands, tags, literals)
 *   loadgen_run.c    the driver: sessions, time and count bounds, results
 *   loadgen_work.c   workloads login, append, sync, search, load
 *   loadgen_mixed.c  workload mixed (proportions from a client-usage CSV)
 *   loadgen_idle.c   workload idle (K idlers, server RSS, notify latency)
 *   loadgen_stats.c  histograms
 *   loadgen_main.c   options
 *
 * One thread.  Traffic goes only to 127.0.0.0/8 (checked at start).
 */
#ifndef RM_BENCH_LOADGEN_H
#define RM_BENCH_LOADGEN_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "bench/datagen.h"
#include "bench/loadgen_conn.h"
#include "bench/loadgen_imap.h"
#include "bench/loadgen_stats.h"

#define LG_SERVER_PIDS_MAX 16u
#define LG_SRC_ADDRS_MAX   250u
#define LG_IDLE_STEPS_MAX  8u

struct lg_config {
	const char *host;          /* dotted IPv4 inside 127.0.0.0/8 */
	unsigned port;
	bool tls;                  /* implicit TLS (imaps) */
	const char *user_fmt;      /* printf pattern with one %u, e.g. "user%u" */
	const char *password;
	unsigned user_first;       /* first user number */
	unsigned users;            /* users user_first .. user_first+users-1 */
	unsigned clients;
	double duration_s;         /* 0: until ops_max */
	uint64_t ops_max;          /* 0: until duration; primary operations */
	const char *workload;
	const char *mailbox;
	const char *sizes_csv;     /* message size list; NULL with size_fixed */
	uint32_t size_fixed_bytes; /* 0: draw from sizes_csv */
	uint32_t size_max_bytes;
	const char *commands_csv;  /* mixed: client-usage command counts */
	uint64_t seed;
	unsigned src_addrs;        /* 127.0.0.1 .. 127.0.0.N as sources; 0: kernel picks */
	unsigned timeout_ms;       /* per command */
	unsigned connect_parallel; /* sessions being set up at once (idle, load) */
	uint64_t messages;         /* load: messages per user */
	unsigned fetch_window;     /* mixed: messages per header fetch */
	unsigned sync_bodies;      /* sync: newest bodies fetched */
	unsigned idle_steps[LG_IDLE_STEPS_MAX];
	unsigned idle_step_count;
	pid_t server_pids[LG_SERVER_PIDS_MAX];
	unsigned server_pid_count;
	unsigned idle_settle_ms;
	unsigned notify_rounds;
	unsigned notify_wait_ms;   /* idle: a notification later than this is lost */
	bool quiet;
};

struct lg_run;
struct lg_sess;

enum lg_status { LG_ST_OK, LG_ST_NO, LG_ST_BAD, LG_ST_FAIL };

struct lg_workload {
	const char *name;
	enum lg_kind primary;             /* the figure RESULT reports */
	/* optional: runs before sessions start (build pools, parse CSVs) */
	enum rm_err (*prepare)(struct lg_run *run);
	/* greeting received: issue the first command */
	void (*on_ready)(struct lg_sess *s);
	/* the command in flight completed (status) */
	void (*on_done)(struct lg_sess *s, enum lg_status st);
	/* optional: an untagged response arrived (r describes it) */
	void (*on_untagged)(struct lg_sess *s, const struct lg_imap_reader *r);
	/* optional: "+" arrived while no literal was waiting (IDLE) */
	void (*on_cont)(struct lg_sess *s);
	/* optional: the connection closed; default reconnects unless stopping */
	void (*on_closed)(struct lg_sess *s);
	/* optional: extra key=value pairs for the RESULT line */
	void (*result_extra)(struct lg_run *run, char *out, size_t cap);
	/* optional: replaces the standard driver (idle) */
	int (*drive)(struct lg_run *run);
};

struct lg_sess {
	struct lg_conn conn;
	struct lg_imap_reader rd;
	struct lg_run *run;
	unsigned id;
	unsigned user;             /* user number */
	uint32_t tag_seq;
	char tag[16];
	bool busy;                 /* a command is in flight */
	bool greeted;
	enum lg_kind kind;
	uint64_t cmd_start_us;
	uint64_t lit_sent_us;      /* when the last literal went out */
	uint64_t connect_start_us;
	uint64_t retry_at_us;      /* a failed connect is retried then (0: none) */
	const char *lit;           /* literal waiting for "+" */
	size_t lit_len;
	/* workload state */
	int phase;
	bool selected;
	bool readonly;
	uint32_t exists;
	uint32_t count;            /* responses counted during this command */
	uint32_t hits;
	uint64_t t0_us;
	uint64_t rng;
	uint64_t seq;              /* per-session operation counter */
};

struct lg_run {
	struct lg_config cfg;
	const struct lg_workload *wl;
	struct lg_engine eng;
	struct lg_stats stats;
	struct sockaddr_in dst;
	struct in_addr src[LG_SRC_ADDRS_MAX];
	unsigned src_next;
	struct lg_sess *sess;      /* cfg.clients sessions */
	unsigned sess_count;
	uint64_t start_us;
	uint64_t stop_us;          /* no new operation after this */
	uint64_t ops_started;      /* primary operations begun */
	uint64_t ops_done;
	unsigned retry_pending;    /* sessions waiting for retry_at_us */
	bool stopping;
	struct datagen_sizes *sizes;
	void *wl_state;            /* workload-owned */
	double elapsed_s;
};

/* ---- loadgen_sess.c --------------------------------------------------- */

/** Connects s (from the next source address when several are configured);
 * the workload's on_ready runs when the greeting arrives.  RM_ERR_IO when
 * no socket could be made (counted as a CONNECT error). */
enum rm_err lg_sess_connect(struct lg_sess *s);
/** Sends "<tag> <command>\r\n" and starts timing kind. */
void lg_sess_cmd(struct lg_sess *s, enum lg_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/** Sends "<tag> <prefix> {len}\r\n", then, after "+", the literal and CRLF.
 * lit must stay valid until the command completes. */
void lg_sess_cmd_literal(struct lg_sess *s, enum lg_kind kind, const char *prefix,
			 const char *lit, size_t len);
/** Sends bytes outside a command (IDLE's DONE). */
void lg_sess_send_raw(struct lg_sess *s, const char *text);
/** LOGIN as the session's user. */
void lg_sess_login(struct lg_sess *s);
/** LOGOUT; the server's close after its tagged OK is expected. */
void lg_sess_logout(struct lg_sess *s);
/** Closes the socket without a callback. */
void lg_sess_close(struct lg_sess *s);
/** Checks the in-flight command against the timeout; a late one is counted
 * as an error of its kind and the connection is dropped.  Also reconnects a
 * session whose retry time has come. */
void lg_sess_check_timeout(struct lg_sess *s, uint64_t now_us);
/** Formats the session's login name into out. */
void lg_sess_username(const struct lg_sess *s, char *out, size_t cap);
/** Installs the engine callbacks that route events to sessions. */
void lg_sess_bind_engine(struct lg_run *run);

/* ---- loadgen_run.c ---------------------------------------------------- */

/** True once the run's duration or operation count is spent; the workload
 * then ends its sessions instead of starting new operations. */
bool lg_run_should_stop(struct lg_run *run);
/** Counts one primary operation begun; returns false (and begins nothing)
 * when the operation budget is used up. */
bool lg_run_take_op(struct lg_run *run);
/** Runs the standard driver for the configured workload and prints the
 * table and the RESULT line.  Returns 0, or 1 when nothing succeeded. */
int lg_run_main(struct lg_run *run);
/** Sum of VmRSS and of Pss over the configured server pids and all their
 * descendants (from /proc), in bytes; process count in *procs_r. */
void lg_run_server_memory(const struct lg_run *run, uint64_t *rss_r, uint64_t *pss_r,
			  unsigned *procs_r);

/* ---- loadgen_work.c: helpers shared by workloads ----------------------- */

/* Messages generated before the measurement and sent round robin, so that
 * generating them costs nothing while the clock runs. */
#define LG_POOL_MAX 256u
struct lg_pool {
	struct rm_buf msgs[LG_POOL_MAX];
	unsigned count;
	uint64_t bytes_sent;
};

/** Loads run->sizes from cfg (fixed size or the CSV); prints why on error. */
enum rm_err lg_work_load_sizes(struct lg_run *run);
/** Builds a pool (min(LG_POOL_MAX, ops_max) messages of the size mix);
 * caller frees with lg_work_pool_free.  NULL when the sizes cannot load. */
struct lg_pool *lg_work_pool_make(struct lg_run *run);
void lg_work_pool_free(struct lg_pool **pool);

/* ---- workloads -------------------------------------------------------- */

extern const struct lg_workload lg_wl_login;
extern const struct lg_workload lg_wl_append;
extern const struct lg_workload lg_wl_sync;
extern const struct lg_workload lg_wl_search;
extern const struct lg_workload lg_wl_load;
extern const struct lg_workload lg_wl_mixed;
extern const struct lg_workload lg_wl_idle;

#endif
