/*
 * loadgen_main.c — command line of the IMAP load generator.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/loadgen.h"
#include "common/util.h"

static const struct lg_workload *const lg_workloads[] = {
	&lg_wl_login, &lg_wl_append, &lg_wl_sync, &lg_wl_search, &lg_wl_mixed, &lg_wl_idle,
	&lg_wl_load,
};

static void lg_usage(FILE *out)
{
	fprintf(out,
		"usage: loadgen -w WORKLOAD [options]\n"
		"workloads: login append sync search mixed idle load\n"
		"  -H, --host ADDR          server address in 127.0.0.0/8 (127.0.0.1)\n"
		"  -p, --port N             port (143)\n"
		"      --tls                implicit TLS (imaps port)\n"
		"  -u, --user-fmt FMT       login pattern with one %%u (user%%u)\n"
		"      --password PW        password of every user (pass)\n"
		"      --user-first N       first user number (1)\n"
		"  -U, --users N            number of users (1)\n"
		"  -c, --clients N          concurrent sessions (10)\n"
		"  -d, --duration S         seconds of load; idle: setup time per step (10)\n"
		"  -n, --ops N              stop after N primary operations\n"
		"  -m, --mailbox NAME       mailbox (INBOX)\n"
		"      --sizes CSV          message size list (mailbox_email_sizes.csv)\n"
		"      --size BYTES         fixed message size instead of the list\n"
		"      --size-max BYTES     clamp drawn sizes (5 MiB)\n"
		"      --commands CSV       mixed: command counts (imap_commands_summary.csv)\n"
		"      --seed N             data and choice seed (1)\n"
		"      --src-addrs N        connect from 127.0.0.1..127.0.0.N (0: default)\n"
		"      --timeout-ms N       per command (60000)\n"
		"      --parallel N         idle/load: sessions set up at once (200)\n"
		"      --messages N         load: messages per user\n"
		"      --fetch-window N     mixed: messages per header FETCH (20)\n"
		"      --sync-bodies N      sync: newest bodies fetched (50)\n"
		"      --idle-steps K,K..   idle: connection counts (1000,10000)\n"
		"      --server-pid PID     idle: server pid (repeat; descendants included)\n"
		"      --settle-ms N        idle: wait before measuring memory (3000)\n"
		"      --notify-rounds N    idle: APPEND rounds per step (10)\n"
		"      --notify-wait-ms N   idle: wait for every idler's EXISTS (5000)\n"
		"  -q, --quiet              only RESULT lines\n");
}

/* The user pattern is a printf format: it must hold exactly one %u or %d. */
static bool lg_user_fmt_ok(const char *fmt)
{
	unsigned convs = 0;
	for (const char *p = fmt; *p; p++) {
		if (*p != '%')
			continue;
		if (p[1] == '%') {
			p++;
			continue;
		}
		if (p[1] != 'u' && p[1] != 'd')
			return false;
		convs++;
		p++;
	}
	return convs == 1;
}

static void lg_parse_steps(struct lg_config *cfg, const char *arg)
{
	cfg->idle_step_count = 0;
	for (const char *p = arg; *p && cfg->idle_step_count < LG_IDLE_STEPS_MAX;) {
		char *end;
		unsigned long v = strtoul(p, &end, 10);
		if (end == p)
			break;
		cfg->idle_steps[cfg->idle_step_count++] = (unsigned)v;
		p = *end == ',' ? end + 1 : end;
	}
}

static void lg_defaults(struct lg_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->host = "127.0.0.1";
	cfg->port = 143;
	cfg->user_fmt = "user%u";
	cfg->password = "pass";
	cfg->user_first = 1;
	cfg->users = 1;
	cfg->clients = 10;
	cfg->duration_s = 10;
	cfg->mailbox = "INBOX";
	cfg->sizes_csv = "../shared/corpus/client-usage/mailbox_email_sizes.csv";
	cfg->commands_csv = "../shared/corpus/client-usage/imap_commands_summary.csv";
	cfg->size_max_bytes = DATAGEN_MAX_BYTES;
	cfg->seed = 1;
	cfg->timeout_ms = 60000;
	cfg->connect_parallel = 200;
	cfg->fetch_window = 20;
	cfg->sync_bodies = 50;
	cfg->idle_settle_ms = 3000;
	cfg->notify_rounds = 10;
	cfg->notify_wait_ms = 5000;
	lg_parse_steps(cfg, "1000,10000");
}

enum { O_TLS = 256, O_PW, O_UFIRST, O_SIZES, O_SIZE, O_SIZEMAX, O_CMDS, O_SEED, O_SRC,
       O_TMO, O_PAR, O_MSGS, O_FWIN, O_SBOD, O_STEPS, O_SPID, O_SETTLE, O_NROUNDS,
       O_NWAIT };

static const struct option lg_options[] = {
	{"workload", 1, 0, 'w'}, {"host", 1, 0, 'H'}, {"port", 1, 0, 'p'}, {"tls", 0, 0, O_TLS},
	{"user-fmt", 1, 0, 'u'}, {"password", 1, 0, O_PW}, {"user-first", 1, 0, O_UFIRST},
	{"users", 1, 0, 'U'}, {"clients", 1, 0, 'c'}, {"duration", 1, 0, 'd'}, {"ops", 1, 0, 'n'},
	{"mailbox", 1, 0, 'm'}, {"sizes", 1, 0, O_SIZES}, {"size", 1, 0, O_SIZE},
	{"size-max", 1, 0, O_SIZEMAX}, {"commands", 1, 0, O_CMDS}, {"seed", 1, 0, O_SEED},
	{"src-addrs", 1, 0, O_SRC}, {"timeout-ms", 1, 0, O_TMO}, {"parallel", 1, 0, O_PAR},
	{"messages", 1, 0, O_MSGS}, {"fetch-window", 1, 0, O_FWIN}, {"sync-bodies", 1, 0, O_SBOD},
	{"idle-steps", 1, 0, O_STEPS}, {"server-pid", 1, 0, O_SPID}, {"settle-ms", 1, 0, O_SETTLE},
	{"notify-rounds", 1, 0, O_NROUNDS}, {"notify-wait-ms", 1, 0, O_NWAIT}, {"quiet", 0, 0, 'q'}, {"help", 0, 0, 'h'},
	{0, 0, 0, 0},
};

static int lg_parse_opt(struct lg_config *cfg, int c, const char *arg)
{
	unsigned long long v = arg ? strtoull(arg, NULL, 10) : 0;
	switch (c) {
	case 'w': cfg->workload = arg; break;
	case 'H': cfg->host = arg; break;
	case 'p': cfg->port = (unsigned)v; break;
	case O_TLS: cfg->tls = true; break;
	case 'u': cfg->user_fmt = arg; break;
	case O_PW: cfg->password = arg; break;
	case O_UFIRST: cfg->user_first = (unsigned)v; break;
	case 'U': cfg->users = (unsigned)v; break;
	case 'c': cfg->clients = (unsigned)v; break;
	case 'd': cfg->duration_s = strtod(arg, NULL); break;
	case 'n': cfg->ops_max = v; break;
	case 'm': cfg->mailbox = arg; break;
	case O_SIZES: cfg->sizes_csv = arg; break;
	case O_SIZE: cfg->size_fixed_bytes = (uint32_t)v; break;
	case O_SIZEMAX: cfg->size_max_bytes = (uint32_t)v; break;
	case O_CMDS: cfg->commands_csv = arg; break;
	case O_SEED: cfg->seed = v; break;
	case O_SRC: cfg->src_addrs = (unsigned)RM_MIN(v, LG_SRC_ADDRS_MAX); break;
	case O_TMO: cfg->timeout_ms = (unsigned)v; break;
	case O_PAR: cfg->connect_parallel = (unsigned)RM_MAX(v, 1ull); break;
	case O_MSGS: cfg->messages = v; break;
	case O_FWIN: cfg->fetch_window = (unsigned)RM_MAX(v, 1ull); break;
	case O_SBOD: cfg->sync_bodies = (unsigned)v; break;
	case O_STEPS: lg_parse_steps(cfg, arg); break;
	case O_SPID:
		if (cfg->server_pid_count < LG_SERVER_PIDS_MAX)
			cfg->server_pids[cfg->server_pid_count++] = (pid_t)v;
		break;
	case O_SETTLE: cfg->idle_settle_ms = (unsigned)v; break;
	case O_NROUNDS: cfg->notify_rounds = (unsigned)v; break;
	case O_NWAIT: cfg->notify_wait_ms = (unsigned)RM_MIN(v, 600000ull); break;
	case 'q': cfg->quiet = true; break;
	case 'h': lg_usage(stdout); exit(0);
	default: return -1;
	}
	return 0;
}

/* Workload-specific adjustments of the configuration. */
static void lg_fixup(struct lg_config *cfg)
{
	if (strcmp(cfg->workload, "idle") == 0) {
		unsigned kmax = 0;
		for (unsigned i = 0; i < cfg->idle_step_count; i++)
			kmax = RM_MAX(kmax, cfg->idle_steps[i]);
		/* Each session holds one descriptor: K cannot pass the limit
		 * this process may raise itself to (RLIMIT_NOFILE's hard limit,
		 * or nr_open as root with CAP_SYS_RESOURCE). */
		uint64_t nofile = lg_engine_raise_nofile();
		if (nofile > 0 && kmax + 64 > nofile) {
			kmax = (unsigned)(nofile - 64);
			for (unsigned i = 0; i < cfg->idle_step_count; i++)
				cfg->idle_steps[i] = RM_MIN(cfg->idle_steps[i], kmax);
			printf("idle: K capped at %u by RLIMIT_NOFILE %llu\n", kmax,
			       (unsigned long long)nofile);
		}
		cfg->clients = kmax;
		/* one source address covers ~28,000 ephemeral ports to one port */
		if (cfg->src_addrs == 0 && kmax > 20000)
			cfg->src_addrs = RM_MIN(kmax / 20000 + 1, LG_SRC_ADDRS_MAX);
	}
	if (strcmp(cfg->workload, "load") == 0) {
		cfg->duration_s = 0;
		cfg->clients = RM_MAX(cfg->clients, 1u);
	}
}

int main(int argc, char **argv)
{
	static struct lg_run run; /* large (histograms): not on the stack */
	setvbuf(stdout, NULL, _IOLBF, 0);
	struct lg_config *cfg = &run.cfg;
	lg_defaults(cfg);
	int c;
	while ((c = getopt_long(argc, argv, "w:H:p:u:U:c:d:n:m:qh", lg_options, NULL)) != -1) {
		if (lg_parse_opt(cfg, c, optarg) < 0) {
			lg_usage(stderr);
			return 2;
		}
	}
	for (unsigned i = 0; cfg->workload && i < RM_ARRAY_LEN(lg_workloads); i++)
		if (strcmp(cfg->workload, lg_workloads[i]->name) == 0)
			run.wl = lg_workloads[i];
	if (!run.wl || cfg->clients == 0 || cfg->users == 0 || !lg_user_fmt_ok(cfg->user_fmt) ||
	    (cfg->duration_s <= 0 && cfg->ops_max == 0 && strcmp(cfg->workload, "load") != 0)) {
		fprintf(stderr, "loadgen: need a known -w, clients and users > 0, a user pattern "
			"with one %%u, and a duration or an op count\n");
		lg_usage(stderr);
		return 2;
	}
	lg_fixup(cfg);
	return lg_run_main(&run);
}
