/* DATA dot-unstuffing; see lmtp_data.h. */
#include "server/lmtp/lmtp_data.h"

#include <string.h>

void lmtp_data_begin(struct lmtp_data *d, uint64_t max_bytes)
{
	rm_buf_reset(&d->body);
	d->max_bytes = max_bytes;
	d->too_big = false;
	d->state = LMTP_DATA_BOL;
}

void lmtp_data_fini(struct lmtp_data *d)
{
	rm_buf_free(&d->body);
}

static void put(struct lmtp_data *d, const char *p, size_t n)
{
	if (d->too_big || d->body.len + n > d->max_bytes) {
		d->too_big = true;
		return;
	}
	rm_buf_append(&d->body, p, n);
}

int lmtp_data_feed(struct lmtp_data *d, const char *p, size_t n, size_t *used_r)
{
	size_t i = 0;
	while (i < n) {
		char c = p[i];
		switch (d->state) {
		case LMTP_DATA_BOL:
			if (c == '.') {
				d->state = LMTP_DATA_DOT;
				i++;
				continue;
			}
			d->state = LMTP_DATA_MID;
			continue;
		case LMTP_DATA_MID: {
			/* The rest of the line in one piece. */
			const char *nl = memchr(p + i, '\n', n - i);
			size_t span = nl ? (size_t)(nl - (p + i)) + 1 : n - i;
			put(d, p + i, span);
			i += span;
			if (nl)
				d->state = LMTP_DATA_BOL;
			continue;
		}
		case LMTP_DATA_DOT:
			if (c == '\r') {
				d->state = LMTP_DATA_DOTCR;
				i++;
				continue;
			}
			if (c == '\n') {
				*used_r = i + 1;
				return 1;
			}
			/* A stuffed line: the leading dot is gone. */
			d->state = LMTP_DATA_MID;
			continue;
		case LMTP_DATA_DOTCR:
			if (c == '\n') {
				*used_r = i + 1;
				return 1;
			}
			put(d, "\r", 1);
			d->state = LMTP_DATA_MID;
			continue;
		}
	}
	*used_r = n;
	return 0;
}
