/*
 * loadgen_run.c — the standard driver: starts cfg.clients sessions, keeps
 * the loop going until the duration or operation budget is spent and the
 * sessions have drained, then prints the table and the RESULT line.
 */
#include "bench/loadgen.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

/* Housekeeping (timeouts) runs this often. */
#define LG_RUN_TICK_MS 100
/* A run bounded by an operation count (load) still ends after this. */
#define LG_RUN_MAX_S 14400u
/* Processes followed when summing a server's memory. */
#define LG_RUN_PROCS_MAX 65536u

bool lg_run_should_stop(struct lg_run *run)
{
	if (run->stopping)
		return true;
	if ((run->cfg.duration_s > 0 && lg_now_us() >= run->stop_us) ||
	    (run->cfg.ops_max > 0 && run->ops_started >= run->cfg.ops_max))
		run->stopping = true;
	return run->stopping;
}

bool lg_run_take_op(struct lg_run *run)
{
	if (lg_run_should_stop(run))
		return false;
	run->ops_started++;
	return true;
}

static long lg_proc_ppid(const char *pid_dir)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%s/stat", pid_dir);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	const char *p = strrchr(buf, ')'); /* comm may hold spaces */
	long ppid = -1;
	if (!p || sscanf(p + 1, " %*c %ld", &ppid) != 1)
		return -1;
	return ppid;
}

/* First number after key in a /proc file of "Key:   123 kB" lines, bytes. */
static uint64_t lg_proc_kb_field(long pid, const char *file, const char *key)
{
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%ld/%s", pid, file);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	uint64_t v = 0;
	size_t kl = strlen(key);
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, kl) == 0) {
			v = strtoull(line + kl, NULL, 10) * 1024u;
			break;
		}
	}
	fclose(f);
	return v;
}

void lg_run_server_memory(const struct lg_run *run, uint64_t *rss_r, uint64_t *pss_r,
			  unsigned *procs_r)
{
	static long pid[LG_RUN_PROCS_MAX], ppid[LG_RUN_PROCS_MAX];
	static bool mark[LG_RUN_PROCS_MAX];
	unsigned n = 0;
	DIR *d = opendir("/proc");
	struct dirent *de;
	while (d && (de = readdir(d)) && n < LG_RUN_PROCS_MAX) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		pid[n] = atol(de->d_name);
		ppid[n] = lg_proc_ppid(de->d_name);
		mark[n] = false;
		for (unsigned k = 0; k < run->cfg.server_pid_count; k++)
			mark[n] |= pid[n] == run->cfg.server_pids[k];
		n++;
	}
	if (d)
		closedir(d);
	/* Descendants: repeat until no process is added (depth is small). */
	for (bool grew = true; grew;) {
		grew = false;
		for (unsigned i = 0; i < n; i++)
			for (unsigned j = 0; j < n && !mark[i]; j++)
				if (mark[j] && ppid[i] == pid[j])
					mark[i] = grew = true;
	}
	*rss_r = *pss_r = 0;
	*procs_r = 0;
	for (unsigned i = 0; i < n; i++) {
		if (!mark[i])
			continue;
		*rss_r += lg_proc_kb_field(pid[i], "status", "VmRSS:");
		*pss_r += lg_proc_kb_field(pid[i], "smaps_rollup", "Pss:");
		(*procs_r)++;
	}
}

static enum rm_err lg_run_setup(struct lg_run *run)
{
	struct lg_config *cfg = &run->cfg;
	run->dst.sin_family = AF_INET;
	run->dst.sin_port = htons((uint16_t)cfg->port);
	if (inet_pton(AF_INET, cfg->host, &run->dst.sin_addr) != 1 ||
	    (ntohl(run->dst.sin_addr.s_addr) >> 24) != 127) {
		fprintf(stderr, "loadgen: host must be an IPv4 address in 127.0.0.0/8\n");
		return RM_ERR_INVAL;
	}
	for (unsigned i = 0; i < cfg->src_addrs; i++)
		run->src[i].s_addr = htonl(0x7f000001u + i);
	lg_engine_raise_nofile();
	if (lg_engine_init(&run->eng, cfg->tls) != RM_OK) {
		fprintf(stderr, "loadgen: engine init failed\n");
		return RM_ERR_IO;
	}
	lg_sess_bind_engine(run);
	if (run->wl->prepare) {
		enum rm_err err = run->wl->prepare(run);
		if (err != RM_OK)
			return err;
	}
	run->sess_count = cfg->clients;
	run->sess = rm_calloc(cfg->clients, sizeof(*run->sess));
	for (unsigned i = 0; i < cfg->clients; i++) {
		struct lg_sess *s = &run->sess[i];
		s->run = run;
		s->id = i;
		s->conn.fd = -1;
		s->user = cfg->user_first + i % RM_MAX(cfg->users, 1u);
		s->rng = cfg->seed * 0x9e3779b97f4a7c15ull + i + 1;
	}
	return RM_OK;
}

static void lg_run_loop(struct lg_run *run)
{
	uint64_t last_tick = lg_now_us();
	uint64_t hard_us = run->stop_us + (uint64_t)run->cfg.timeout_ms * 1000u + 2000000u;
	if (run->cfg.duration_s <= 0)
		hard_us = run->start_us + LG_RUN_MAX_S * 1000000ull;
	while (run->eng.open_count > 0 || (run->retry_pending > 0 && !run->stopping)) {
		if (lg_engine_poll(&run->eng, LG_RUN_TICK_MS) < 0)
			break;
		uint64_t now = lg_now_us();
		if (now > hard_us)
			break;
		if (now - last_tick < LG_RUN_TICK_MS * 1000u)
			continue;
		last_tick = now;
		lg_run_should_stop(run);
		for (unsigned i = 0; i < run->sess_count; i++)
			lg_sess_check_timeout(&run->sess[i], now);
	}
}

/* Appends " error_kinds=KIND:N,KIND:N" for the kinds that failed. */
static void lg_run_error_kinds(const struct lg_run *run, char *out, size_t cap)
{
	size_t n = 0;
	for (unsigned k = 0; k < LG_K__COUNT && n + 1 < cap; k++) {
		if (run->stats.errors[k] == 0)
			continue;
		int w = snprintf(out + n, cap - n, "%s%s:%llu", n ? "," : " error_kinds=",
				 lg_kind_name((enum lg_kind)k),
				 (unsigned long long)run->stats.errors[k]);
		if (w < 0 || (size_t)w >= cap - n)
			break;
		n += (size_t)w;
	}
}

static void lg_run_report(struct lg_run *run)
{
	const struct lg_config *cfg = &run->cfg;
	const struct lg_hist *h = &run->stats.hist[run->wl->primary];
	uint64_t errors = 0;
	for (unsigned k = 0; k < LG_K__COUNT; k++)
		errors += run->stats.errors[k];
	double secs = run->elapsed_s > 0 ? run->elapsed_s : 1e-9;
	if (!cfg->quiet) {
		printf("workload %s, %s:%u%s, %u clients, %.2f s, %.1f MB received\n",
		       run->wl->name, cfg->host, cfg->port, cfg->tls ? " (TLS)" : "", cfg->clients,
		       run->elapsed_s, (double)run->eng.bytes_in / 1e6);
		lg_stats_print_table(&run->stats, secs, stdout);
	}
	char extra[1024] = "";
	if (run->wl->result_extra)
		run->wl->result_extra(run, extra, sizeof(extra));
	lg_run_error_kinds(run, extra + strlen(extra), sizeof(extra) - strlen(extra));
	printf("RESULT workload=%s port=%u tls=%d clients=%u seconds=%.3f ops=%llu ops_per_s=%.2f "
	       "p50_ms=%.3f p99_ms=%.3f p999_ms=%.3f errors=%llu%s%s\n",
	       run->wl->name, cfg->port, cfg->tls, cfg->clients, run->elapsed_s,
	       (unsigned long long)h->total, (double)h->total / secs,
	       (double)lg_hist_quantile_us(h, 0.5) / 1000.0,
	       (double)lg_hist_quantile_us(h, 0.99) / 1000.0,
	       (double)lg_hist_quantile_us(h, 0.999) / 1000.0,
	       (unsigned long long)errors, extra[0] && extra[0] != ' ' ? " " : "", extra);
	fflush(stdout);
}

static void lg_run_teardown(struct lg_run *run)
{
	for (unsigned i = 0; i < run->sess_count; i++) {
		lg_conn_close(&run->eng, &run->sess[i].conn);
		lg_conn_free_buffers(&run->sess[i].conn);
	}
	free(run->sess);
	run->sess = NULL;
	lg_engine_fini(&run->eng);
	datagen_sizes_free(&run->sizes);
}

int lg_run_main(struct lg_run *run)
{
	if (lg_run_setup(run) != RM_OK)
		return 2;
	run->start_us = lg_now_us();
	run->stop_us = run->start_us + (uint64_t)(run->cfg.duration_s * 1e6);
	int rc;
	if (run->wl->drive) {
		rc = run->wl->drive(run);
	} else {
		for (unsigned i = 0; i < run->sess_count; i++)
			(void)lg_sess_connect(&run->sess[i]);
		lg_run_loop(run);
		run->elapsed_s = (double)(lg_now_us() - run->start_us) / 1e6;
		lg_run_report(run);
		rc = run->stats.hist[run->wl->primary].total > 0 ? 0 : 1;
	}
	lg_run_teardown(run);
	return rc;
}
