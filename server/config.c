#include "server/config.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/limits.h"
#include "common/log.h"
#include "common/util.h"

enum key_type { K_STR, K_UINT, K_BOOL, K_BYTES, K_MS, K_LISTEN, K_LOGLEVEL };

struct key {
	const char *name;
	enum key_type type;
	size_t off;      /* field offset in struct rm_config */
	size_t size;     /* field size (strings) */
	size_t count_off;/* K_LISTEN: offset of the count */
	const char *def;
	const char *doc;
};

#define STR(field) offsetof(struct rm_config, field), sizeof(((struct rm_config *)0)->field), 0
#define NUM(field) offsetof(struct rm_config, field), sizeof(((struct rm_config *)0)->field), 0
#define LST(field) offsetof(struct rm_config, field), 0, offsetof(struct rm_config, field##_count)

static const struct key keys[] = {
	{ "data_dir", K_STR, STR(data_dir), "./data",
	  "Data directory made by `ringmail init` (partitions, logs, indexes)." },
	{ "workers", K_UINT, NUM(workers), "0",
	  "Worker threads; 0 = one per online CPU." },
	{ "pin_workers", K_BOOL, NUM(pin_workers), "yes",
	  "Pin worker i to CPU i (pthread_setaffinity_np)." },
	{ "imap_listen", K_LISTEN, LST(imap_listen), "127.0.0.1:1143",
	  "IMAP with STARTTLS: comma-separated host:port list ([::1]:143 for IPv6); empty = off." },
	{ "imaps_listen", K_LISTEN, LST(imaps_listen), "127.0.0.1:1993",
	  "IMAP over implicit TLS (RFC 8314): host:port list; empty = off." },
	{ "tls_cert", K_STR, STR(tls_cert), "",
	  "PEM certificate chain; empty = <data_dir>/tls/cert.pem.  Reloaded on SIGHUP." },
	{ "tls_key", K_STR, STR(tls_key), "",
	  "PEM private key; empty = <data_dir>/tls/key.pem.  Reloaded on SIGHUP." },
	{ "passwd_file", K_STR, STR(passwd_file), "",
	  "Dovecot-format passwd-file (user:{SCHEME}hash:...); empty = <data_dir>/passwd.  Reloaded on SIGHUP." },
	{ "auth_threads", K_UINT, NUM(auth_threads), "2",
	  "Threads that verify password hashes, off the workers." },
	{ "plaintext_auth_loopback", K_BOOL, NUM(plaintext_auth_loopback), "yes",
	  "Allow LOGIN and AUTHENTICATE PLAIN/LOGIN without TLS from 127.0.0.0/8 and ::1." },
	{ "plaintext_auth_anywhere", K_BOOL, NUM(plaintext_auth_anywhere), "no",
	  "Allow plaintext authentication without TLS from any address (never in production)." },
	{ "max_connections", K_UINT, NUM(max_connections), "200000",
	  "Connections in total; further ones get `* BYE [UNAVAILABLE]` and are closed." },
	{ "max_connections_per_ip", K_UINT, NUM(max_connections_per_ip), "2000",
	  "Connections from one address; 0 = unlimited." },
	{ "append_max_bytes", K_BYTES, NUM(append_max_bytes), "64M",
	  "Largest message APPEND accepts, advertised as APPENDLIMIT (RFC 7889)." },
	{ "timeout_preauth_ms", K_MS, NUM(timeout_preauth_ms), "60s",
	  "Autologout before authentication." },
	{ "timeout_auth_ms", K_MS, NUM(timeout_auth_ms), "30m",
	  "Autologout once authenticated, IDLE included (RFC 9051 5.4: at least 30 minutes)." },
	{ "output_stall_ms", K_MS, NUM(output_stall_ms), "60s",
	  "A connection whose queued output makes no progress this long is dropped (slow reader)." },
	{ "auth_cache_ttl_ms", K_MS, NUM(auth_cache_ttl_ms), "5m",
	  "How long a verified password stays cached (per worker); 0 = no cache." },
	{ "literal_plus", K_BOOL, NUM(literal_plus), "yes",
	  "Advertise LITERAL+ (RFC 7888); `no` advertises LITERAL- (non-synchronizing literals up to 4096 bytes)." },
	{ "log_level", K_LOGLEVEL, NUM(log_level), "info",
	  "debug, info, notice (start, stop and reload lines only), warn or error." },
	{ "greeting_name", K_STR, STR(greeting_name), "ringmail",
	  "Name in the greeting line." },
	{ "lmtp_listen", K_LISTEN, LST(lmtp_listen), "127.0.0.1:2424",
	  "LMTP delivery (RFC 2033) over TCP: host:port list; empty = off.  Keep it on loopback or a trusted network: LMTP has no authentication." },
	{ "lmtp_socket", K_STR, STR(lmtp_socket), "",
	  "LMTP over a UNIX socket; empty = <data_dir>/lmtp.sock, `off` = none." },
	{ "metrics_listen", K_LISTEN, LST(metrics_listen), "127.0.0.1:9143",
	  "Prometheus metrics over HTTP (GET /metrics): host:port list; empty = off." },
	{ "control_socket", K_STR, STR(control_socket), "",
	  "UNIX socket the `ringmail` admin command uses while the server runs; empty = <data_dir>/control.sock." },
	{ "user", K_STR, STR(run_user), "",
	  "When started as root: the user to run as after binding the sockets; empty = stay." },
	{ "group", K_STR, STR(run_group), "",
	  "When started as root: the group to run as; empty = the user's primary group." },
	{ "segment_max_bytes", K_BYTES, NUM(segment_max_bytes), "64M",
	  "Log segments roll over at this size." },
	{ "checkpoint_idle_ms", K_MS, NUM(checkpoint_idle_ms), "2s",
	  "A partition idle this long is checkpointed (LMDB synced, marked clean); 0 = only at close." },
	{ "compact_live_percent", K_UINT, NUM(compact_live_percent), "50",
	  "Background compaction rewrites sealed segments whose live bytes fall under this percentage." },
	{ "compact_check_ms", K_MS, NUM(compact_check_ms), "10m",
	  "How often an idle partition looks for segments to compact; 0 = never in the background." },
	{ "vanished_keep", K_UINT, NUM(vanished_keep), "100000",
	  "Expunged UIDs each mailbox remembers for QRESYNC (about 40 bytes each); a client older than "
	  "the oldest gets every UID it names that is gone. 0 = all." },
};

static const struct key *key_find(const char *name)
{
	for (size_t i = 0; i < RM_ARRAY_LEN(keys); i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

/* A number followed by one of the units in the table (multiplier per
 * suffix; "" is the bare number).  Overflow is an error. */
struct unit {
	const char *suffix;
	uint64_t mul;
};

static int parse_with_unit(const char *v, const struct unit *units, uint64_t *r)
{
	if (!isdigit((unsigned char)*v))
		return -1;
	errno = 0;
	char *end;
	unsigned long long n = strtoull(v, &end, 10);
	if (errno)
		return -1;
	for (const struct unit *u = units; u->suffix; u++) {
		if (strcmp(end, u->suffix) != 0)
			continue;
		if (n && UINT64_MAX / u->mul < n)
			return -1;
		*r = n * u->mul;
		return 0;
	}
	return -1;
}

static int parse_uint(const char *v, uint64_t *r)
{
	static const struct unit none[] = { { "", 1 }, { NULL, 0 } };
	return parse_with_unit(v, none, r);
}

/* "64M", "512k", "1G", "100" (bytes). */
static int parse_bytes(const char *v, uint64_t *r)
{
	static const struct unit units[] = {
		{ "", 1 }, { "B", 1 }, { "b", 1 },
		{ "k", 1024 }, { "K", 1024 }, { "kB", 1024 }, { "KB", 1024 },
		{ "m", 1024 * 1024 }, { "M", 1024 * 1024 }, { "MB", 1024 * 1024 },
		{ "g", 1024ull * 1024 * 1024 }, { "G", 1024ull * 1024 * 1024 },
		{ "GB", 1024ull * 1024 * 1024 }, { NULL, 0 },
	};
	return parse_with_unit(v, units, r);
}

/* "250ms", "60s", "30m", "1h", "500" (ms). */
static int parse_ms(const char *v, uint64_t *r)
{
	static const struct unit units[] = {
		{ "", 1 }, { "ms", 1 }, { "s", 1000 }, { "m", 60 * 1000 }, { "min", 60 * 1000 },
		{ "h", 3600 * 1000 }, { NULL, 0 },
	};
	return parse_with_unit(v, units, r);
}

static int parse_bool(const char *v, bool *r)
{
	if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "on") || !strcmp(v, "1"))
		*r = true;
	else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "off") || !strcmp(v, "0"))
		*r = false;
	else
		return -1;
	return 0;
}

/* host:port or [v6]:port */
static int parse_one_addr(const char *s, size_t len, struct rm_listen_addr *a)
{
	const char *colon;
	const char *host = s;
	size_t hlen;
	if (len && s[0] == '[') {
		const char *rb = memchr(s, ']', len);
		if (!rb || rb + 1 >= s + len || rb[1] != ':')
			return -1;
		host = s + 1;
		hlen = (size_t)(rb - s - 1);
		colon = rb + 1;
	} else {
		colon = NULL;
		for (size_t i = 0; i < len; i++)
			if (s[i] == ':')
				colon = s + i;
		if (!colon)
			return -1;
		hlen = (size_t)(colon - s);
	}
	if (hlen == 0 || hlen >= sizeof(a->host))
		return -1;
	char port[8];
	size_t plen = (size_t)(s + len - colon - 1);
	if (plen == 0 || plen >= sizeof(port))
		return -1;
	memcpy(port, colon + 1, plen);
	port[plen] = '\0';
	uint64_t p;
	if (parse_uint(port, &p) < 0 || p > 65535)
		return -1;
	memcpy(a->host, host, hlen);
	a->host[hlen] = '\0';
	a->port = (uint16_t)p;
	return 0;
}

static int parse_listen(const char *v, struct rm_listen_addr *list, unsigned *count)
{
	unsigned n = 0;
	const char *p = v;
	while (*p) {
		while (*p == ' ' || *p == ',')
			p++;
		if (!*p)
			break;
		const char *e = p;
		while (*e && *e != ',' && *e != ' ')
			e++;
		if (n >= RM_LISTEN_MAX || parse_one_addr(p, (size_t)(e - p), &list[n]) < 0)
			return -1;
		n++;
		p = e;
	}
	*count = n;
	return 0;
}

static void store_num(void *field, size_t size, uint64_t n)
{
	if (size == sizeof(uint64_t))
		*(uint64_t *)field = n;
	else
		*(unsigned *)field = (unsigned)n;
}

enum rm_err config_set(struct rm_config *cfg, const char *name, const char *v, const char *origin)
{
	const struct key *k = key_find(name);
	if (!k) {
		fprintf(stderr, "%s: unknown key '%s' (ringmaild --help-config lists them)\n", origin, name);
		return RM_ERR_INVAL;
	}
	void *field = (char *)cfg + k->off;
	uint64_t n = 0;
	int bad = 0;
	switch (k->type) {
	case K_STR:
		if (strlen(v) >= k->size)
			bad = 1;
		else
			strcpy(field, v);
		break;
	case K_UINT:
		bad = parse_uint(v, &n);
		if (!bad && k->size == sizeof(unsigned) && n > UINT32_MAX)
			bad = 1;
		if (!bad)
			store_num(field, k->size, n);
		break;
	case K_BYTES:
		bad = parse_bytes(v, &n);
		if (!bad)
			store_num(field, k->size, n);
		break;
	case K_MS:
		bad = parse_ms(v, &n);
		if (!bad)
			store_num(field, k->size, n);
		break;
	case K_BOOL:
		bad = parse_bool(v, field);
		break;
	case K_LISTEN:
		bad = parse_listen(v, field, (unsigned *)((char *)cfg + k->count_off));
		break;
	case K_LOGLEVEL: {
		int lv = rm_log_level_parse(v);
		bad = lv < 0;
		if (!bad)
			*(int *)field = lv;
		break;
	}
	}
	if (bad) {
		fprintf(stderr, "%s: bad value '%s' for %s (%s)\n", origin, v, name, k->doc);
		return RM_ERR_INVAL;
	}
	return RM_OK;
}

void config_defaults(struct rm_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < RM_ARRAY_LEN(keys); i++) {
		enum rm_err e = config_set(cfg, keys[i].name, keys[i].def, "default");
		RM_ASSERT(e == RM_OK);
	}
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

enum rm_err config_load_file(struct rm_config *cfg, const char *path, bool must_exist)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		if (!must_exist && errno == ENOENT)
			return RM_OK;
		fprintf(stderr, "%s: cannot open: %s\n", path, strerror(errno));
		return RM_ERR_IO;
	}
	char line[2048];
	unsigned lineno = 0;
	enum rm_err err = RM_OK;
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		char origin[600];
		snprintf(origin, sizeof(origin), "%s:%u", path, lineno);
		if (!strchr(line, '\n') && !feof(f)) {
			fprintf(stderr, "%s: line too long\n", origin);
			err = RM_ERR_INVAL;
			break;
		}
		char *s = trim(line);
		if (*s == '\0' || *s == '#')
			continue;
		char *eq = strchr(s, '=');
		if (!eq) {
			fprintf(stderr, "%s: expected key = value\n", origin);
			err = RM_ERR_INVAL;
			break;
		}
		*eq = '\0';
		err = config_set(cfg, trim(s), trim(eq + 1), origin);
		if (err)
			break;
	}
	fclose(f);
	return err;
}

/* Socket paths under data_dir and the storage tunables' ranges. */
static enum rm_err config_finish_ops(struct rm_config *cfg)
{
	struct { char *field; size_t size; const char *rel; } socks[] = {
		{ cfg->lmtp_socket, sizeof(cfg->lmtp_socket), "lmtp.sock" },
		{ cfg->control_socket, sizeof(cfg->control_socket), "control.sock" },
	};
	for (size_t i = 0; i < RM_ARRAY_LEN(socks); i++) {
		if (socks[i].field[0])
			continue;
		int n = snprintf(socks[i].field, socks[i].size, "%s/%s", cfg->data_dir, socks[i].rel);
		if (n < 0 || (size_t)n >= socks[i].size) {
			fprintf(stderr, "config: data_dir too long\n");
			return RM_ERR_INVAL;
		}
	}
	if (cfg->compact_live_percent > 100) {
		fprintf(stderr, "config: compact_live_percent must be 0..100\n");
		return RM_ERR_INVAL;
	}
	if (cfg->segment_max_bytes < 64u * 1024) {
		fprintf(stderr, "config: segment_max_bytes must be at least 64k\n");
		return RM_ERR_INVAL;
	}
	return RM_OK;
}

enum rm_err config_finish(struct rm_config *cfg)
{
	struct { char *field; size_t size; const char *rel; } paths[] = {
		{ cfg->tls_cert, sizeof(cfg->tls_cert), "tls/cert.pem" },
		{ cfg->tls_key, sizeof(cfg->tls_key), "tls/key.pem" },
		{ cfg->passwd_file, sizeof(cfg->passwd_file), "passwd" },
	};
	for (size_t i = 0; i < RM_ARRAY_LEN(paths); i++) {
		if (paths[i].field[0])
			continue;
		int n = snprintf(paths[i].field, paths[i].size, "%s/%s", cfg->data_dir, paths[i].rel);
		if (n < 0 || (size_t)n >= paths[i].size) {
			fprintf(stderr, "config: data_dir too long\n");
			return RM_ERR_INVAL;
		}
	}
	if (config_finish_ops(cfg) != RM_OK)
		return RM_ERR_INVAL;
	if (cfg->imap_listen_count + cfg->imaps_listen_count == 0) {
		fprintf(stderr, "config: imap_listen and imaps_listen are both empty\n");
		return RM_ERR_INVAL;
	}
	if (cfg->timeout_auth_ms < 30u * 60 * 1000)
		rm_log(RM_LOG_WARN, "config_timeout_short",
		       "timeout_auth_ms=%llu note=\"RFC 9051 5.4 asks for at least 30 minutes\"",
		       (unsigned long long)cfg->timeout_auth_ms);
	if (cfg->append_max_bytes == 0 || cfg->append_max_bytes > RM_APPEND_DEFAULT_MAX_BYTES) {
		/* A message is one log record: RM_RECORD_MAX_BYTES bounds it. */
		fprintf(stderr, "config: append_max_bytes must be 1..%u\n", RM_APPEND_DEFAULT_MAX_BYTES);
		return RM_ERR_INVAL;
	}
	if (cfg->auth_threads == 0 || cfg->auth_threads > 64) {
		fprintf(stderr, "config: auth_threads must be 1..64\n");
		return RM_ERR_INVAL;
	}
	return RM_OK;
}

void config_print_doc(void)
{
	printf("# ringmail.conf — every key with its default\n");
	for (size_t i = 0; i < RM_ARRAY_LEN(keys); i++)
		printf("\n# %s\n%s = %s\n", keys[i].doc, keys[i].name, keys[i].def);
}
