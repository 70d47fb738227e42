/*
 * datagen_main.c — writes benchmark messages to files for inspection, or
 * prints how their sizes follow the size list.  The loader itself is
 * `loadgen -w load` (same generator, same seed, over IMAP APPEND).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/datagen.h"
#include "common/util.h"

static int datagen_write(const char *dir, uint64_t i, const struct rm_buf *m)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%06llu.eml", dir, (unsigned long long)i);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(m->data, 1, m->len, f) != m->len) {
		if (f)
			fclose(f);
		fprintf(stderr, "datagen: cannot write %s\n", path);
		return -1;
	}
	fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	const char *csv = "../shared/corpus/client-usage/mailbox_email_sizes.csv", *dir = NULL;
	uint64_t seed = 1, count = 10;
	uint32_t size_max = DATAGEN_MAX_BYTES;
	static const struct option opts[] = {
		{"sizes", 1, 0, 's'}, {"seed", 1, 0, 'S'}, {"count", 1, 0, 'n'},
		{"out", 1, 0, 'o'}, {"size-max", 1, 0, 'M'}, {0, 0, 0, 0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "s:S:n:o:M:", opts, NULL)) != -1) {
		switch (c) {
		case 's': csv = optarg; break;
		case 'S': seed = strtoull(optarg, NULL, 10); break;
		case 'n': count = strtoull(optarg, NULL, 10); break;
		case 'o': dir = optarg; break;
		case 'M': size_max = (uint32_t)strtoul(optarg, NULL, 10); break;
		default:
			fprintf(stderr, "usage: datagen [--sizes CSV] [--seed N] [--count N] "
				"[--size-max BYTES] [--out DIR]\n");
			return 2;
		}
	}
	struct datagen_sizes *sizes;
	enum rm_err err = datagen_sizes_load(csv, &sizes);
	if (err != RM_OK) {
		fprintf(stderr, "datagen: %s: %s\n", csv, rm_err_str(err));
		return 1;
	}
	struct rm_buf m = {0};
	uint64_t want = 0, got = 0, multipart = 0, rare = 0;
	for (uint64_t i = 0; i < count; i++) {
		rm_buf_reset(&m);
		uint32_t target = datagen_size_of(sizes, seed, i, size_max);
		datagen_message(seed, i, target, &m);
		want += target;
		got += m.len;
		multipart += memmem(m.data, m.len, "multipart/", 10) != NULL;
		rare += memmem(m.data, m.len, DATAGEN_WORD_RARE, strlen(DATAGEN_WORD_RARE)) != NULL;
		if (dir && datagen_write(dir, i, &m) < 0)
			return 1;
	}
	printf("messages=%llu target_bytes=%llu actual_bytes=%llu mean_bytes=%llu multipart=%llu "
	       "rare_word_visible=%llu (size list: %zu rows)\n", (unsigned long long)count,
	       (unsigned long long)want, (unsigned long long)got,
	       (unsigned long long)(count ? got / count : 0), (unsigned long long)multipart,
	       (unsigned long long)rare, sizes->count);
	rm_buf_free(&m);
	datagen_sizes_free(&sizes);
	return 0;
}
