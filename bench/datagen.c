/*
 * datagen.c — deterministic realistic messages (see datagen.h).
 *
 * Body text is made of pseudo-words built from a fixed syllable set without
 * 'q' or 'z', so the planted needles (DATAGEN_WORD_RARE, DATAGEN_FROM_RARE)
 * occur exactly where they are planted.
 */
#include "bench/datagen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/util.h"

/* Dates start here and advance 10 minutes per message index. */
#define DATAGEN_EPOCH_S   1704067200 /* 2024-01-01T00:00:00Z */
/* Raw bytes per generated text chunk (whole lines). */
#define DATAGEN_CHUNK_BYTES 1026u

static const char *const datagen_syllables[] = {
	"ka", "ren", "to", "mi", "sol", "ve", "dan", "pe", "ri", "lo", "nu", "ta",
	"be", "ga", "fi", "mor", "sen", "hal", "tri", "po", "ne", "che", "wa", "li",
	"dro", "vin", "su", "bel", "cas", "tel", "mun", "dra",
};
static const char *const datagen_first[] = {
	"Alice", "Bruno", "Chiara", "Dmitri", "Elena", "Farid", "Greta", "Hiro",
	"Ines", "Jonas", "Kofi", "Lena", "Marta", "Nils", "Olga", "Pavel",
};
static const char *const datagen_last[] = {
	"Andersen", "Becker", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia",
	"Hansen", "Ito", "Jensen", "Kowalski", "Larsen", "Moreau", "Novak",
};
static const char *const datagen_domains[] = {
	"example.com", "example.org", "example.net", "mail.example", "corp.example",
};

struct datagen_charset {
	const char *name;
	const char *cte;  /* 7bit, 8bit, quoted-printable, base64 */
	const char *accent; /* a non-ASCII sample in this charset, or NULL */
};
static const struct datagen_charset datagen_charsets[] = {
	{"us-ascii", "7bit", NULL},
	{"utf-8", "quoted-printable", "\xc3\xa9t\xc3\xa9"},
	{"utf-8", "base64", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"},
	{"utf-8", "8bit", "gr\xc3\xbc\xc3\x9f"},
	{"iso-8859-1", "quoted-printable", "caf\xe9"},
	{"windows-1252", "8bit", "\x93quoted\x94"},
	{"koi8-r", "base64", "\xd0\xd2\xc9\xd7\xc5\xd4"},
};
static const char *const datagen_attach_types[] = {
	"application/pdf; name=\"report.pdf\"", "image/jpeg; name=\"photo.jpg\"",
	"application/zip; name=\"archive.zip\"",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document; name=\"notes.docx\"",
};

#define PICK(rng, arr) (arr[datagen_rand(rng) % RM_ARRAY_LEN(arr)])

uint64_t datagen_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* ---- size list ------------------------------------------------------------ */

static int datagen_csv_column(const char *header, const char *name)
{
	int col = 0;
	size_t nl = strlen(name);
	for (const char *p = header; *p; col++) {
		size_t n = strcspn(p, ",\r\n");
		if (n == nl && memcmp(p, name, n) == 0)
			return col;
		if (p[n] != ',')
			break;
		p += n + 1;
	}
	return -1;
}

static int datagen_csv_field_u32(const char *line, int col, uint32_t *v_r)
{
	const char *p = line;
	for (int i = 0; i < col; i++) {
		p = strchr(p, ',');
		if (!p)
			return -1;
		p++;
	}
	char *end;
	unsigned long v = strtoul(p, &end, 10);
	if (end == p || v > UINT32_MAX)
		return -1;
	*v_r = (uint32_t)v;
	return 0;
}

enum rm_err datagen_sizes_load(const char *csv_path, struct datagen_sizes **sizes_r)
{
	*sizes_r = NULL;
	FILE *f = fopen(csv_path, "r");
	if (!f)
		return RM_ERR_IO;
	char line[1024];
	int col = fgets(line, sizeof(line), f) ? datagen_csv_column(line, "size") : -1;
	if (col < 0) {
		fclose(f);
		return RM_ERR_SYNTAX;
	}
	struct datagen_sizes *s = rm_calloc(1, sizeof(*s));
	size_t cap = 0;
	enum rm_err err = RM_OK;
	while (fgets(line, sizeof(line), f)) {
		uint32_t v;
		if (datagen_csv_field_u32(line, col, &v) < 0)
			continue;
		if (s->count == DATAGEN_SIZES_MAX_ROWS) {
			err = RM_ERR_LIMIT;
			break;
		}
		if (s->count == cap) {
			cap = cap ? cap * 2 : 1024;
			s->sizes_bytes = rm_realloc(s->sizes_bytes, cap * sizeof(uint32_t));
		}
		s->sizes_bytes[s->count++] = v;
	}
	fclose(f);
	if (err == RM_OK && s->count == 0)
		err = RM_ERR_SYNTAX;
	if (err != RM_OK)
		datagen_sizes_free(&s);
	*sizes_r = s;
	return err;
}

struct datagen_sizes *datagen_sizes_fixed(uint32_t size_bytes)
{
	struct datagen_sizes *s = rm_calloc(1, sizeof(*s));
	s->sizes_bytes = rm_malloc(sizeof(uint32_t));
	s->sizes_bytes[0] = size_bytes;
	s->count = 1;
	return s;
}

void datagen_sizes_free(struct datagen_sizes **sizes)
{
	if (!*sizes)
		return;
	free((*sizes)->sizes_bytes);
	free(*sizes);
	*sizes = NULL;
}

uint32_t datagen_size_draw(const struct datagen_sizes *sizes, uint64_t *rng, uint32_t max_bytes)
{
	RM_ASSERT(sizes && sizes->count > 0);
	uint32_t v = sizes->sizes_bytes[datagen_rand(rng) % sizes->count];
	if (max_bytes < DATAGEN_MIN_BYTES)
		max_bytes = DATAGEN_MIN_BYTES;
	return RM_MIN(RM_MAX(v, DATAGEN_MIN_BYTES), max_bytes);
}

uint32_t datagen_size_of(const struct datagen_sizes *sizes, uint64_t seed, uint64_t index,
			 uint32_t max_bytes)
{
	uint64_t rng = seed * 0x2545f4914f6cdd1dull ^ (index + 1) * 0x9e3779b97f4a7c15ull;
	return datagen_size_draw(sizes, &rng, max_bytes);
}

/* ---- encoders --------------------------------------------------------------- */

static void datagen_base64(struct rm_buf *out, const uint8_t *p, size_t n)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t col = 0;
	rm_buf_reserve(out, n / 3 * 4 + n / 57 * 2 + 8);
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		char q[4] = {tab[v >> 18], tab[(v >> 12) & 63],
			     i + 1 < n ? tab[(v >> 6) & 63] : '=', i + 2 < n ? tab[v & 63] : '='};
		rm_buf_append(out, q, 4);
		col += 4;
		if (col == 76) {
			rm_buf_puts(out, "\r\n");
			col = 0;
		}
	}
	if (col)
		rm_buf_puts(out, "\r\n");
}

/* Quoted-printable of text made of CRLF lines (RFC 2045 6.7), soft breaks at
 * 76 columns. */
static void datagen_qp(struct rm_buf *out, const uint8_t *p, size_t n)
{
	size_t col = 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];
		if (c == '\r' && i + 1 < n && p[i + 1] == '\n') {
			rm_buf_puts(out, "\r\n");
			i++;
			col = 0;
			continue;
		}
		int enc = c == '=' || c > 126 || (c < 32 && c != '\t');
		if (col + (enc ? 3 : 1) > 75) {
			rm_buf_puts(out, "=\r\n");
			col = 0;
		}
		if (enc)
			rm_buf_printf(out, "=%02X", c);
		else
			rm_buf_putc(out, (char)c);
		col += enc ? 3 : 1;
	}
}

static void datagen_encode(struct rm_buf *out, const char *cte, const struct rm_buf *raw)
{
	if (strcmp(cte, "base64") == 0)
		datagen_base64(out, (const uint8_t *)raw->data, raw->len);
	else if (strcmp(cte, "quoted-printable") == 0)
		datagen_qp(out, (const uint8_t *)raw->data, raw->len);
	else
		rm_buf_append(out, raw->data, raw->len);
}

/* ---- text ------------------------------------------------------------------- */

static void datagen_word(struct rm_buf *b, uint64_t *rng)
{
	unsigned n = 1 + (unsigned)(datagen_rand(rng) % 3);
	for (unsigned i = 0; i < n; i++)
		rm_buf_puts(b, PICK(rng, datagen_syllables));
}

/* One line of words, ending in CRLF, about 60-75 bytes; html wraps it. */
static void datagen_line(struct rm_buf *b, uint64_t *rng, const struct datagen_charset *cs,
			 int html, int plant)
{
	size_t start = b->len;
	if (html)
		rm_buf_puts(b, "<p>");
	while (b->len - start < 60) {
		uint64_t r = datagen_rand(rng) % 40;
		if (plant) {
			rm_buf_puts(b, DATAGEN_WORD_RARE);
			plant = 0;
		} else if (r == 0 && cs->accent) {
			rm_buf_puts(b, cs->accent);
		} else if (r == 1 && html) {
			rm_buf_puts(b, "<b>");
			datagen_word(b, rng);
			rm_buf_puts(b, "</b>");
		} else {
			datagen_word(b, rng);
		}
		rm_buf_putc(b, ' ');
	}
	rm_buf_puts(b, html ? "</p>\r\n" : "\r\n");
}

/* Appends an encoded text body of about wanted_bytes; plants the rare word
 * in the first line when plant is set. */
static void datagen_text_fill(struct rm_buf *out, uint64_t *rng, const struct datagen_charset *cs,
			      int html, int plant, size_t wanted_bytes)
{
	struct rm_buf raw = {0};
	size_t start = out->len;
	if (html)
		rm_buf_puts(out, "<html><head><title>note</title></head><body>\r\n");
	do {
		rm_buf_reset(&raw);
		size_t have = out->len - start;
		size_t left = wanted_bytes > have ? wanted_bytes - have : 0;
		size_t chunk = RM_MIN(DATAGEN_CHUNK_BYTES, left * 3 / 4 + 1);
		while (raw.len < chunk) {
			datagen_line(&raw, rng, cs, html, plant);
			plant = 0;
		}
		datagen_encode(out, cs->cte, &raw);
	} while (out->len - start + 16 < wanted_bytes);
	if (html)
		rm_buf_puts(out, "</body></html>\r\n");
	rm_buf_free(&raw);
}

static void datagen_attachment(struct rm_buf *out, uint64_t *rng, size_t wanted_bytes)
{
	/* 57 raw bytes make one 76-character line plus CRLF. */
	size_t raw_len = wanted_bytes / 78 * 57 + (wanted_bytes % 78) * 3 / 4;
	uint8_t *raw = rm_malloc(raw_len + 8);
	for (size_t i = 0; i < raw_len; i += 8) {
		uint64_t v = datagen_rand(rng);
		memcpy(raw + i, &v, 8);
	}
	datagen_base64(out, raw, raw_len);
	free(raw);
}

/* ---- message ---------------------------------------------------------------- */

static void datagen_headers(struct rm_buf *out, uint64_t *rng, uint64_t seed, uint64_t index)
{
	char date[64];
	time_t t = (time_t)(DATAGEN_EPOCH_S + (int64_t)index * 600);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	int rare_from = datagen_rand(rng) % 50 == 0;
	const char *first = rare_from ? DATAGEN_FROM_RARE : PICK(rng, datagen_first);
	const char *last = PICK(rng, datagen_last);
	const char *dom = PICK(rng, datagen_domains);
	rm_buf_printf(out, "Return-Path: <%s.%s@%s>\r\n", first, last, dom);
	rm_buf_printf(out, "Received: from mx%u.%s by mail.bench.example with ESMTPS id %016llx;\r\n"
		      "\t%s\r\n", (unsigned)(datagen_rand(rng) % 9), dom,
		      (unsigned long long)datagen_rand(rng), date);
	rm_buf_printf(out, "Date: %s\r\n", date);
	rm_buf_printf(out, "From: \"%s %s\" <%s.%s@%s>\r\n", first, last, first, last, dom);
	rm_buf_printf(out, "To: %s %s <%s@bench.example>\r\n", PICK(rng, datagen_first),
		      PICK(rng, datagen_last), PICK(rng, datagen_syllables));
	switch (datagen_rand(rng) % 4) {
	case 0: /* RFC 2047 B-encoded UTF-8 "Überblick" */
		rm_buf_puts(out, "Subject: =?UTF-8?B?w5xiZXJibGljaw==?= ");
		break;
	case 1: /* RFC 2047 Q-encoded Latin-1 "Réunion" */
		rm_buf_puts(out, "Subject: =?ISO-8859-1?Q?R=E9union?= ");
		break;
	default:
		rm_buf_puts(out, "Subject: ");
	}
	datagen_word(out, rng);
	rm_buf_putc(out, ' ');
	datagen_word(out, rng);
	rm_buf_printf(out, "\r\nMessage-ID: <%llu.%llx@bench.example>\r\nMIME-Version: 1.0\r\n",
		      (unsigned long long)index, (unsigned long long)seed);
}

static void datagen_part_header(struct rm_buf *out, const char *boundary, const char *type,
				const struct datagen_charset *cs)
{
	if (boundary)
		rm_buf_printf(out, "--%s\r\n", boundary);
	rm_buf_printf(out, "Content-Type: %s; charset=\"%s\"\r\nContent-Transfer-Encoding: %s\r\n\r\n",
		      type, cs->name, cs->cte);
}

/* multipart/alternative (text + html) of about wanted_bytes. */
static void datagen_alternative(struct rm_buf *out, uint64_t *rng, const struct datagen_charset *cs,
				int plant, size_t wanted_bytes, const char *boundary)
{
	size_t start = out->len;
	datagen_part_header(out, boundary, "text/plain", cs);
	datagen_text_fill(out, rng, cs, 0, plant, wanted_bytes / 3);
	size_t used = out->len - start + 128;
	datagen_part_header(out, boundary, "text/html", cs);
	datagen_text_fill(out, rng, cs, 1, plant, wanted_bytes > used ? wanted_bytes - used : 1);
	rm_buf_printf(out, "--%s--\r\n", boundary);
}

void datagen_message(uint64_t seed, uint64_t index, size_t target_bytes, struct rm_buf *out)
{
	uint64_t rng = seed ^ (index + 1) * 0xd1b54a32d192ed03ull;
	size_t start = out->len;
	if (target_bytes < DATAGEN_MIN_BYTES)
		target_bytes = DATAGEN_MIN_BYTES;
	int plant = datagen_rand(&rng) % 100 == 0;
	const struct datagen_charset *cs = &PICK(&rng, datagen_charsets);
	unsigned shape = (unsigned)(datagen_rand(&rng) % 10);
	if (target_bytes > 16 * 1024)
		shape = shape < 8 ? 9 : shape; /* big messages mostly carry an attachment */
	datagen_headers(out, &rng, seed, index);
	char b1[48], b2[48];
	snprintf(b1, sizeof(b1), "=_mix_%016llx", (unsigned long long)datagen_rand(&rng));
	snprintf(b2, sizeof(b2), "=_alt_%016llx", (unsigned long long)datagen_rand(&rng));
	size_t hdr = out->len - start;
	size_t body = target_bytes > hdr + 200 ? target_bytes - hdr - 200 : 200;
	if (shape < 5) {
		datagen_part_header(out, NULL, "text/plain", cs);
		datagen_text_fill(out, &rng, cs, 0, plant, body + 120);
	} else if (shape < 8) {
		rm_buf_printf(out, "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n", b2);
		datagen_alternative(out, &rng, cs, plant, body, b2);
	} else {
		rm_buf_printf(out, "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n"
			      "This is a multi-part message in MIME format.\r\n\r\n--%s\r\n"
			      "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n",
			      b1, b1, b2);
		datagen_alternative(out, &rng, cs, plant, RM_MIN(body / 4, 4096), b2);
		rm_buf_printf(out, "\r\n--%s\r\nContent-Type: %s\r\nContent-Transfer-Encoding: base64\r\n"
			      "Content-Disposition: attachment\r\n\r\n", b1,
			      PICK(&rng, datagen_attach_types));
		size_t used = out->len - start + 48;
		datagen_attachment(out, &rng, target_bytes > used ? target_bytes - used : 78);
		rm_buf_printf(out, "--%s--\r\n", b1);
	}
}
