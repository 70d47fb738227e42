/* Control socket encoding; see control_wire.h. */
#include "server/control_wire.h"

#include <string.h>

#include "common/util.h"

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
