/* ringmail init: creates a data directory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/limits.h"
#include "storage/store.h"

int cli_init(struct cli_ctx *ctx)
{
	unsigned partitions = RM_PARTITIONS_DEFAULT;
	for (int i = 0; i < ctx->argc; i++) {
		if (!strcmp(ctx->argv[i], "-p") && i + 1 < ctx->argc) {
			char *end;
			long v = strtol(ctx->argv[++i], &end, 10);
			if (*end || v < 1 || v > (long)RM_PARTITIONS_MAX)
				return cli_fail("partitions must be 1..%u", RM_PARTITIONS_MAX);
			partitions = (unsigned)v;
		} else {
			return cli_fail("init: unexpected argument %s", ctx->argv[i]);
		}
	}
	enum rm_err err = store_init(ctx->data_dir, partitions);
	if (err == RM_ERR_EXISTS)
		return cli_fail("%s is already a data directory", ctx->data_dir);
	if (err != RM_OK)
		return cli_fail("init %s: %s", ctx->data_dir, rm_err_str(err));
	printf("created %s with %u partitions\n", ctx->data_dir, partitions);
	return 0;
}
