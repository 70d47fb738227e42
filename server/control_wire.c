/* Control socket encoding; see control_wire.h. */
#include "server/control_wire.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "common/limits.h"
#include "common/util.h"
#include "storage/store_types.h"

void control_arg_put(struct rm_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	if (n == 0) {
		rm_buf_putc(b, '%');
		return;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= 0x20 || c == '%' || c == 0x7f) {
			char e[3] = { '%', hex[c >> 4], hex[c & 15] };
			rm_buf_append(b, e, 3);
		} else {
			rm_buf_putc(b, (char)c);
		}
	}
}

/* Decodes [s, s+n) in place; returns the decoded length or -1. */
static long decode(char *s, size_t n)
{
	if (n == 1 && s[0] == '%')
		return 0;
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '%') {
			s[o++] = s[i];
			continue;
		}
		if (i + 2 >= n)
			return -1;
		int h = rm_hex_digit(s[i + 1]), l = rm_hex_digit(s[i + 2]);
		if (h < 0 || l < 0)
			return -1;
		s[o++] = (char)(h << 4 | l);
		i += 2;
	}
	return (long)o;
}

int control_args_split(char *line, size_t len, char **argv, size_t *lens, unsigned max)
{
	unsigned n = 0;
	size_t i = 0;
	while (i < len) {
		while (i < len && line[i] == ' ')
			i++;
		if (i == len)
			break;
		size_t s = i;
		while (i < len && line[i] != ' ')
			i++;
		if (n == max)
			return -1;
		long d = decode(line + s, i - s);
		if (d < 0)
			return -1;
		argv[n] = line + s;
		lens[n] = (size_t)d;
		n++;
		if (i < len)
			i++;
		line[s + (size_t)d] = '\0';
	}
	return (int)n;
}

static const struct {
	const char *name;
	uint32_t flag;
} sys_flags[] = {
	{ "\\Seen", STORE_F_SEEN }, { "\\Answered", STORE_F_ANSWERED },
	{ "\\Flagged", STORE_F_FLAGGED }, { "\\Deleted", STORE_F_DELETED },
	{ "\\Draft", STORE_F_DRAFT },
};

void control_flags_put(struct rm_buf *b, uint32_t flags, const char *const *kw,
		       const size_t *kw_lens, unsigned nkw)
{
	struct rm_buf f = { 0 };
	for (size_t i = 0; i < RM_ARRAY_LEN(sys_flags); i++) {
		if (!(flags & sys_flags[i].flag))
			continue;
		if (f.len)
			rm_buf_putc(&f, ',');
		rm_buf_puts(&f, sys_flags[i].name);
	}
	for (unsigned k = 0; k < nkw; k++) {
		if (!kw_lens[k] || memchr(kw[k], ',', kw_lens[k]))
			continue;
		if (f.len)
			rm_buf_putc(&f, ',');
		rm_buf_append(&f, kw[k], kw_lens[k]);
	}
	if (f.len)
		control_arg_put(b, f.data, f.len);
	else
		rm_buf_putc(b, '-');
	rm_buf_free(&f);
}

bool control_flags_parse(char *field, uint32_t *flags_r, const char **kw, size_t *kw_lens,
			 unsigned max, unsigned *nkw_r)
{
	*flags_r = 0;
	*nkw_r = 0;
	if (!strcmp(field, "-"))
		return true;
	for (char *save = NULL, *t = strtok_r(field, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		size_t i = 0;
		while (i < RM_ARRAY_LEN(sys_flags) && strcasecmp(t, sys_flags[i].name))
			i++;
		if (i < RM_ARRAY_LEN(sys_flags)) {
			*flags_r |= sys_flags[i].flag;
			continue;
		}
		if (t[0] == '\\' || *nkw_r == max || strlen(t) > RM_KEYWORD_MAX_BYTES)
			return false;
		kw[*nkw_r] = t;
		kw_lens[(*nkw_r)++] = strlen(t);
	}
	return true;
}
