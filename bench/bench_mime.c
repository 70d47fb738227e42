/*
 * bench_mime.c — throughput of mime_parse() on generated messages.
 *
 *   bench_mime [seconds-per-case]     (default 1)
 *
 * Cases: a 1 MiB plain-text body (the 200 MB/s target), a multipart with
 * a 1 MiB base64 attachment, a typical 6 KiB multipart/alternative, a
 * 2 KiB header-only message, and a 200-part multipart.  Each is parsed
 * repeatedly into a reused buffer; MB/s, messages/s and microseconds per
 * message (all on CPU time) are printed, plus the cache blob's size.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "common/buf.h"
#include "index/mime.h"

/* Throughput is computed on this thread's CPU time, so a busy machine
 * (shared CI, other builds) does not distort it; wall time is printed too. */
static double clock_s(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void header(struct rm_buf *m, const char *content_type)
{
	rm_buf_puts(m, "Return-Path: <sender@example.com>\r\n"
		       "Received: from mx.example.com (mx.example.com [192.0.2.1])\r\n"
		       "\tby mail.example.net with ESMTPS id 4F1A2B3C4D\r\n"
		       "\tfor <rcpt@example.net>; Mon, 2 Sep 2024 07:30:37 +0000\r\n"
		       "From: \"Sender Name\" <sender@example.com>\r\n"
		       "To: Recipient One <one@example.net>, two@example.net\r\n"
		       "Cc: \"Third, Person\" <third@example.org>\r\n"
		       "Subject: =?UTF-8?Q?Quarterly_report_=E2=80=94_final?=\r\n"
		       "Date: Mon, 2 Sep 2024 09:30:37 +0200\r\n"
		       "Message-ID: <20240902073037.4F1A2B3C4D@mx.example.com>\r\n"
		       "MIME-Version: 1.0\r\n");
	rm_buf_printf(m, "Content-Type: %s\r\n\r\n", content_type);
}

static void text_lines(struct rm_buf *m, size_t bytes)
{
	static const char line[] = "The quick brown fox jumps over the lazy dog; "
				   "pack my box with five dozen.\r\n";
	while (bytes >= sizeof(line) - 1) {
		rm_buf_append(m, line, sizeof(line) - 1);
		bytes -= sizeof(line) - 1;
	}
}

static void base64_lines(struct rm_buf *m, size_t bytes)
{
	static const char line[] = "TG9yZW0gaXBzdW0gZG9sb3Igc2l0IGFtZXQsIGNvbnNlY3RldHVyIGFkaXBpc2Np\r\n";
	while (bytes >= sizeof(line) - 1) {
		rm_buf_append(m, line, sizeof(line) - 1);
		bytes -= sizeof(line) - 1;
	}
}

static void make_plain(struct rm_buf *m)
{
	header(m, "text/plain; charset=us-ascii");
	text_lines(m, 1u << 20);
}

static void make_attachment(struct rm_buf *m)
{
	header(m, "multipart/mixed; boundary=\"----=_Part_12345_67890.1725262237\"");
	rm_buf_puts(m, "------=_Part_12345_67890.1725262237\r\n"
		       "Content-Type: text/plain; charset=utf-8\r\n\r\n");
	text_lines(m, 2048);
	rm_buf_puts(m, "------=_Part_12345_67890.1725262237\r\n"
		       "Content-Type: application/pdf; name=\"report.pdf\"\r\n"
		       "Content-Transfer-Encoding: base64\r\n"
		       "Content-Disposition: attachment; filename=\"report.pdf\"\r\n\r\n");
	base64_lines(m, 1u << 20);
	rm_buf_puts(m, "------=_Part_12345_67890.1725262237--\r\n");
}

static void make_typical(struct rm_buf *m)
{
	header(m, "multipart/alternative; boundary=alt");
	rm_buf_puts(m, "--alt\r\nContent-Type: text/plain; charset=utf-8\r\n"
		       "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
	text_lines(m, 2000);
	rm_buf_puts(m, "--alt\r\nContent-Type: text/html; charset=utf-8\r\n"
		       "Content-Transfer-Encoding: quoted-printable\r\n\r\n<html><body>\r\n");
	text_lines(m, 3000);
	rm_buf_puts(m, "</body></html>\r\n--alt--\r\n");
}

static void make_header_only(struct rm_buf *m)
{
	header(m, "text/plain; charset=utf-8");
	for (int i = 0; i < 10; i++)
		rm_buf_printf(m, "X-Extra-%d: some value that a filter added, %d\r\n", i, i);
	rm_buf_puts(m, "\r\nok\r\n");
}

static void make_many_parts(struct rm_buf *m)
{
	header(m, "multipart/mixed; boundary=p");
	for (int i = 0; i < 200; i++) {
		rm_buf_printf(m, "--p\r\nContent-Type: text/plain; name=\"part%d.txt\"\r\n\r\n", i);
		text_lines(m, 300);
	}
	rm_buf_puts(m, "--p--\r\n");
}

static void run(const char *name, void (*make)(struct rm_buf *), double seconds)
{
	struct rm_buf msg = { 0 }, blob = { 0 };
	make(&msg);
	unsigned long n = 0;
	double cpu0 = clock_s(CLOCK_THREAD_CPUTIME_ID), wall0 = clock_s(CLOCK_MONOTONIC), cpu;
	do {
		for (int k = 0; k < 16; k++) {
			rm_buf_reset(&blob);
			if (mime_parse(msg.data, msg.len, &blob) != RM_OK)
				abort();
		}
		n += 16;
		cpu = clock_s(CLOCK_THREAD_CPUTIME_ID) - cpu0;
	} while (cpu < seconds);
	double wall = clock_s(CLOCK_MONOTONIC) - wall0;
	printf("%-14s %9zu bytes  %9.1f MB/s  %10.0f msg/s  %8.2f us/msg  blob %6zu bytes  "
	       "(cpu %.2fs, wall %.2fs)\n", name, msg.len,
	       (double)msg.len * (double)n / cpu / 1e6, (double)n / cpu, cpu * 1e6 / (double)n,
	       blob.len, cpu, wall);
	rm_buf_free(&msg);
	rm_buf_free(&blob);
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 1.0;
	run("plain-1MiB", make_plain, seconds);
	run("attach-1MiB", make_attachment, seconds);
	run("typical-6KiB", make_typical, seconds);
	run("header-2KiB", make_header_only, seconds);
	run("200-parts", make_many_parts, seconds);
	return 0;
}
