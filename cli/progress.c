/* Progress lines; see progress.h. */
#include "cli/progress.h"

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "common/util.h"

#define REDRAW_MS 200u

void progress_start(struct progress *p, const char *what, const char *unit, uint64_t total)
{
	p->what = what;
	p->unit = unit;
	p->total = total;
	p->done = 0;
	p->start_ms = rm_now_ms();
	p->drawn_ms = 0;
	p->tty = isatty(2);
}

char *progress_format(char *out, unsigned cap, uint64_t done, uint64_t total, uint64_t elapsed_ms,
		      const char *unit)
{
	uint64_t rate = elapsed_ms ? done * 1000 / elapsed_ms : 0;
	int n = total ? snprintf(out, cap, "%llu/%llu %s (%llu%%), %llu/s", (unsigned long long)done,
				 (unsigned long long)total, unit,
				 (unsigned long long)(done * 100 / total), (unsigned long long)rate)
		: snprintf(out, cap, "%llu %s, %llu/s", (unsigned long long)done, unit,
			   (unsigned long long)rate);
	if (n > 0 && (unsigned)n < cap && total && rate && done <= total)
		snprintf(out + n, cap - (unsigned)n, ", %llus left",
			 (unsigned long long)((total - done) / rate));
	return out;
}

void progress_step(struct progress *p, uint64_t n)
{
	p->done += n;
	if (!p->tty)
		return;
	uint64_t now = rm_now_ms();
	if (now - p->drawn_ms < REDRAW_MS && p->done != p->total)
		return;
	p->drawn_ms = now;
	char line[128];
	fprintf(stderr, "\r%s: %s\033[K", p->what,
		progress_format(line, sizeof(line), p->done, p->total, now - p->start_ms, p->unit));
}

void progress_clear(struct progress *p)
{
	if (p->tty)
		fprintf(stderr, "\r\033[K");
}

void progress_end(struct progress *p, const char *extra_fmt, ...)
{
	uint64_t ms = rm_now_ms() - p->start_ms;
	progress_clear(p);
	printf("%s: %llu %s in %.1fs (%llu/s)", p->what, (unsigned long long)p->done, p->unit,
	       (double)ms / 1000.0, (unsigned long long)(ms ? p->done * 1000 / ms : 0));
	va_list ap;
	va_start(ap, extra_fmt);
	vprintf(extra_fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}
